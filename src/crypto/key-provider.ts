/**
 * Key providers: master keys that never leave a key management service. A provider wraps and
 * unwraps data keys remotely (AWS KMS, Google Cloud KMS, Azure Key Vault, Vault/OpenBao Transit,
 * each in its own subpath so `moatkit/crypto` loads no SDK). A keyring entry names a provider the
 * way it names a local key, so the id in a token still names the keyring entry.
 *
 * The envelope binds every remote wrap to a {@link WrapContext}: the provider must send all of it
 * to the service as encryption context / additional authenticated data, so a data key wrapped for
 * one scope, id or mode does not unwrap for another, even at the KMS.
 */

/** The purpose string every remote wrap is bound to. */
export const DATA_KEY_PURPOSE = "moatkit/v1 data-key";

/** The longest ciphertext a provider may return for one wrapped data key. */
export const MAX_PROVIDER_CIPHERTEXT = 2048;

/** What a remotely wrapped data key is bound to. Every field is public (no secret in it). */
export interface WrapContext {
  /** The keyring entry id (the master key id tokens carry). */
  readonly keyId: string;
  /** `"stored"` (a data key record) or `"embedded"` (a stateless token carries the wrapped key). */
  readonly mode: "stored" | "embedded";
  /** The data key id (base64url), or `""` in embedded mode. */
  readonly dataKeyId: string;
  /** The scope (tenant) of the data key, or `""` in embedded mode. */
  readonly scope: string;
  /** Always {@link DATA_KEY_PURPOSE}. */
  readonly purpose: string;
}

/** Per-call options the envelope passes to a provider. */
export interface KeyProviderCallOptions {
  /** Aborted when the envelope's deadline for this operation passes; pass it to the SDK call. */
  readonly signal: AbortSignal;
}

/** A data key made and wrapped by the provider in one call. */
export interface GeneratedDataKey {
  /** The 32 plaintext key bytes (the caller owns and wipes them). */
  readonly dataKey: Uint8Array;
  /** The provider's ciphertext of it, at most {@link MAX_PROVIDER_CIPHERTEXT} bytes. */
  readonly wrapped: Uint8Array;
}

/**
 * A master key held by a key management service. Implementations translate service failures
 * into {@link KeyProviderError}; they never fall back to another key and never log key bytes.
 */
export interface KeyProvider {
  /** The kind of service, e.g. `"aws-kms"`; named in errors. */
  readonly kind: string;
  /** The pinned key (ARN, resource name with version, URL with version): public, for errors and logs. */
  readonly keyName: string;
  /** Wraps a 32-byte data key under the pinned key, bound to `context`. */
  wrap(dataKey: Uint8Array, context: WrapContext, options: KeyProviderCallOptions): Promise<Uint8Array>;
  /**
   * Unwraps a ciphertext this provider returned. Resolves `undefined` when the service says the
   * ciphertext does not authenticate under `context` (tampered, or bound to another scope or id);
   * throws {@link KeyProviderError} for everything else.
   */
  unwrap(wrapped: Uint8Array, context: WrapContext, options: KeyProviderCallOptions): Promise<Uint8Array | undefined>;
  /** Optional: a fresh data key and its wrap in one call (AWS GenerateDataKey, Vault `datakey`). */
  generate?(context: WrapContext, options: KeyProviderCallOptions): Promise<GeneratedDataKey>;
}

/** Why a provider call failed. */
export type KeyProviderFailure =
  /** The service did not answer, or answered 5xx. Retried. */
  | "unavailable"
  /** The service refused for rate (429, ThrottlingException). Retried. */
  | "throttled"
  /** The call did not finish before its signal was aborted. */
  | "timeout"
  /** Credentials or permissions refused (401/403, AccessDenied). Not retried. */
  | "denied"
  /** The key (or the pinned version) is disabled, pending deletion or destroyed. Not retried. */
  | "key_disabled"
  /** The key or version does not exist. Not retried. */
  | "not_found"
  /** The service answered something the provider cannot use. Not retried. */
  | "invalid_response";

const RETRYABLE: ReadonlySet<KeyProviderFailure> = new Set(["unavailable", "throttled", "timeout"]);

/**
 * A failure of a key provider call. The envelope retries the retryable ones with backoff and
 * jitter inside its deadline, then fails closed with a `MoatError`. The message names the
 * provider and failure only: never a key, a ciphertext or a credential.
 */
export class KeyProviderError extends Error {
  /** What went wrong, in moatkit's terms. */
  readonly failure: KeyProviderFailure;
  /** Whether trying again may succeed. */
  readonly retryable: boolean;

  constructor(failure: KeyProviderFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KeyProviderError";
    this.failure = failure;
    this.retryable = RETRYABLE.has(failure);
  }
}
