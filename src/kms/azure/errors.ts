/**
 * Key Vault failures in moatkit's terms. The SDK throws a `RestError` (status code, and the
 * service's `{ error: { code, message, innererror } }` in `details`), an `AbortError`, or a
 * plain `Error` from its own local checks of the key's `nbf` / `exp`. Only the status, the
 * service's error codes and fixed phrases are read; the messages moatkit writes are its own,
 * so no SDK text (which may quote a request) reaches a log.
 */
import { KeyProviderError, type KeyProviderFailure } from "../../crypto/key-provider.js";

/** What a failed call turns into: a provider error, or "this ciphertext does not unwrap". */
export type AzureCallOutcome = KeyProviderError | "does_not_unwrap";

// The vault refuses an operation on a key that is disabled, expired or not yet valid with 403
// and these inner codes; the message names the state ("...is not allowed on a disabled key").
const KEY_STATE_CODES: ReadonlySet<string> = new Set(["KeyDisabled", "KeyExpired", "KeyNotYetValid"]);
const KEY_STATE_TEXT =
  /not allowed on (?:a|an) (?:disabled|expired|not[- ]yet[- ]valid)|can't be used before|expired at/i;
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "REQUEST_SEND_ERROR",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, name) : undefined;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The service's error codes (outer and inner) and message, from a RestError's details. */
function serviceError(error: unknown): { codes: string[]; message: string } {
  const body = field(field(error, "details"), "error");
  const inner = field(body, "innerError") ?? field(body, "innererror");
  return { codes: [text(field(body, "code")), text(field(inner, "code"))], message: text(field(body, "message")) };
}

function isKeyStateRefusal(error: unknown): boolean {
  const { codes, message } = serviceError(error);
  return codes.some((code) => KEY_STATE_CODES.has(code)) || KEY_STATE_TEXT.test(message);
}

function failureFor(error: unknown, signal: AbortSignal): KeyProviderFailure | "does_not_unwrap_candidate" {
  if (signal.aborted || field(error, "name") === "AbortError") return "timeout";
  const status = field(error, "statusCode");
  if (typeof status !== "number") {
    if (NETWORK_CODES.has(text(field(error, "code")))) return "unavailable";
    // The SDK's own check of the key's validity period, before any request.
    if (error instanceof Error && KEY_STATE_TEXT.test(error.message)) return "key_disabled";
    if (error instanceof Error && /is not supported on key/.test(error.message)) return "denied";
    return field(error, "name") === "RestError" ? "unavailable" : "invalid_response";
  }
  if (status === 429) return "throttled";
  if (status >= 500 || status === 408) return "unavailable";
  if (status === 401) return "denied";
  if (status === 403) return isKeyStateRefusal(error) ? "key_disabled" : "denied";
  if (status === 404) return "not_found";
  // 400: "bad parameter" or a ciphertext the key cannot decrypt.
  if (status === 400) return "does_not_unwrap_candidate";
  return "invalid_response";
}

const DESCRIPTIONS: Readonly<Record<KeyProviderFailure, string>> = {
  unavailable: "the vault is unavailable",
  throttled: "the vault is throttling requests",
  timeout: "the call was aborted at its deadline",
  denied: "the credential was refused or lacks permission (Key Vault Crypto User grants wrapKey/unwrapKey)",
  key_disabled: "the key is disabled, expired or not yet valid",
  not_found: "the key or its pinned version does not exist",
  invalid_response: "the vault answered something unusable",
};

/** A KeyProviderError for `failure`, naming the operation and the public key identifier only. */
export function providerError(
  failure: KeyProviderFailure,
  operation: "wrapKey" | "unwrapKey",
  keyName: string,
  cause?: unknown,
): KeyProviderError {
  const message = `Azure Key Vault ${operation} on ${keyName}: ${DESCRIPTIONS[failure]}`;
  // The cause keeps the status for debugging; its own message is the SDK's, not a secret (the
  // SDK never puts request bodies in messages), but it is not repeated in ours.
  return new KeyProviderError(failure, message, cause === undefined ? {} : { cause });
}

/**
 * Translates a failed unwrapKey call. A 400 is the vault saying the ciphertext does not decrypt
 * under this key (tampered, or wrapped elsewhere): that is "does not unwrap", not an error.
 */
export function translateUnwrapError(error: unknown, keyName: string, signal: AbortSignal): AzureCallOutcome {
  const failure = failureFor(error, signal);
  if (failure === "does_not_unwrap_candidate") return "does_not_unwrap";
  return providerError(failure, "unwrapKey", keyName, safeCause(error));
}

/**
 * Translates a failed wrapKey call. A 400 here means the request did not fit the key (an RSA
 * algorithm on an AES key): the vault's answer is unusable, and retrying will not change it.
 */
export function translateWrapError(error: unknown, keyName: string, signal: AbortSignal): KeyProviderError {
  const failure = failureFor(error, signal);
  const kind = failure === "does_not_unwrap_candidate" ? "invalid_response" : failure;
  return providerError(kind, "wrapKey", keyName, safeCause(error));
}

/** The parts of an SDK error worth keeping as a cause: status and service codes, no text. */
function safeCause(error: unknown): { statusCode?: number; codes: string[] } {
  const status = field(error, "statusCode");
  const codes = serviceError(error).codes.filter((code) => code !== "");
  return typeof status === "number" ? { statusCode: status, codes } : { codes };
}
