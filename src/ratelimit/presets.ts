/**
 * The limits the seed services run: 50 login attempts per IP per 15 minutes, 100 requests to
 * `/api/auth/*` per IP per 15 minutes.
 */
import { createMemoryRateLimitStore } from "../adapters/memory/rate-limit-store.js";
import { type RateLimiter, type RateLimiterOptions, createRateLimiter } from "./rate-limiter.js";
import type { RateLimitStore } from "./store.js";

/** Options for the presets: everything but the limit itself. */
export interface PresetOptions extends Partial<Omit<RateLimiterOptions, "points" | "duration" | "store">> {
  /** Where the counters live; default a memory store of this limiter's own (one process). */
  readonly store?: RateLimitStore;
}

/**
 * 50 login attempts per key (an IP, or an IP and account) per 15 minutes, failing closed. An
 * IPv6 address counts per /64 (`ipv6Prefix`).
 * Key prefix `"moatkit:rl:login"` unless given.
 *
 * @example
 * ```ts
 * const limiter = loginLimiter({ store: createRedisRateLimitStore({ redis }) });
 * const login = createLogin({ limiter, ... });
 * ```
 */
export function loginLimiter(options: PresetOptions = {}): RateLimiter {
  const { store = createMemoryRateLimitStore(), ...rest } = options;
  return createRateLimiter({ keyPrefix: "moatkit:rl:login", ...rest, store, points: 50, duration: "15m" });
}

/**
 * 100 requests to authentication endpoints per key per 15 minutes, failing closed.
 * Key prefix `"moatkit:rl:auth"` unless given.
 *
 * @example
 * ```ts
 * const limiter = authLimiter({ store: createRedisRateLimitStore({ redis }) });
 * // clientAddress (moatkit/express) gives the client address requestContext() resolved.
 * app.use("/api/auth", async (req, res, next) =>
 *   (await limiter.consume(clientAddress(req))).ok ? next() : res.status(429).end(),
 * );
 * ```
 */
export function authLimiter(options: PresetOptions = {}): RateLimiter {
  const { store = createMemoryRateLimitStore(), ...rest } = options;
  return createRateLimiter({ keyPrefix: "moatkit:rl:auth", ...rest, store, points: 100, duration: "15m" });
}
