/**
 * Master keys in Google Cloud KMS: a key provider (`KeyProvider` from `moatkit/crypto`) that wraps moatkit's data keys with
 * `encrypt` under a pinned CryptoKeyVersion and unwraps them with `decrypt`, binding each wrap to
 * its context as additional authenticated data. Give it a `KeyManagementServiceClient` from
 * `@google-cloud/kms` (an optional peer this subpath never imports). docs/kms-gcp.md has the
 * IAM role, the rotation steps and what the additional authenticated data holds.
 *
 * @example
 * ```ts
 * import { KeyManagementServiceClient } from "@google-cloud/kms";
 * import { createGcpKmsProvider } from "moatkit/kms/gcp";
 *
 * const provider = createGcpKmsProvider({
 *   client: new KeyManagementServiceClient(),
 *   keyVersionName: "projects/acme/locations/europe-west1/keyRings/app/cryptoKeys/fields/cryptoKeyVersions/3",
 * });
 * ```
 *
 * @module
 */
export { createGcpKmsProvider, type GcpKmsProvider } from "./provider.js";
export type { GcpKmsProviderOptions } from "./options.js";
export type {
  GcpKmsClientLike,
  GcpCallOptions,
  GcpEncryptRequest,
  GcpDecryptRequest,
  GcpEncryptResponse,
  GcpDecryptResponse,
  GcpInt64Value,
} from "./client.js";
