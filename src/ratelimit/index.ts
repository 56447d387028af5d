/**
 * Rate limits: fixed windows per key, counted in a {@link RateLimitStore} (memory, Redis or
 * your own), with presets for login and auth endpoints. Refused requests come back as
 * `{ ok: false, reason: "rate_limited", retryAfterMs }` — answer 429 with `Retry-After`, never 401.
 * Store failures fail closed (ERR_STORE) unless `onStoreError: "allow"`.
 *
 * @example
 * ```ts
 * import { loginLimiter } from "moatkit/ratelimit";
 * const limiter = loginLimiter();
 * // clientIp: the caller's address (with moatkit/express, clientAddress(req)); an IPv6 address
 * // counts per /64 network, so rotating addresses inside it does not buy new attempts.
 * const { ok, retryAfterMs } = await limiter.consume(clientIp);
 * ```
 *
 * @module
 */
export { createRateLimiter, type RateLimiter, type RateLimiterOptions, type RateLimitResult } from "./rate-limiter.js";
export { addressKey, type AddressKeyOptions } from "./address-key.js";
export { loginLimiter, authLimiter, type PresetOptions } from "./presets.js";
export type { RateLimitConsumeInput, RateLimitStore, RateLimitWindow } from "./store.js";
export type { Duration } from "../_internal/duration.js";
