/**
 * AWS KMS failures in moatkit's terms. The SDK raises service errors named after the `__type`
 * the service sent (`ThrottlingException`, …) with `$metadata.httpStatusCode`, and transport
 * errors (refused or reset connections, aborted requests) without metadata. A message names the
 * operation, the failure and the AWS error name only; the SDK error is kept as a cause through
 * `safeCause`, which keeps its name and identifying fields and elides quoted values.
 */
import { safeCause } from "../../_internal/safe-cause.js";
import { KeyProviderError, type KeyProviderFailure } from "../../crypto/key-provider.js";
import { isMoatError } from "../../errors.js";

/** The KMS answers that mean "this ciphertext does not open under this key and context". */
const NOT_AUTHENTIC: ReadonlySet<string> = new Set(["InvalidCiphertextException", "IncorrectKeyException"]);

const BY_NAME: Readonly<Record<string, KeyProviderFailure>> = {
  ThrottlingException: "throttled",
  LimitExceededException: "throttled",
  KMSInternalException: "unavailable",
  DependencyTimeoutException: "unavailable",
  ServiceUnavailableException: "unavailable",
  InternalFailure: "unavailable",
  AccessDeniedException: "denied",
  UnrecognizedClientException: "denied",
  InvalidSignatureException: "denied",
  IncompleteSignature: "denied",
  IncompleteSignatureException: "denied",
  MissingAuthenticationToken: "denied",
  MissingAuthenticationTokenException: "denied",
  ExpiredTokenException: "denied",
  InvalidGrantTokenException: "denied",
  CredentialsProviderError: "denied",
  DisabledException: "key_disabled",
  KMSInvalidStateException: "key_disabled",
  KeyUnavailableException: "key_disabled",
  NotFoundException: "not_found",
  AbortError: "timeout",
};

/** Transport error codes that mean the service could not be reached or dropped the connection. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
]);

function field(error: unknown, key: string): unknown {
  return typeof error === "object" && error !== null ? Reflect.get(error, key) : undefined;
}

function statusOf(error: unknown): number | undefined {
  const status = field(field(error, "$metadata"), "httpStatusCode");
  return typeof status === "number" ? status : undefined;
}

/** The AWS error name, when it reads as one (never free text from the service). */
function nameOf(error: unknown): string | undefined {
  const name = field(error, "name");
  return typeof name === "string" && /^[A-Za-z][A-Za-z0-9]{0,79}$/.test(name) ? name : undefined;
}

function failureOf(error: unknown, signal: AbortSignal): KeyProviderFailure {
  if (signal.aborted) return "timeout";
  const name = nameOf(error);
  const known = name === undefined ? undefined : BY_NAME[name];
  if (known !== undefined) return known;
  const status = statusOf(error);
  if (status !== undefined) {
    if (status === 429) return "throttled";
    if (status >= 500) return "unavailable";
    if (status === 401 || status === 403) return "denied";
    return "invalid_response";
  }
  const code = field(error, "code");
  if (typeof code === "string" && NETWORK_CODES.has(code)) return "unavailable";
  if (name === "TimeoutError" || name === "RequestTimeout") return "unavailable";
  return "invalid_response";
}

/** Whether a Decrypt failure means the ciphertext is not authentic under the key and context. */
export function isNotAuthentic(error: unknown): boolean {
  const name = nameOf(error);
  return name !== undefined && NOT_AUTHENTIC.has(name);
}

/** `error` (from the SDK, or the abort of `signal`) as a {@link KeyProviderError} for `operation`. */
export function toProviderError(operation: string, error: unknown, signal: AbortSignal): KeyProviderError {
  if (error instanceof KeyProviderError) return error;
  const failure = failureOf(error, signal);
  const name = nameOf(error);
  const label = name === undefined || failure === "timeout" ? "" : ` (${name})`;
  return new KeyProviderError(failure, `aws-kms ${operation} failed: ${failure}${label}`, {
    cause: safeCause(error, isMoatError),
  });
}

/** A {@link KeyProviderError} for an answer the provider cannot use. */
export function invalidResponse(operation: string, what: string): KeyProviderError {
  return new KeyProviderError("invalid_response", `aws-kms ${operation} failed: invalid_response (${what})`);
}
