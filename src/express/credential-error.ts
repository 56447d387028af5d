/**
 * Failed credential checks as throwables. moatkit's checks return `{ ok: false, reason }` rather
 * than throwing; in a route handler, `throw credentialError(result.reason)` hands the failure to
 * `errorHandler()`, which answers 401 (or 429 with Retry-After for `rate_limited`).
 */

import { assertKnownKeys, knownKeys } from "../_internal/options.js";

/** A failed credential check on its way to `errorHandler()`. */
export interface CredentialError extends Error {
  /** The check's reason, e.g. `"expired"`; echoed to the client only if errorHandler lists it. */
  readonly reason: string;
  /** For `rate_limited`: when the client may retry, sent as `Retry-After` (whole seconds). */
  readonly retryAfterMs: number | undefined;
}

/** Options of {@link credentialError}. */
export interface CredentialErrorOptions {
  /** When the client may retry, in milliseconds (rate limits, lockouts). */
  readonly retryAfterMs?: number | undefined;
}

class CredentialFailure extends Error implements CredentialError {
  readonly reason: string;
  readonly retryAfterMs: number | undefined;

  constructor(reason: string, retryAfterMs: number | undefined) {
    // The message is fixed: a reason is for branching, and the stack must not carry user data.
    super("credential check failed");
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }

  override get name(): string {
    return "CredentialError";
  }
}

/**
 * Wraps a credential check's failure reason so it can be thrown or passed to `next()`.
 *
 * @example
 * ```ts
 * const result = await apiKeys.verify(presented);
 * if (!result.ok) throw credentialError(result.reason); // 401 { "error": "revoked" }
 * ```
 */
export function credentialError(reason: string, options: CredentialErrorOptions = {}): CredentialError {
  assertKnownKeys(options, knownKeys<CredentialErrorOptions>({ retryAfterMs: true }), "credentialError options");
  const retry = options.retryAfterMs;
  return new CredentialFailure(
    reason,
    typeof retry === "number" && Number.isFinite(retry) && retry >= 0 ? retry : undefined,
  );
}

/** Whether `value` came from {@link credentialError}. */
export function isCredentialError(value: unknown): value is CredentialError {
  return value instanceof CredentialFailure;
}
