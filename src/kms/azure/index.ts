/**
 * `moatkit/kms/azure`: master keys held in Azure Key Vault or a Managed HSM. Loads
 * `@azure/keyvault-keys` (an optional peer); `moatkit/crypto` never does.
 *
 * - {@link createAzureKeyVaultProvider}: a {@link KeyProvider} pinned to one key version.
 *
 * @module
 */
export {
  type AzureKeyVaultProviderOptions,
  type AzureTokenCredential,
  type AzureWrapAlgorithm,
  createAzureKeyVaultProvider,
} from "./provider.js";
export type { KeyProvider, WrapContext } from "../../crypto/key-provider.js";
