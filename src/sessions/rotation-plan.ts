/**
 * The rotation decision every refresh-session store makes for a presented token, written once
 * so the memory and Postgres stores cannot drift apart (the Redis store makes the same decision
 * inside its Lua script).
 */
import { constantTimeEqualString } from "../_internal/ct-compare.js";
import type { RefreshTokenRotateInput } from "./refresh-session-store.js";

/** The family state a rotation decision needs, read under the family's lock. */
export interface RefreshFamilyState {
  /** Revocation time, or `null`. */
  readonly revokedAt: number | null;
  /** Hash of the current token. */
  readonly headHash: string;
  /** Hash of the token rotated last, or `null` before the first rotation. */
  readonly prevHash: string | null;
  /** When the previous token was rotated. */
  readonly prevUsedAt: number | null;
}

/**
 * What a store must do for a presented token: `rotate` installs the successor; `overlap` answers
 * with the current head and the nonce stored with it; `reuse` revokes the family; `expired` and
 * `revoked` change nothing.
 */
export type RefreshRotationPlan = "expired" | "revoked" | "rotate" | "overlap" | "reuse";

/**
 * Decides a rotation. `tokenExpiresAt` is the presented token's own expiry. An expired token
 * changes nothing (a stale token is not evidence of theft); a revoked family stays revoked;
 * the current token rotates; the previous token inside the overlap window gets the existing
 * successor; anything else is reuse. Hashes are compared in constant time.
 *
 * Part of the store contract: a `RefreshSessionStore` calls it with the family state it
 * read *under the lock that serialises the family's rotations* (a row lock, a Lua script, a
 * compare-and-set it retries), never with a state read before that lock, and answers `overlap`
 * with the head hash and nonce of that same read.
 *
 * @example
 * ```ts
 * import { planRotation } from "moatkit/stores";
 * // inside the transaction, after SELECT … FOR UPDATE of the family row:
 * switch (planRotation(family, input.tokenHash, token.expiresAt, input)) {
 *   case "rotate": // install input.successor, remember the consumed hash, now and nonce
 *   case "overlap": // answer { successorHash: family.headHash, successorNonce: family.prevNonce }
 *   // …
 * }
 * ```
 */
export function planRotation(
  state: RefreshFamilyState,
  tokenHash: string,
  tokenExpiresAt: number,
  input: RefreshTokenRotateInput,
): RefreshRotationPlan {
  if (tokenExpiresAt <= input.now) return "expired";
  if (state.revokedAt !== null) return "revoked";
  if (constantTimeEqualString(tokenHash, state.headHash)) return "rotate";
  const withinOverlap = state.prevUsedAt !== null && input.now < state.prevUsedAt + input.overlapMs;
  if (withinOverlap && state.prevHash !== null && constantTimeEqualString(tokenHash, state.prevHash)) return "overlap";
  return "reuse";
}
