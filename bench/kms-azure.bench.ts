/**
 * The Azure Key Vault provider against the raw SDK calls it makes, both through the real
 * `@azure/keyvault-keys` client to the protocol emulator on 127.0.0.1 (no injected latency), so
 * the ratio is what moatkit's binding, checks and error handling cost on top of a vault round
 * trip. Also the bytes one wrapped data key takes, against a local-AEAD-layer design.
 */
import { randomBytes } from "node:crypto";
import { CryptographyClient } from "@azure/keyvault-keys";
import type { KeyProvider } from "../src/crypto/key-provider.js";
import { azureProviderFor, fixedTokenCredential } from "../test/kms/azure-fixture.js";
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from "../test/kms/emulators/azure-key-vault.js";
import { context } from "../test/kms/provider-suite.js";
import { defineBenchSuite } from "./harness.js";

let emulator: AzureKeyVaultEmulator | undefined;
let provider: KeyProvider | undefined;
let client: CryptographyClient | undefined;
const dataKey = randomBytes(32);
const call = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(10_000) });

function ready(): { provider: KeyProvider; client: CryptographyClient } {
  if (!provider || !client) throw new Error("bench setup did not run");
  return { provider, client };
}

export default defineBenchSuite({
  title: "Azure Key Vault provider (emulator, no latency)",
  setup: async () => {
    emulator = await startAzureKeyVaultEmulator();
    provider = azureProviderFor(emulator);
    client = new CryptographyClient(emulator.keyId(emulator.firstVersion), fixedTokenCredential(emulator.token), {
      allowInsecureConnection: true,
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 0 },
    });
  },
  teardown: async () => {
    await emulator?.close();
  },
  groups: [
    {
      name: "wrap + unwrap one data key (two vault calls, RSA-OAEP-256 2048)",
      baseline: "raw SDK wrapKey + unwrapKey (no binding)",
      tasks: {
        "raw SDK wrapKey + unwrapKey (no binding)": async () => {
          const { client: c } = ready();
          const { result } = await c.wrapKey("RSA-OAEP-256", dataKey);
          await c.unwrapKey("RSA-OAEP-256", result);
        },
        "moatkit provider wrap + unwrap (bound to context)": async () => {
          const { provider: p } = ready();
          const wrapped = await p.wrap(dataKey, context(), call());
          await p.unwrap(wrapped, context(), call());
        },
      },
      targets: [{ task: "moatkit provider wrap + unwrap (bound to context)", minRatio: 0.9 }],
    },
    {
      kind: "metrics",
      name: "bytes stored per wrapped data key (RSA-2048)",
      baseline: "local AEAD layer: wrap(K) ‖ nonce ‖ GCM(dataKey) ‖ tag",
      higherIsBetter: false,
      run: async () => {
        const { provider: p } = ready();
        const wrapped = await p.wrap(dataKey, context(), call());
        return [
          { task: "local AEAD layer: wrap(K) ‖ nonce ‖ GCM(dataKey) ‖ tag", value: 1 + 256 + 12 + 32 + 16, unit: "B" },
          { task: "moatkit: 0x01 ‖ wrap(dataKey ‖ digest)", value: wrapped.length, unit: "B" },
        ];
      },
    },
  ],
});
