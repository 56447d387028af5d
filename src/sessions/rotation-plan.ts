/**
 * The rotation decision every refresh-session store makes for a presented token, written once
 * so the memory and Postgres stores cannot drift apart (the Redis store makes the same decision
 * inside its Lua script).
 */
import { constantTimeEqualString } from "../_internal/ct-compare.js";
import type { RefreshTokenRotateInput } from "./refresh-session-store.js";

/** The family state a rotation decision needs. */
interface FamilyState {
  /** Revocation time, or `null`. */
  readonly revokedAt: number | null;
  /** Hash of the current token. */
  readonly headHash: string;
  /** Hash of the token rotated last, or `null` before the first rotation. */
  readonly prevHash: string | null;
  /** When the previous token was rotated. */
  readonly prevUsedAt: number | null;
}

/** What a store must do for a presented token; shared by the memory and Postgres stores. */
type RotationPlan = "expired" | "revoked" | "rotate" | "overlap" | "reuse";

/**
 * Decides a rotation. `tokenExpiresAt` is the presented token's own expiry. An expired token
 * changes nothing (a stale token is not evidence of theft); a revoked family stays revoked;
 * the current token rotates; the previous token inside the overlap window gets the existing
 * successor; anything else is reuse.
 */
export function planRotation(
  state: FamilyState,
  tokenHash: string,
  tokenExpiresAt: number,
  input: RefreshTokenRotateInput,
): RotationPlan {
  if (tokenExpiresAt <= input.now) return "expired";
  if (state.revokedAt !== null) return "revoked";
  if (constantTimeEqualString(tokenHash, state.headHash)) return "rotate";
  const withinOverlap = state.prevUsedAt !== null && input.now < state.prevUsedAt + input.overlapMs;
  if (withinOverlap && state.prevHash !== null && constantTimeEqualString(tokenHash, state.prevHash)) return "overlap";
  return "reuse";
}
