/**
 * The storage contract of `moatkit/ratelimit`: one fixed-window counter per key. Memory and
 * Redis implementations live in `moatkit/adapters/*`; any other implementation can prove itself
 * with the conformance suite in `moatkit/testing` (store `rateLimits`).
 */

/** The arguments of {@link RateLimitStore.consumeRateLimitPoints}. */
export interface RateLimitConsumeInput {
  /** The counter's key, already namespaced by the limiter (`<keyPrefix>:<key>`). */
  readonly key: string;
  /** Points this call takes (a positive integer). */
  readonly points: number;
  /** Points a window allows; decides when blocking starts. */
  readonly limit: number;
  /** Length of a window opened by this call (ms). */
  readonly windowMs: number;
  /** How long a key is refused once it first goes over `limit` (ms); 0 keeps the window's own end. */
  readonly blockMs: number;
  /** Now (ms since the epoch). Windows open and end on this clock, not the store's. */
  readonly now: number;
}

/** A key's window after a consume. */
export interface RateLimitWindow {
  /** Points taken in the window, this call's included (refused calls count too). */
  readonly consumed: number;
  /** When the window, or the block, ends (ms since the epoch, same clock as `now`). */
  readonly resetAt: number;
}

/**
 * Fixed-window counters. Every method is atomic with respect to every other caller of the same
 * store (other processes included, for a shared store): consumes are never lost or double
 * counted, so of N concurrent callers taking the last point exactly one sees `consumed <= limit`.
 */
export interface RateLimitStore {
  /**
   * In one atomic step: if `key` has no window, or its window has ended (`resetAt <= now`),
   * opens a new one with `consumed = 0` and `resetAt = now + windowMs`; adds `points`; and when
   * this call is the one that takes the count from at most `limit` to over it and `blockMs > 0`,
   * moves `resetAt` to `now + blockMs`. Returns the window as it now is.
   */
  consumeRateLimitPoints(input: RateLimitConsumeInput): Promise<RateLimitWindow>;
  /** Forgets `key`'s window; resetting an unknown key does nothing. */
  resetRateLimit(key: string): Promise<void>;
}

/** The methods every {@link RateLimitStore} has (checked at construction and by the suite). */
export const RATE_LIMIT_STORE_METHODS: readonly (keyof RateLimitStore)[] = ["consumeRateLimitPoints", "resetRateLimit"];

/**
 * The window a consume leaves, computed from the window the store holds for the key (`null` if
 * none): a new window when there is none or it has ended, the points added, and the block moved
 * to `now + blockMs` by the consume that first takes the count over `limit`. Pure: a store reads
 * the window, calls this, and writes the result back atomically (in one Lua script, one
 * transaction holding the row lock, or a compare-and-set it retries).
 *
 * @example
 * ```ts
 * nextRateLimitWindow(null, { key: "k", points: 1, limit: 3, windowMs: 60_000, blockMs: 0, now: 0 });
 * // { consumed: 1, resetAt: 60_000 }
 * ```
 */
export function nextRateLimitWindow(held: RateLimitWindow | null, input: RateLimitConsumeInput): RateLimitWindow {
  const open = held === null || held.resetAt <= input.now ? { consumed: 0, resetAt: input.now + input.windowMs } : held;
  const consumed = open.consumed + input.points;
  const blocks = input.blockMs > 0 && open.consumed <= input.limit && consumed > input.limit;
  return { consumed, resetAt: blocks ? input.now + input.blockMs : open.resetAt };
}
