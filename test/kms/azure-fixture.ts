/**
 * The real `@azure/keyvault-keys` client pointed at the emulator: plain http is allowed (the
 * emulator is on loopback; moatkit refuses http for any other host), the challenge's resource is
 * not checked against the 127.0.0.1 host, and the credential hands out the emulator's token.
 */
import type { AzureTokenCredential, AzureWrapAlgorithm } from "../../src/kms/azure/index.js";
import { createAzureKeyVaultProvider } from "../../src/kms/azure/index.js";
import type { CryptographyClientOptions } from "@azure/keyvault-keys";
import type { KeyProvider } from "../../src/crypto/key-provider.js";
import type { AzureKeyVaultEmulator } from "./emulators/azure-key-vault.js";

/** A credential that always returns `token`, counting how often it was asked. */
export function fixedTokenCredential(token: string): AzureTokenCredential & { readonly asked: () => number } {
  let asked = 0;
  return {
    getToken: () => {
      asked += 1;
      return Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 });
    },
    asked: () => asked,
  };
}

/** A provider over the emulator's key, pinned to `version` (default: the first version). */
export function azureProviderFor(
  emulator: AzureKeyVaultEmulator,
  options: {
    version?: string;
    algorithm?: AzureWrapAlgorithm;
    token?: string;
    clientOptions?: CryptographyClientOptions;
  } = {},
): KeyProvider {
  return createAzureKeyVaultProvider({
    keyId: emulator.keyId(options.version ?? emulator.firstVersion),
    credential: fixedTokenCredential(options.token ?? emulator.token),
    ...(options.algorithm === undefined ? {} : { algorithm: options.algorithm }),
    clientOptions: {
      ...options.clientOptions,
      allowInsecureConnection: true,
      disableChallengeResourceVerification: true,
    },
  });
}
