/**
 * The limits the seed services run: 50 login attempts per IP per 15 minutes, 100 requests to
 * `/api/auth/*` per IP per 15 minutes.
 */
import type { RateLimitRedisClient } from "./redis-counter.js";
import { type RateLimiterOptions, createRateLimiter } from "./rate-limiter.js";
import type { RateLimiter } from "./result.js";

/** Options for the presets: everything but the limit itself. */
export interface PresetOptions extends Partial<Omit<RateLimiterOptions, "points" | "duration" | "store">> {
  /** `"memory"` (default) or an ioredis client. */
  readonly store?: "memory" | RateLimitRedisClient;
}

/**
 * 50 login attempts per key (an IP, or an IP and account) per 15 minutes, failing closed.
 *
 * @example
 * ```ts
 * const limiter = loginLimiter({ store: redis });
 * const login = createLogin({ limiter, ... });
 * ```
 */
export function loginLimiter(options: PresetOptions = {}): RateLimiter {
  return createRateLimiter({ store: "memory", keyPrefix: "moatkit:rl:login", ...options, points: 50, duration: "15m" });
}

/**
 * 100 requests to authentication endpoints per key per 15 minutes, failing closed.
 *
 * @example
 * ```ts
 * const limiter = authLimiter({ store: redis });
 * app.use("/api/auth", async (req, res, next) => ((await limiter.consume(req.ip)).ok ? next() : res.status(429).end()));
 * ```
 */
export function authLimiter(options: PresetOptions = {}): RateLimiter {
  return createRateLimiter({ store: "memory", keyPrefix: "moatkit:rl:auth", ...options, points: 100, duration: "15m" });
}
