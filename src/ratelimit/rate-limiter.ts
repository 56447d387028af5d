/**
 * Rate limits: fixed windows of `points` per `duration` per key, optionally blocking a key for
 * `blockDuration` once it goes over. Memory (single process) or Redis (shared, atomic).
 *
 * Store errors fail closed by default: `consume` throws ERR_STORE, so an outage of Redis never
 * turns an auth limiter off (express-rate-limit's `passOnStoreError` does exactly that).
 */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { durationSchema } from "../_internal/duration.js";
import type { Duration } from "../_internal/duration.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, systemClock } from "../_internal/runtime.js";
import { MoatError } from "../errors.js";
import { createMemoryCounter } from "./memory-counter.js";
import { type RateLimitRedisClient, createRedisCounter } from "./redis-counter.js";
import type { RateLimiter, RateLimitResult, WindowCounter } from "./result.js";

/** Options for {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** `"memory"` (one process) or an ioredis client (shared across processes). */
  readonly store: "memory" | RateLimitRedisClient;
  /** Points per window (a positive integer). */
  readonly points: number;
  /** Window length, whole seconds: `"15m"`, `900_000`. */
  readonly duration: Duration;
  /** Once a key goes over, refuse it for this long (whole seconds) instead of until the window ends; default 0. */
  readonly blockDuration?: Duration;
  /** Redis key prefix; required with Redis so two limiters never share counters. */
  readonly keyPrefix?: string;
  /**
   * What a store failure does: `"throw"` (default) rejects with ERR_STORE — fail closed;
   * `"allow"` lets the request through (fail open), for limiters that only shed load.
   */
  readonly onStoreError?: "throw" | "allow";
  /** Clock; default `Date.now`. With Redis it only dates `resetAt`: Redis keeps its own time. */
  readonly now?: Clock;
}

const MAX_KEY_LENGTH = 512;

function isRedisClient(value: unknown): value is RateLimitRedisClient {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "defineCommand") === "function" &&
    typeof Reflect.get(value, "multi") === "function" &&
    typeof Reflect.get(value, "del") === "function"
  );
}

const wholeSeconds = (ms: number): boolean => ms % 1000 === 0;

const optionsSchema = z.strictObject({
  store: z.union([z.literal("memory"), z.custom<RateLimitRedisClient>(isRedisClient, "expected \"memory\" or an ioredis client")]),
  points: z.number().int().positive().max(1_000_000_000),
  duration: durationSchema.refine(wholeSeconds, "duration must be whole seconds"),
  blockDuration: z.union([z.literal(0), durationSchema.refine(wholeSeconds, "blockDuration must be whole seconds")]).default(0),
  keyPrefix: z.string().min(1).max(128).optional(),
  onStoreError: z.enum(["throw", "allow"]).default("throw"),
  now: functionSchema<Clock>().default(() => systemClock),
});

function requireKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new MoatError("ERR_INVALID_INPUT", { message: `a rate-limit key must be a string of 1–${String(MAX_KEY_LENGTH)} characters` });
  }
  return key;
}

function requireCost(cost: unknown): number {
  if (typeof cost !== "number" || !Number.isSafeInteger(cost) || cost < 1) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "cost must be a positive integer" });
  }
  return cost;
}

/**
 * Creates a rate limiter.
 *
 * @throws MoatError ERR_CONFIG for invalid options (including a Redis store without `keyPrefix`).
 * @example
 * ```ts
 * const limiter = createRateLimiter({ store: redis, keyPrefix: "rl:api", points: 100, duration: "1m" });
 * const result = await limiter.consume(req.ip);
 * if (!result.ok) {
 *   res.set("Retry-After", String(Math.ceil(result.retryAfterMs / 1000)));
 *   return res.status(429).end();
 * }
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const opts = parseOptions(optionsSchema, options, "createRateLimiter options");
  const { points, duration: durationMs, blockDuration: blockMs, now, onStoreError } = opts;
  let counter: WindowCounter;
  const store = opts.store;
  if (store === "memory") {
    counter = createMemoryCounter(points, durationMs, blockMs);
  } else {
    if (opts.keyPrefix === undefined) {
      throw new MoatError("ERR_CONFIG", { message: "a Redis rate limiter needs a keyPrefix of its own" });
    }
    counter = createRedisCounter({ client: store, keyPrefix: opts.keyPrefix, points, durationMs, blockMs });
  }

  return Object.freeze({
    points,
    durationMs,
    async consume(key: string, cost = 1): Promise<RateLimitResult> {
      const k = requireKey(key);
      const c = requireCost(cost);
      const at = now();
      try {
        return await counter.consume(k, c, at);
      } catch (err) {
        if (onStoreError === "allow") return { ok: true, remaining: 0, resetAt: at, retryAfterMs: 0 };
        throw new MoatError("ERR_STORE", { message: "rate limit store failed during consume", cause: err });
      }
    },
    async reset(key: string): Promise<void> {
      const k = requireKey(key);
      try {
        await counter.reset(k);
      } catch (err) {
        throw new MoatError("ERR_STORE", { message: "rate limit store failed during reset", cause: err });
      }
    },
  });
}
