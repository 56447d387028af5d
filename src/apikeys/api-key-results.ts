/** What the API key manager answers. */
import type { Secret } from "../_internal/secret.js";
import type { Result } from "../errors.js";
import type { ApiKeyInfo } from "./record.js";

/** A freshly issued key. */
export interface IssuedApiKey {
  /** The plaintext key. Show it to its owner once; moatkit keeps only its hash. */
  readonly key: Secret<string>;
  /** The key's metadata as stored, without the hash (only the store holds it). */
  readonly record: ApiKeyInfo;
}

/**
 * Why a key did not verify. Each maps to its own response: `insufficient_scope` to 403, the
 * others to 401. (Rate limiting is a separate layer with its own `rate_limited` result.)
 */
export type ApiKeyFailureReason = "malformed" | "checksum" | "not_found" | "revoked" | "expired" | "insufficient_scope";

/** The result of {@link ApiKeys.verify}. */
export type ApiKeyVerifyResult = Result<
  {
    /** The key's metadata (no hash); `lastUsedAt` is the use before this one. */
    readonly record: ApiKeyInfo;
  },
  ApiKeyFailureReason
>;

/** The result of {@link ApiKeys.rotate}. */
export type ApiKeyRotateResult = Result<
  {
    /** The new plaintext key, shown once. */
    readonly key: Secret<string>;
    /** The new key's metadata as stored, without the hash. */
    readonly record: ApiKeyInfo;
    /** The old key, with its successor and shortened expiry. */
    readonly previous: ApiKeyInfo;
  },
  "not_found" | "revoked" | "expired" | "already_rotated"
>;

/** The result of {@link ApiKeys.revoke}. */
export type ApiKeyRevokeResult = Result<
  {
    /** The key as revoked (no hash). */
    readonly record: ApiKeyInfo;
  },
  "not_found" | "already_revoked"
>;

/** A failure result with its reason. */
export interface Failure<R extends string> {
  readonly ok: false;
  readonly reason: R;
}

/** A frozen failure result with `reason`. */
export function fail<R extends string>(reason: R): Failure<R> {
  return Object.freeze({ ok: false, reason });
}

// Shared, frozen: every caller gets the same object and none can change what another sees.
export const MALFORMED: Failure<"malformed"> = fail("malformed");
export const CHECKSUM: Failure<"checksum"> = fail("checksum");
export const NOT_FOUND: Failure<"not_found"> = fail("not_found");
export const REVOKED: Failure<"revoked"> = fail("revoked");
export const EXPIRED: Failure<"expired"> = fail("expired");
export const INSUFFICIENT_SCOPE: Failure<"insufficient_scope"> = fail("insufficient_scope");
