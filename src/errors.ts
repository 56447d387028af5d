/**
 * The one error type moatkit throws, and the table of its codes.
 *
 * moatkit distinguishes two kinds of failure:
 * - checking an untrusted credential (a key, a code, a token, a password) returns a
 *   {@link Result} with a `reason`; it never throws for a bad credential;
 * - misuse, bad configuration, corrupted or tampered data and failing stores throw
 *   {@link MoatError} with a stable {@link MoatErrorCode}.
 *
 * @module
 */
import { safeCause } from "./_internal/safe-cause.js";

/**
 * Every error code moatkit throws, with its default message. The codes are part of the public
 * API: they never change meaning and are never removed in a minor release. Messages are fixed
 * strings and never contain secrets, plaintext, key material or which of several checks failed.
 */
export const ERROR_CODES = {
  /** Options or environment are invalid (reported at construction, never later). */
  ERR_CONFIG: "invalid configuration",
  /** An argument has the wrong type, size or shape. */
  ERR_INVALID_INPUT: "invalid input",
  /** A ciphertext could not be authenticated: tampered, truncated, wrong key or wrong context. */
  ERR_DECRYPT: "decryption failed",
  /** A key id (master key, data key, signing key) is not available. */
  ERR_KEY_NOT_FOUND: "key not found",
  /** A storage backend failed or returned data that does not fit its contract. */
  ERR_STORE: "store operation failed",
  /** Stored data failed an integrity check (hash chain, migration checksum, signature). */
  ERR_INTEGRITY: "integrity check failed",
  /** The caller is not allowed to do this. */
  ERR_FORBIDDEN: "forbidden",
  /** Code that needs a tenant context ran without one. */
  ERR_NO_TENANT: "no tenant context",
  /** A query reaches outside the current tenant. */
  ERR_TENANT_SCOPE: "query outside tenant scope",
  /** The operation or algorithm is not supported in this environment. */
  ERR_UNSUPPORTED: "operation not supported",
  /** The operation was aborted through its AbortSignal. */
  ERR_ABORTED: "operation aborted",
  /**
   * Too much work is waiting (the bcrypt queue is full, this caller's share of it is, or the task
   * waited past its deadline); nothing was done. `details.retryAfterMs` says when to try again.
   */
  ERR_OVERLOADED: "overloaded, try again later",
  /**
   * A key management service holding a master key did not do its part: it was unavailable or
   * throttling past the operation's deadline (after retries), refused the credentials, or the key
   * is disabled. Nothing was encrypted or decrypted, and no other key was tried. `details` names
   * the master key id, the provider kind, the key name, the `failure` and the attempts made.
   */
  ERR_KEY_PROVIDER: "key provider failed",
} as const;

/** A stable error code; see {@link ERROR_CODES}. */
export type MoatErrorCode = keyof typeof ERROR_CODES;

/** Options accepted by the {@link MoatError} constructor. */
export interface MoatErrorOptions {
  /**
   * A fixed, secret-free message to use instead of the code's default. It may name non-secret
   * things (an environment variable, a key id, an option path) but never a value.
   */
  readonly message?: string;
  /**
   * The underlying error, for debugging. It is kept as a copy without the data drivers attach
   * (statement text, parameters, row values, quoted values in the message): its name, code,
   * constraint or table, and stack frames. A MoatError cause is kept as it is.
   */
  readonly cause?: unknown;
  /** Structured, secret-free details (for example validation issues with their paths). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The error moatkit throws for misuse, bad configuration and corrupted data.
 *
 * @example
 * ```ts
 * import { MoatError } from "moatkit";
 * try {
 *   envelope.decrypt(token, { context });
 * } catch (err) {
 *   if (err instanceof MoatError && err.code === "ERR_DECRYPT") return res.status(400).end();
 *   throw err;
 * }
 * ```
 */
export class MoatError extends Error {
  /** The stable code; branch on this, never on the message. */
  readonly code: MoatErrorCode;
  /** Secret-free structured details, when the thrower has any. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: MoatErrorCode, options: MoatErrorOptions = {}) {
    super(
      options.message ?? ERROR_CODES[code],
      options.cause === undefined ? undefined : { cause: safeCause(options.cause, isMoatError) },
    );
    this.code = code;
    this.details = options.details;
  }

  /** Always `"MoatError"`. */
  override get name(): string {
    return "MoatError";
  }
}

/**
 * Whether `value` is a {@link MoatError}, optionally with a given code. Works across copies of
 * the package (checks the shape, not only `instanceof`).
 *
 * @example
 * ```ts
 * if (isMoatError(err, "ERR_KEY_NOT_FOUND")) { ... }
 * ```
 */
export function isMoatError(value: unknown, code?: MoatErrorCode): value is MoatError {
  if (!(value instanceof Error) || value.name !== "MoatError") return false;
  if (!("code" in value)) return false;
  const actual = value.code;
  if (typeof actual !== "string" || !Object.hasOwn(ERROR_CODES, actual)) return false;
  return code === undefined || actual === code;
}

/**
 * The result of checking an untrusted credential: success with extra fields `T`, or failure with
 * a `reason` from the closed union `R`.
 *
 * @example
 * ```ts
 * type VerifyResult = Result<{ userId: string }, "invalid" | "expired">;
 * const r: VerifyResult = { ok: false, reason: "expired" };
 * ```
 */
export type Result<T extends object, R extends string> =
  | ({
      /** The credential checked out. */
      readonly ok: true;
    } & T)
  | {
      /** The credential did not check out. */
      readonly ok: false;
      /** Why, from a closed union; safe to log and to map to a response. */
      readonly reason: R;
    };
