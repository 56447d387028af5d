/**
 * A {@link KeyProvider} backed by an AWS KMS symmetric key: wrap is Encrypt, generate is
 * GenerateDataKey (AES_256), unwrap is Decrypt with `KeyId` pinned, so KMS refuses a ciphertext
 * made under any other key instead of quietly decrypting it with whichever key it names. Every
 * call carries the whole {@link WrapContext} as encryption context (authenticated by KMS, visible
 * in CloudTrail, usable in key policy conditions) and the envelope's abort signal.
 */
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { z } from "zod";
import { parseInput } from "../../_internal/options.js";
import {
  type GeneratedDataKey,
  type KeyProvider,
  type KeyProviderCallOptions,
  KeyProviderError,
  MAX_PROVIDER_CIPHERTEXT,
  type WrapContext,
} from "../../crypto/key-provider.js";
import { MoatError } from "../../errors.js";
import { invalidResponse, isNotAuthentic, toProviderError } from "./errors.js";
import { type AwsKmsProviderOptions, type AwsKmsTarget, readAwsKmsOptions } from "./options.js";

/**
 * The encryption context key each {@link WrapContext} field is sent under. Key policies can
 * require them (`kms:EncryptionContextKeys`) or a value (`kms:EncryptionContext:moatkit:purpose`).
 */
export const AWS_KMS_CONTEXT_KEYS: Readonly<Record<keyof WrapContext, string>> = Object.freeze({
  purpose: "moatkit:purpose",
  keyId: "moatkit:key-id",
  mode: "moatkit:mode",
  dataKeyId: "moatkit:data-key-id",
  scope: "moatkit:scope",
});

const DATA_KEY_BYTES = 32;

const contextSchema = z.strictObject({
  keyId: z.string().min(1).max(256),
  mode: z.enum(["stored", "embedded"]),
  dataKeyId: z.string().max(256),
  scope: z.string().max(1024),
  purpose: z.string().min(1).max(256),
});

/**
 * The encryption context for `context`. A field whose value is empty (the data key id and scope
 * of an embedded-mode wrap) is left out rather than sent empty: every other field is always
 * present, so "absent" can only mean "empty" and two different contexts never map to one.
 */
function encryptionContext(context: WrapContext): Record<string, string> {
  const checked = parseInput(contextSchema, context, "aws-kms wrap context");
  const out: Record<string, string> = {};
  for (const field of ["purpose", "keyId", "mode", "dataKeyId", "scope"] as const) {
    const value = checked[field];
    if (value !== "") out[AWS_KMS_CONTEXT_KEYS[field]] = value;
  }
  return out;
}

function checkSignal(options: KeyProviderCallOptions): AbortSignal {
  // Typed callers always pass one; this guards plain JavaScript callers.
  const holder: unknown = options;
  const signal: unknown = typeof holder === "object" && holder !== null ? Reflect.get(holder, "signal") : undefined;
  if (!(signal instanceof AbortSignal))
    throw new MoatError("ERR_INVALID_INPUT", { message: "aws-kms: options.signal must be an AbortSignal" });
  return signal;
}

function checkDataKey(dataKey: Uint8Array): void {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_BYTES)
    throw new MoatError("ERR_INVALID_INPUT", { message: "aws-kms wrap: the data key must be 32 bytes" });
}

/**
 * Settles with the SDK call, or rejects as soon as `signal` aborts even if the SDK is still
 * resolving credentials or endpoints (where it does not watch the signal yet).
 */
async function untilAborted<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw new KeyProviderError("timeout", "aws-kms call failed: timeout");
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(new KeyProviderError("timeout", "aws-kms call failed: timeout"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([call(), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Whether the key KMS reports having used is the one the target is pinned to. */
function sameKey(target: AwsKmsTarget, answered: string | undefined): boolean {
  return target.alias || answered === target.keyId;
}

function ciphertextOf(operation: string, blob: Uint8Array | undefined): Uint8Array {
  if (!(blob instanceof Uint8Array) || blob.length === 0 || blob.length > MAX_PROVIDER_CIPHERTEXT)
    throw invalidResponse(operation, "ciphertext missing or too long");
  return blob;
}

function plaintextOf(operation: string, blob: Uint8Array | undefined): Uint8Array {
  if (!(blob instanceof Uint8Array) || blob.length !== DATA_KEY_BYTES) {
    blob?.fill(0);
    throw invalidResponse(operation, "plaintext is not a 32-byte key");
  }
  return blob;
}

async function decryptWith(
  target: AwsKmsTarget,
  wrapped: Uint8Array,
  encryption: Record<string, string>,
  signal: AbortSignal,
): Promise<Uint8Array | undefined> {
  const command = new DecryptCommand({
    CiphertextBlob: wrapped,
    KeyId: target.keyId,
    EncryptionContext: encryption,
    EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
  });
  let answer;
  try {
    answer = await untilAborted(() => target.client.send(command, { abortSignal: signal }), signal);
  } catch (error) {
    if (isNotAuthentic(error)) return undefined;
    throw toProviderError("Decrypt", error, signal);
  }
  if (!sameKey(target, answer.KeyId)) {
    answer.Plaintext?.fill(0);
    throw invalidResponse("Decrypt", "answered for another key");
  }
  return plaintextOf("Decrypt", answer.Plaintext);
}

/** A failure after which another Region may still answer. */
function worthAnotherRegion(error: unknown, signal: AbortSignal): boolean {
  return (
    !signal.aborted &&
    error instanceof KeyProviderError &&
    (error.failure === "unavailable" || error.failure === "throttled")
  );
}

/**
 * A key provider for an AWS KMS symmetric encryption key.
 *
 * Give it a `KMSClient` with `maxAttempts: 1`: moatkit's envelope already retries retryable
 * failures with backoff and jitter inside its deadline, and SDK retries underneath would
 * multiply the calls and hide throttling from it (docs/kms-aws.md).
 *
 * @example
 * ```ts
 * import { KMSClient } from "@aws-sdk/client-kms";
 * import { createAwsKmsProvider } from "moatkit/kms/aws";
 *
 * const provider = createAwsKmsProvider({
 *   client: new KMSClient({ region: "eu-west-1", maxAttempts: 1 }),
 *   keyId: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
 * });
 * ```
 */
export function createAwsKmsProvider(options: AwsKmsProviderOptions): KeyProvider {
  const { primary, replicas } = readAwsKmsOptions(options);

  async function wrap(dataKey: Uint8Array, context: WrapContext, call: KeyProviderCallOptions): Promise<Uint8Array> {
    checkDataKey(dataKey);
    const signal = checkSignal(call);
    const command = new EncryptCommand({
      KeyId: primary.keyId,
      Plaintext: dataKey,
      EncryptionContext: encryptionContext(context),
      EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
    });
    let answer;
    try {
      answer = await untilAborted(() => primary.client.send(command, { abortSignal: signal }), signal);
    } catch (error) {
      throw toProviderError("Encrypt", error, signal);
    }
    if (!sameKey(primary, answer.KeyId)) throw invalidResponse("Encrypt", "answered for another key");
    return ciphertextOf("Encrypt", answer.CiphertextBlob);
  }

  async function generate(context: WrapContext, call: KeyProviderCallOptions): Promise<GeneratedDataKey> {
    const signal = checkSignal(call);
    const command = new GenerateDataKeyCommand({
      KeyId: primary.keyId,
      KeySpec: "AES_256",
      EncryptionContext: encryptionContext(context),
    });
    let answer;
    try {
      answer = await untilAborted(() => primary.client.send(command, { abortSignal: signal }), signal);
    } catch (error) {
      throw toProviderError("GenerateDataKey", error, signal);
    }
    const dataKey = plaintextOf("GenerateDataKey", answer.Plaintext);
    if (!sameKey(primary, answer.KeyId)) {
      dataKey.fill(0);
      throw invalidResponse("GenerateDataKey", "answered for another key");
    }
    try {
      return { dataKey, wrapped: ciphertextOf("GenerateDataKey", answer.CiphertextBlob) };
    } catch (error) {
      dataKey.fill(0);
      throw error;
    }
  }

  async function unwrap(
    wrapped: Uint8Array,
    context: WrapContext,
    call: KeyProviderCallOptions,
  ): Promise<Uint8Array | undefined> {
    if (!(wrapped instanceof Uint8Array))
      throw new MoatError("ERR_INVALID_INPUT", { message: "aws-kms unwrap: the ciphertext must be a Uint8Array" });
    const signal = checkSignal(call);
    const encryption = encryptionContext(context);
    // Nothing KMS made is empty or longer than the envelope stores: not worth a request.
    if (wrapped.length === 0 || wrapped.length > MAX_PROVIDER_CIPHERTEXT) return undefined;
    let failure: unknown;
    for (const target of [primary, ...replicas]) {
      try {
        return await decryptWith(target, wrapped, encryption, signal);
      } catch (error) {
        if (!worthAnotherRegion(error, signal)) throw error;
        failure ??= error;
      }
    }
    throw failure;
  }

  return Object.freeze({ kind: "aws-kms", keyName: primary.keyId, wrap, unwrap, generate });
}
