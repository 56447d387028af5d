/**
 * Rate limits: fixed windows of `points` per `duration` per key, optionally blocking a key for
 * `blockDuration` once it goes over. The counting happens in a {@link RateLimitStore} (memory
 * for one process, Redis shared and atomic, or your own), like every other moatkit capability.
 *
 * Store errors fail closed by default: `consume` throws ERR_STORE, so an outage of Redis never
 * turns an auth limiter off (express-rate-limit's `passOnStoreError` does exactly that).
 */
import { z } from "zod";
import { DEFAULT_IPV6_PREFIX, groupAddress, ipv6PrefixSchema } from "../_internal/address-key.js";
import { functionSchema } from "../_internal/function-schema.js";
import { durationSchema } from "../_internal/duration.js";
import type { Duration } from "../_internal/duration.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, systemClock } from "../_internal/runtime.js";
import { storeSchema, wrapStore } from "../_internal/store.js";
import { MoatError } from "../errors.js";
import { RATE_LIMIT_STORE_METHODS, type RateLimitStore, type RateLimitWindow } from "./store.js";

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
   * How many leading bits of an IPv6 address name one client (see {@link RateLimiterOptions.ipv6Prefix}).
   * `rateLimit()` and `createLogin` group the addresses in the keys they build by it.
   */
  readonly ipv6Prefix?: number;
  /**
   * Takes `cost` points (default 1) from `key`'s window. Refused requests still count, so a
   * client hammering a limited key does not get through earlier. A key that is an IP address
   * counts as its client's key (`addressKey`): IPv6 addresses by their `ipv6Prefix` network,
   * IPv4-mapped addresses as IPv4.
   *
   * @throws MoatError ERR_INVALID_INPUT for an empty or over-long key or a cost that is not a
   *   positive integer; ERR_STORE when the store fails and `onStoreError` is `"throw"` (the default).
   */
  consume(key: string, cost?: number): Promise<RateLimitResult>;
  /** Forgets `key`'s window (e.g. after a successful login); an address key as in `consume`. */
  reset(key: string): Promise<void>;
}

/** Options for {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Where the counters live: `createMemoryRateLimitStore()`, `createRedisRateLimitStore(…)` or yours. */
  readonly store: RateLimitStore;
  /**
   * This limiter's namespace in the store (1–128 characters), e.g. `"rl:api"`. Required, because
   * a store may be shared: two limiters with one prefix would count against each other.
   */
  readonly keyPrefix: string;
  /** Points per window (a positive integer). */
  readonly points: number;
  /** Window length: `"15m"`, `900_000`. */
  readonly duration: Duration;
  /** Once a key goes over, refuse it for this long instead of until the window ends; default 0 (no block). */
  readonly blockDuration?: Duration;
  /**
   * What a store failure does: `"throw"` (default) rejects with ERR_STORE — fail closed;
   * `"allow"` lets the request through (fail open), for limiters that only shed load.
   */
  readonly onStoreError?: "throw" | "allow";
  /** Clock; default `Date.now`. Windows open and end on it, in every store. */
  readonly now?: Clock;
  /**
   * Keys that are an IPv6 address count per network of this many leading bits (32–128, default
   * 64): a client rotating addresses inside its /64 stays in one bucket. 48 groups a whole site;
   * 128 counts each address. IPv4 and IPv4-mapped addresses always count per IPv4 address.
   */
  readonly ipv6Prefix?: number;
}

const MAX_KEY_LENGTH = 512;
const STORE = "rateLimits";

const optionsSchema = z.strictObject({
  store: storeSchema<RateLimitStore>(RATE_LIMIT_STORE_METHODS),
  keyPrefix: z.string().min(1).max(128),
  points: z.number().int().positive().max(1_000_000_000),
  duration: durationSchema,
  blockDuration: z.union([z.literal(0), durationSchema]).default(0),
  onStoreError: z.enum(["throw", "allow"]).default("throw"),
  now: functionSchema<Clock>().default(() => systemClock),
  ipv6Prefix: ipv6PrefixSchema.default(DEFAULT_IPV6_PREFIX),
});

function requireKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new MoatError("ERR_INVALID_INPUT", {
      message: `a rate-limit key must be a string of 1–${String(MAX_KEY_LENGTH)} characters`,
    });
  }
  return key;
}

function requireCost(cost: unknown): number {
  if (typeof cost !== "number" || !Number.isSafeInteger(cost) || cost < 1) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "cost must be a positive integer" });
  }
  return cost;
}

/** A store's answer, checked: a window that did not count this call or already ended is a store fault. */
function checkedWindow(window: RateLimitWindow, cost: number, now: number): RateLimitWindow {
  const { consumed, resetAt } = window;
  if (!Number.isSafeInteger(consumed) || consumed < cost || !Number.isSafeInteger(resetAt) || resetAt <= now) {
    throw new MoatError("ERR_STORE", { message: `${STORE} store returned a window that does not fit its contract` });
  }
  return window;
}

function toResult({ consumed, resetAt }: RateLimitWindow, points: number, now: number): RateLimitResult {
  if (consumed <= points) return { ok: true, remaining: points - consumed, resetAt, retryAfterMs: 0 };
  return { ok: false, reason: "rate_limited", remaining: 0, resetAt, retryAfterMs: resetAt - now };
}

/**
 * Creates a rate limiter.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createRedisRateLimitStore } from "moatkit/adapters/redis";
 * const store = createRedisRateLimitStore({ redis });
 * const limiter = createRateLimiter({ store, keyPrefix: "rl:api", points: 100, duration: "1m" });
 * const result = await limiter.consume(clientAddress(req)); // moatkit/express's client address
 * if (!result.ok) {
 *   res.set("Retry-After", String(Math.ceil(result.retryAfterMs / 1000)));
 *   return res.status(429).end();
 * }
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const opts = parseOptions(optionsSchema, options, "createRateLimiter options");
  const { points, duration: durationMs, blockDuration: blockMs, keyPrefix, now, onStoreError, ipv6Prefix } = opts;
  const store = wrapStore(STORE, opts.store, RATE_LIMIT_STORE_METHODS);
  const bucket = (key: unknown): string => groupAddress(requireKey(key), ipv6Prefix);

  return Object.freeze({
    points,
    durationMs,
    ipv6Prefix,
    async consume(key: string, cost = 1): Promise<RateLimitResult> {
      const k = bucket(key);
      const c = requireCost(cost);
      const at = now();
      let window: RateLimitWindow;
      try {
        const reply = await store.consumeRateLimitPoints({
          key: `${keyPrefix}:${k}`,
          points: c,
          limit: points,
          windowMs: durationMs,
          blockMs,
          now: at,
        });
        window = checkedWindow(reply, c, at);
      } catch (err) {
        if (onStoreError === "allow") return { ok: true, remaining: 0, resetAt: at, retryAfterMs: 0 };
        throw err;
      }
      return toResult(window, points, at);
    },
    async reset(key: string): Promise<void> {
      await store.resetRateLimit(`${keyPrefix}:${bucket(key)}`);
    },
  });
}
