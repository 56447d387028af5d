/**
 * What keeping the master key in Google Cloud KMS costs (the real `@google-cloud/kms` client on
 * its REST transport against the Cloud KMS emulator), in the workload every KMS bench shares: see
 * bench/kms-workload.ts. One client serves every run, created and warmed up first, as a service
 * holds one: it loads its protos and opens its connection on the first call.
 */
import { randomBytes } from "node:crypto";
import { createGcpKmsProvider } from "../src/kms/gcp/index.js";
import { startGcpKmsEmulator } from "../test/kms/emulators/gcp-kms.js";
import { defineKmsBench } from "./kms-workload.js";

export default defineKmsBench({
  service: "Cloud KMS",
  runs: 5,
  async start(latencyMs) {
    const emulator = await startGcpKmsEmulator();
    const provider = createGcpKmsProvider({ client: emulator.client(), keyVersionName: emulator.firstVersionName });
    const signal = AbortSignal.timeout(30_000);
    const warm = { keyId: "gcp", mode: "embedded", dataKeyId: "", scope: "", purpose: "moatkit/v1 data-key" } as const;
    await provider.unwrap(await provider.wrap(randomBytes(32), warm, { signal }), warm, { signal });
    emulator.setLatency(latencyMs);
    return {
      key: () => ({ id: "gcp", provider }),
      totalCalls: () => Object.values(emulator.calls()).reduce((n, c) => n + c, 0),
      close: () => emulator.close(),
    };
  },
});
