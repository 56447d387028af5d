/**
 * What keeping the master key in Vault / OpenBao Transit costs (the Transit emulator, plain
 * `fetch`), in the workload every KMS bench shares: see bench/kms-workload.ts.
 */
import { createVaultTransitProvider } from "../src/kms/vault/index.js";
import { startVaultEmulator } from "../test/kms/emulators/vault.js";
import { defineKmsBench } from "./kms-workload.js";

export default defineKmsBench({
  service: "Vault Transit",
  runs: 5,
  async start(latencyMs) {
    const emulator = await startVaultEmulator();
    emulator.setLatency(latencyMs);
    return {
      key: () => ({
        id: "vault",
        provider: createVaultTransitProvider({
          address: emulator.address,
          token: emulator.token,
          keyName: emulator.keyName,
          keyVersion: 1,
        }),
      }),
      totalCalls: () => Object.values(emulator.calls()).reduce((n, c) => n + c, 0),
      close: () => emulator.close(),
    };
  },
});
