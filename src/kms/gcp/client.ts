/**
 * The part of `@google-cloud/kms`'s `KeyManagementServiceClient` the provider calls, written as
 * structural types (kysely's way with drivers): the SDK stays an optional peer that this subpath
 * never imports, and the published types do not depend on it. The real client (gRPC or its
 * HTTP/JSON `fallback` transport) fits; so does a wrapper of one's own.
 *
 * Response fields are `unknown`: what comes back from the network is checked, not trusted.
 */

/** A protobuf `Int64Value` as the provider sends it (a CRC32C fits a JS number exactly). */
export interface GcpInt64Value {
  /** The value. */
  readonly value: number;
}

/** The per-call options the provider passes (gax `CallOptions`). */
export interface GcpCallOptions {
  /** The call's deadline in milliseconds (a gRPC deadline; the REST transport ignores it). */
  readonly timeout: number;
  /** `null`: no retries inside the SDK; the envelope retries with backoff and jitter instead. */
  readonly retry: null;
}

/** What the provider sends to `encrypt`. */
export interface GcpEncryptRequest {
  /** The pinned CryptoKeyVersion's resource name. */
  readonly name: string;
  /** The data key. */
  readonly plaintext: Uint8Array;
  /** The canonical encoding of the wrap context. */
  readonly additionalAuthenticatedData: Uint8Array;
  /** CRC32C of `plaintext`, checked by the service. */
  readonly plaintextCrc32c: GcpInt64Value;
  /** CRC32C of `additionalAuthenticatedData`, checked by the service. */
  readonly additionalAuthenticatedDataCrc32c: GcpInt64Value;
}

/** What the provider sends to `decrypt`. */
export interface GcpDecryptRequest {
  /** The CryptoKey's resource name (Cloud KMS finds the version from the ciphertext). */
  readonly name: string;
  /** The wrapped data key. */
  readonly ciphertext: Uint8Array;
  /** The canonical encoding of the wrap context. */
  readonly additionalAuthenticatedData: Uint8Array;
  /** CRC32C of `ciphertext`, checked by the service. */
  readonly ciphertextCrc32c: GcpInt64Value;
  /** CRC32C of `additionalAuthenticatedData`, checked by the service. */
  readonly additionalAuthenticatedDataCrc32c: GcpInt64Value;
}

/** The fields of an `EncryptResponse` the provider reads (checked at run time). */
export interface GcpEncryptResponse {
  /** The CryptoKeyVersion the service used. */
  readonly name?: unknown;
  /** The ciphertext. */
  readonly ciphertext?: unknown;
  /** `{ value }`: CRC32C of `ciphertext`. */
  readonly ciphertextCrc32c?: unknown;
  /** Whether the service checked `plaintextCrc32c`. */
  readonly verifiedPlaintextCrc32c?: unknown;
  /** Whether the service checked `additionalAuthenticatedDataCrc32c`. */
  readonly verifiedAdditionalAuthenticatedDataCrc32c?: unknown;
}

/** The fields of a `DecryptResponse` the provider reads (checked at run time). */
export interface GcpDecryptResponse {
  /** The data key. */
  readonly plaintext?: unknown;
  /** `{ value }`: CRC32C of `plaintext`. */
  readonly plaintextCrc32c?: unknown;
}

/**
 * A Cloud KMS client: `new KeyManagementServiceClient()` from `@google-cloud/kms` (v4 or later),
 * with the credentials and transport of your choice.
 */
export interface GcpKmsClientLike {
  /** `KeyManagementService.Encrypt`. */
  encrypt(request: GcpEncryptRequest, options: GcpCallOptions): Promise<readonly [GcpEncryptResponse, ...unknown[]]>;
  /** `KeyManagementService.Decrypt`. */
  decrypt(request: GcpDecryptRequest, options: GcpCallOptions): Promise<readonly [GcpDecryptResponse, ...unknown[]]>;
}
