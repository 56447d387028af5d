/**
 * Fixed windows in process memory, with the semantics of rate-limiter-flexible's Redis limiter
 * (a window opens at the first consume, refused consumes still count, the consume that first
 * goes over the limit extends the window to `blockDuration`).
 *
 * Written here rather than taken from rate-limiter-flexible because its memory store reads
 * `Date.now()` and schedules `setTimeout` expiry, so it cannot follow an injected clock: a test
 * could not check `retryAfterMs` with a fake clock, and expiry would depend on wall time.
 * Every call here completes synchronously, so it is atomic within the process.
 */
import type { RateLimitResult, WindowCounter } from "./result.js";

interface Window {
  consumed: number;
  expiresAt: number;
}

// Expired windows are dropped lazily, in a sweep every this many consumes.
const SWEEP_EVERY = 1024;

/** A memory {@link WindowCounter}. */
export function createMemoryCounter(points: number, durationMs: number, blockMs: number): WindowCounter {
  const windows = new Map<string, Window>();
  let sinceSweep = 0;

  function sweep(now: number): void {
    sinceSweep = 0;
    for (const [key, w] of windows) if (w.expiresAt <= now) windows.delete(key);
  }

  function consumeNow(key: string, cost: number, now: number): RateLimitResult {
    if (++sinceSweep >= SWEEP_EVERY) sweep(now);
    let w = windows.get(key);
    if (w === undefined || w.expiresAt <= now) {
      w = { consumed: 0, expiresAt: now + durationMs };
      windows.set(key, w);
    }
    w.consumed += cost;
    if (w.consumed > points) {
      if (blockMs > 0 && w.consumed - cost <= points) w.expiresAt = now + blockMs;
      return { ok: false, reason: "rate_limited", remaining: 0, resetAt: w.expiresAt, retryAfterMs: w.expiresAt - now };
    }
    return { ok: true, remaining: points - w.consumed, resetAt: w.expiresAt, retryAfterMs: 0 };
  }

  return {
    consume(key: string, cost: number, now: number): Promise<RateLimitResult> {
      return Promise.resolve(consumeNow(key, cost, now));
    },
    reset(key: string): Promise<void> {
      windows.delete(key);
      return Promise.resolve();
    },
  };
}
