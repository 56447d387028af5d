/**
 * A key provider over Google Cloud KMS: `encrypt` under a pinned CryptoKeyVersion, `decrypt`
 * through its CryptoKey, both with the wrap context as additional authenticated data and
 * Cloud KMS's CRC32C integrity fields checked both ways.
 */
import {
  type KeyProvider,
  type KeyProviderCallOptions,
  type KeyProviderError,
  MAX_PROVIDER_CIPHERTEXT,
  type WrapContext,
} from "../../crypto/key-provider.js";
import { MoatError } from "../../errors.js";
import type { GcpCallOptions, GcpDecryptResponse, GcpEncryptResponse } from "./client.js";
import { crc32c } from "./crc32c.js";
import { GRPC_STATUS, failureOf, grpcStatus, providerError } from "./errors.js";
import { encodeWrapContext, type GcpKmsProviderOptions, parseGcpOptions, signalOf } from "./options.js";

/** A {@link KeyProvider} over Cloud KMS, from {@link createGcpKmsProvider}. */
export interface GcpKmsProvider extends KeyProvider {
  /** Always `"gcp-kms"`. */
  readonly kind: "gcp-kms";
  /** The pinned CryptoKeyVersion's resource name (public: for errors and logs). */
  readonly keyName: string;
  /** The CryptoKey that version belongs to, which `decrypt` is sent to. */
  readonly cryptoKeyName: string;
}

const DATA_KEY_BYTES = 32;

/** Rejection of the race when the caller's signal fires first; never leaves this file. */
const ABORTED = new Error("gcp-kms call abandoned: its signal was aborted");

/**
 * Settles with `call()` or, if `signal` fires first, rejects with {@link ABORTED}. The client's
 * promise cannot be cancelled (the generated methods return a plain promise), so an abandoned
 * call finishes in the background, bounded by its `timeout` on gRPC.
 */
function raced<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(ABORTED);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(ABORTED);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    // Started inside a promise so that a client throwing synchronously rejects like any failure.
    Promise.resolve()
      .then(call)
      .then(resolve, reject)
      .finally(() => {
        signal.removeEventListener("abort", onAbort);
      });
  });
}

/**
 * The value of a protobuf Int64Value holding a CRC32C: both transports of the client decode
 * 64-bit integers as decimal strings (`longs: String`); a number is accepted from other clients.
 */
function int64Of(field: unknown): number | undefined {
  if (typeof field !== "object" || field === null) return undefined;
  const value: unknown = Reflect.get(field, "value");
  if (typeof value === "string") return /^\d{1,10}$/.test(value) ? Number(value) : undefined;
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * A copy of `bytes` that owns its whole buffer. The client's REST transport serialises a
 * Uint8Array that is not a Buffer from the start of its underlying buffer, ignoring
 * `byteOffset` (proto3-json-serializer 3's bytes encoder), so a view into a larger buffer (a
 * wrapped key sliced out of a token) would be sent as other bytes. gRPC is not affected; the copy
 * is cheap and keeps both right.
 */
function detached(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

function checkDataKey(dataKey: unknown): Uint8Array {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_BYTES)
    throw new MoatError("ERR_INVALID_INPUT", { message: "gcp-kms wrap: the data key must be 32 bytes" });
  return dataKey;
}

/**
 * Creates a {@link KeyProvider} that wraps data keys with Cloud KMS under one pinned key version.
 * Cloud KMS has no data-key call, so there is no `generate()`: the envelope makes the key and
 * the provider wraps it (one `encrypt` per new data key).
 *
 * - wrap: `encrypt` with `name` = the pinned version; the response must name that version.
 * - unwrap: `decrypt` with the CryptoKey's name (the ciphertext says which version made it, so
 *   data wrapped before a rotation still unwraps while that version is enabled). A ciphertext
 *   that does not authenticate under the context (INVALID_ARGUMENT) resolves `undefined`.
 * - Both send the canonical JSON of the whole {@link WrapContext} as additional authenticated
 *   data, and CRC32C checksums of every byte field; a response whose checksums do not match is
 *   refused as `unavailable` (retried: Google describes it as corruption in transit).
 * - The SDK's own retries are turned off (`retry: null`); the envelope retries with backoff.
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
 */
export function createGcpKmsProvider(options: GcpKmsProviderOptions): GcpKmsProvider {
  const { client, keyVersionName, cryptoKeyName, callTimeoutMs } = parseGcpOptions(options);
  // A fresh object per call: the generated client writes its routing header (the resource name)
  // into the options it is given, so a shared object would carry one call's name into another.
  const callOptions = (): GcpCallOptions => ({ timeout: callTimeoutMs, retry: null });

  const failed = (error: unknown, operation: "encrypt" | "decrypt", signal: AbortSignal): KeyProviderError =>
    error === ABORTED || signal.aborted
      ? providerError("timeout", operation, keyVersionName, "the call was abandoned when its signal was aborted")
      : providerError(failureOf(error), operation, keyVersionName, undefined, error);

  const refuse = (operation: "encrypt" | "decrypt", detail: string, integrity = false): KeyProviderError =>
    providerError(integrity ? "unavailable" : "invalid_response", operation, keyVersionName, detail);

  function checkEncrypted(response: GcpEncryptResponse): Uint8Array {
    if (response.name !== keyVersionName)
      throw refuse("encrypt", "the service used another key version than the pinned one");
    if (response.verifiedPlaintextCrc32c !== true || response.verifiedAdditionalAuthenticatedDataCrc32c !== true)
      throw refuse("encrypt", "the service did not confirm the request's CRC32C checksums", true);
    const ciphertext = response.ciphertext;
    if (!(ciphertext instanceof Uint8Array) || ciphertext.length === 0 || ciphertext.length > MAX_PROVIDER_CIPHERTEXT)
      throw refuse("encrypt", "the ciphertext is missing or longer than a wrapped data key may be");
    if (int64Of(response.ciphertextCrc32c) !== crc32c(ciphertext))
      throw refuse("encrypt", "the ciphertext failed its CRC32C check", true);
    return Uint8Array.from(ciphertext);
  }

  function checkDecrypted(response: GcpDecryptResponse): Uint8Array {
    const plaintext = response.plaintext;
    if (!(plaintext instanceof Uint8Array)) throw refuse("decrypt", "the response holds no plaintext");
    try {
      if (plaintext.length !== DATA_KEY_BYTES) throw refuse("decrypt", "the plaintext is not a 32-byte data key");
      if (int64Of(response.plaintextCrc32c) !== crc32c(plaintext))
        throw refuse("decrypt", "the plaintext failed its CRC32C check", true);
      // A copy the caller owns and wipes: the client's buffer may be a slice of a shared pool.
      return Uint8Array.from(plaintext);
    } finally {
      plaintext.fill(0);
    }
  }

  async function wrap(dataKey: Uint8Array, context: WrapContext, call: KeyProviderCallOptions): Promise<Uint8Array> {
    // A copy of our own, wiped after the call: see `detached`.
    const plaintext = detached(checkDataKey(dataKey));
    const aad = encodeWrapContext(context);
    const signal = signalOf(call);
    let response: GcpEncryptResponse;
    try {
      [response] = await raced(signal, () =>
        client.encrypt(
          {
            name: keyVersionName,
            plaintext,
            additionalAuthenticatedData: aad,
            plaintextCrc32c: { value: crc32c(plaintext) },
            additionalAuthenticatedDataCrc32c: { value: crc32c(aad) },
          },
          callOptions(),
        ),
      );
    } catch (error) {
      throw failed(error, "encrypt", signal);
    } finally {
      plaintext.fill(0);
    }
    return checkEncrypted(response);
  }

  async function unwrap(
    wrapped: Uint8Array,
    context: WrapContext,
    call: KeyProviderCallOptions,
  ): Promise<Uint8Array | undefined> {
    if (!(wrapped instanceof Uint8Array))
      throw new MoatError("ERR_INVALID_INPUT", { message: "gcp-kms unwrap: the wrapped key must be a Uint8Array" });
    const aad = encodeWrapContext(context);
    const signal = signalOf(call);
    // Nothing this provider wrapped is empty or this long: no call for it.
    if (wrapped.length === 0 || wrapped.length > MAX_PROVIDER_CIPHERTEXT) return undefined;
    let response: GcpDecryptResponse;
    try {
      [response] = await raced(signal, () =>
        client.decrypt(
          {
            name: cryptoKeyName,
            ciphertext: detached(wrapped),
            additionalAuthenticatedData: aad,
            ciphertextCrc32c: { value: crc32c(wrapped) },
            additionalAuthenticatedDataCrc32c: { value: crc32c(aad) },
          },
          callOptions(),
        ),
      );
    } catch (error) {
      // Cloud KMS answers INVALID_ARGUMENT for a ciphertext that does not authenticate (tampered,
      // another key, another context): that is a refusal, not a failure of the service.
      if (error !== ABORTED && !signal.aborted && grpcStatus(error) === GRPC_STATUS.INVALID_ARGUMENT) return undefined;
      throw failed(error, "decrypt", signal);
    }
    return checkDecrypted(response);
  }

  return Object.freeze({ kind: "gcp-kms" as const, keyName: keyVersionName, cryptoKeyName, wrap, unwrap });
}
