import { MoatError } from "../errors.js";

/** A controllable clock; pass `clock.now` wherever moatkit takes a `now` option. */
export interface FakeClock {
  /** The current fake time in milliseconds since the epoch (a bound function). */
  readonly now: () => number;
  /** Moves time forward by `ms` (which must be ≥ 0) and returns the new time. */
  advance(ms: number): number;
  /** Sets the time to `ms` since the epoch (or a Date); time may move backwards this way. */
  set(time: number | Date): void;
}

function toMillis(time: number | Date): number {
  const ms = time instanceof Date ? time.getTime() : time;
  if (!Number.isFinite(ms)) throw new MoatError("ERR_INVALID_INPUT", { message: "fake clock time must be finite" });
  return ms;
}

/**
 * A clock that only moves when told to, for deterministic tests of expiry, rotation windows and
 * rate limits.
 *
 * @param start the initial time; defaults to 2026-01-01T00:00:00Z.
 * @example
 * ```ts
 * import { fakeClock } from "moatkit/testing";
 * const clock = fakeClock();
 * const tokens = createOneTimeTokens({ store, purpose: "reset", now: clock.now });
 * clock.advance(2 * 60 * 60 * 1000 + 1); // past the 2 h TTL
 * ```
 */
export function fakeClock(start: number | Date = Date.UTC(2026, 0, 1)): FakeClock {
  let current = toMillis(start);
  return {
    now: () => current,
    advance(ms: number): number {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new MoatError("ERR_INVALID_INPUT", {
          message: "fake clock can only advance by a finite, non-negative amount",
        });
      }
      current += ms;
      return current;
    },
    set(time: number | Date): void {
      current = toMillis(time);
    },
  };
}
