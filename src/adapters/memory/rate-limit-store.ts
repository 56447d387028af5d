/**
 * Fixed windows in process memory. Written here rather than taken from rate-limiter-flexible
 * because its memory store reads `Date.now()` and schedules `setTimeout` expiry, so it cannot
 * follow an injected clock. Every call completes without yielding, so it is atomic within the
 * process.
 */
import type { RateLimitConsumeInput, RateLimitStore, RateLimitWindow } from "../../ratelimit/store.js";
import { settled } from "./settled.js";

interface Window {
  consumed: number;
  resetAt: number;
}

// Ended windows are dropped lazily, in a sweep after at least this many consumes, and never
// more often than once per consume per window held, so sweeping costs O(1) per call however
// many keys there are. The map is not bounded by evicting live windows: that would let a client
// reset its own counter by flooding new keys.
const SWEEP_EVERY = 1024;

/**
 * A {@link RateLimitStore} in memory, for one process. Data lives as long as the returned
 * object; share one between limiters (each has its own `keyPrefix`) or give each its own.
 *
 * @example
 * ```ts
 * import { createRateLimiter } from "moatkit/ratelimit";
 * import { createMemoryRateLimitStore } from "moatkit/adapters/memory";
 * const limiter = createRateLimiter({ store: createMemoryRateLimitStore(), keyPrefix: "api", points: 100, duration: "1m" });
 * ```
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  const windows = new Map<string, Window>();
  let sinceSweep = 0;

  function sweep(now: number): void {
    sinceSweep = 0;
    for (const [key, w] of windows) if (w.resetAt <= now) windows.delete(key);
  }

  function consume(input: RateLimitConsumeInput): RateLimitWindow {
    const { key, points, limit, windowMs, blockMs, now } = input;
    if (++sinceSweep >= SWEEP_EVERY && sinceSweep >= windows.size) sweep(now);
    let w = windows.get(key);
    if (w === undefined || w.resetAt <= now) {
      w = { consumed: 0, resetAt: now + windowMs };
      windows.set(key, w);
    }
    const before = w.consumed;
    w.consumed += points;
    if (blockMs > 0 && before <= limit && w.consumed > limit) w.resetAt = now + blockMs;
    return { consumed: w.consumed, resetAt: w.resetAt };
  }

  return {
    consumeRateLimitPoints: (input) => settled(() => consume(input)),
    resetRateLimit: (key) =>
      settled(() => {
        windows.delete(key);
      }),
  };
}
