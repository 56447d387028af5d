/**
 * The envelope over the Azure Key Vault provider: the kms-core envelope suite (round trip,
 * context binding, pinning, rotation to another version, retirement, rewrap from an environment
 * key, outages and throttling through retries and the deadline, single-flight unwraps), with
 * the real `@azure/keyvault-keys` client against the emulator. Rotation moves to a provider
 * pinned to the key's second version, the way docs/kms-azure.md tells users to rotate.
 */
import { azureProviderFor } from "./azure-fixture.js";
import { startAzureKeyVaultEmulator } from "./emulators/azure-key-vault.js";
import { describeProviderEnvelope } from "./envelope-suite.js";

describeProviderEnvelope("azure-key-vault", async () => {
  const emulator = await startAzureKeyVaultEmulator();
  const second = await emulator.rotate();
  return {
    provider: azureProviderFor(emulator),
    next: azureProviderFor(emulator, { version: second }),
    emulator,
    pinnedVersion: emulator.firstVersion,
  };
});
