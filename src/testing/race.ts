import { AssertionError } from "node:assert";
import { MoatError } from "../errors.js";
import { assertKnownKeys, knownKeys } from "../_internal/options.js";

/** The outcome of {@link raceExactlyOne}. */
export interface RaceOutcome<T> {
  /** Index of the single caller that won. */
  readonly winner: number;
  /** Every caller's result, by index. */
  readonly results: readonly T[];
}

/** Options for {@link raceExactlyOne}. */
export interface RaceOptions<T> {
  /**
   * Whether a result counts as a win. Default: `true`, or an object with `ok: true` (a moatkit
   * credential-check result).
   */
  readonly isWin?: (result: T) => boolean;
}

function defaultIsWin(result: unknown): boolean {
  if (result === true) return true;
  return typeof result === "object" && result !== null && "ok" in result && result.ok === true;
}

/**
 * Starts `n` calls of `fn` in the same tick, waits for all of them, and asserts that exactly one
 * won. This is the contract of every check-and-consume operation in moatkit (recovery codes,
 * one-time tokens, TOTP steps, refresh tokens): of N concurrent callers, exactly one wins.
 *
 * Losers must lose cleanly: if any call throws, the race fails with that error as `cause` (an
 * AssertionError a call throws, such as the conformance suite's per-call deadline, is rethrown
 * as it is).
 *
 * @throws AssertionError when zero or several callers won, or a caller threw.
 * @example
 * ```ts
 * import { raceExactlyOne } from "moatkit/testing";
 * await raceExactlyOne(50, () => codes.redeem("user-1", code));
 * ```
 */
export async function raceExactlyOne<T>(
  n: number,
  fn: (index: number) => Promise<T> | T,
  options: RaceOptions<T> = {},
): Promise<RaceOutcome<T>> {
  assertKnownKeys(options, knownKeys<RaceOptions<unknown>>({ isWin: true }), "raceExactlyOne options");
  if (!Number.isSafeInteger(n) || n < 2) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "a race needs at least two callers" });
  }
  const isWin = options.isWin ?? defaultIsWin;
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => Promise.resolve().then(() => fn(i))));
  const results: T[] = [];
  const winners: number[] = [];
  settled.forEach((s, i) => {
    if (s.status === "rejected") {
      // An assertion (the suite's per-call deadline, say) already says what went wrong.
      if (s.reason instanceof AssertionError) throw s.reason;
      throw new Error(`caller ${String(i)} of ${String(n)} threw instead of losing cleanly`, { cause: s.reason });
    }
    results.push(s.value);
    if (isWin(s.value)) winners.push(i);
  });
  const winner = winners[0];
  if (winners.length !== 1 || winner === undefined) {
    throw new AssertionError({
      message: `expected exactly one of ${String(n)} concurrent callers to win, but ${String(winners.length)} won`,
      actual: winners.length,
      expected: 1,
      operator: "strictEqual",
    });
  }
  return { winner, results };
}
