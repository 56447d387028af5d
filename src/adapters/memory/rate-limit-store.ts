/**
 * Fixed windows in process memory. Written here rather than taken from rate-limiter-flexible
 * because its memory store reads `Date.now()` and schedules `setTimeout` expiry, so it cannot
 * follow an injected clock. Every call completes without yielding, so it is atomic within the
 * process.
 */
import { z } from "zod";
import { parseOptions } from "../../_internal/options.js";
import {
  type RateLimitConsumeInput,
  type RateLimitStore,
  type RateLimitWindow,
  nextRateLimitWindow,
} from "../../ratelimit/store.js";
import { settled } from "./settled.js";

interface Window {
  consumed: number;
  resetAt: number;
}

// Ended windows are dropped lazily, in a sweep after at least this many consumes, and never
// more often than once per consume per window held, so sweeping costs O(1) per call however
// many keys there are. The map is not bounded by evicting live windows: that would let a client
// reset its own counter by flooding new keys. It is bounded by refusing new keys once full.
const SWEEP_EVERY = 1024;
const DEFAULT_MAX_KEYS = 100_000;

/** Options for {@link createMemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /**
   * The most keys (live windows) held at once; default 100,000. Each costs about 220 bytes with
   * a 30-character key (measured on Node 20; longer keys cost their length more), so the default
   * bounds the store near 22 MB. When full, ended windows are swept first; if every window is
   * still live, a consume for a new key is refused as over its limit until the earliest window
   * ends — never by dropping a live counter, which would let a client reset its own count by
   * flooding new keys. Size it above the distinct keys one window sees, or use the Redis store.
   */
  readonly maxKeys?: number;
}

const optionsSchema = z.strictObject({
  maxKeys: z.number().int().positive().max(100_000_000).optional(),
});

/**
 * A {@link RateLimitStore} in memory, for one process. Data lives as long as the returned
 * object; share one between limiters (each has its own `keyPrefix`) or give each its own.
 * Bounded by `maxKeys` (see {@link MemoryRateLimitStoreOptions}); when full it fails closed.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createRateLimiter } from "moatkit/ratelimit";
 * import { createMemoryRateLimitStore } from "moatkit/adapters/memory";
 * const limiter = createRateLimiter({ store: createMemoryRateLimitStore(), keyPrefix: "api", points: 100, duration: "1m" });
 * ```
 */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): RateLimitStore {
  const maxKeys =
    parseOptions(optionsSchema, options, "createMemoryRateLimitStore options").maxKeys ?? DEFAULT_MAX_KEYS;
  const windows = new Map<string, Window>();
  let sinceSweep = 0;
  // While full: the earliest end of a held window, so refusals say when to retry without a scan each.
  let fullUntil = 0;

  function sweep(now: number): void {
    sinceSweep = 0;
    for (const [key, w] of windows) if (w.resetAt <= now) windows.delete(key);
  }

  function earliestEnd(): number {
    let earliest = Infinity;
    for (const w of windows.values()) if (w.resetAt < earliest) earliest = w.resetAt;
    return earliest;
  }

  /** Room for one more key at `now`: sweeps when full, at most once until a window can have ended. */
  function hasRoom(now: number): boolean {
    if (windows.size < maxKeys) return true;
    if (now < fullUntil) return false;
    sweep(now);
    if (windows.size < maxKeys) return true;
    fullUntil = earliestEnd();
    return false;
  }

  function consume(input: RateLimitConsumeInput): RateLimitWindow {
    const { key, points, limit, windowMs, now } = input;
    if (++sinceSweep >= SWEEP_EVERY && sinceSweep >= windows.size) sweep(now);
    let w = windows.get(key);
    if (w !== undefined && w.resetAt <= now) {
      windows.delete(key);
      w = undefined;
    }
    if (w === undefined) {
      // Fail closed: a new key while every slot holds a live window is over its limit, not free.
      if (!hasRoom(now)) return { consumed: limit + points, resetAt: fullUntil };
      w = { consumed: 0, resetAt: now + windowMs };
      windows.set(key, w);
    }
    const next = nextRateLimitWindow(w, input);
    w.consumed = next.consumed;
    w.resetAt = next.resetAt;
    return next;
  }

  return {
    consumeRateLimitPoints: (input) => settled(() => consume(input)),
    resetRateLimit: (key) =>
      settled(() => {
        windows.delete(key);
      }),
  };
}
