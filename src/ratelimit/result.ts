/** What a rate-limit check answers. */

/** The result of {@link RateLimiter.consume}. */
export type RateLimitResult =
  | {
      /** The request may go ahead. */
      readonly ok: true;
      /** Points left in the current window. */
      readonly remaining: number;
      /** When the current window ends (ms since the epoch). */
      readonly resetAt: number;
      /** Always 0 when allowed. */
      readonly retryAfterMs: number;
    }
  | {
      /** The request must wait. */
      readonly ok: false;
      /**
       * Always `"rate_limited"`: not an invalid credential. Answer 429 with
       * `Retry-After: Math.ceil(retryAfterMs / 1000)`, never 401.
       */
      readonly reason: "rate_limited";
      /** Always 0 when refused. */
      readonly remaining: number;
      /** When the key may consume again (ms since the epoch). */
      readonly resetAt: number;
      /** How long to wait before retrying (ms). */
      readonly retryAfterMs: number;
    };

/** A rate limiter. Create with {@link createRateLimiter}, {@link loginLimiter} or {@link authLimiter}. */
export interface RateLimiter {
  /** Points per window. */
  readonly points: number;
  /** Window length (ms). */
  readonly durationMs: number;
  /**
   * Takes `cost` points (default 1) from `key`'s window. Refused requests still count, so a
   * client hammering a limited key does not get through earlier.
   *
   * @throws MoatError ERR_INVALID_INPUT for an empty or over-long key or a cost that is not a
   *   positive integer; ERR_STORE when the store fails and `onStoreError` is `"throw"` (the default).
   */
  consume(key: string, cost?: number): Promise<RateLimitResult>;
  /** Forgets `key`'s window (e.g. after a successful login). */
  reset(key: string): Promise<void>;
}
