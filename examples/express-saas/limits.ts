/**
 * Where the example app's rate-limit counters live: Redis when there is one, so every instance
 * of the app (and a restarted one) counts a user's TOTP guesses and an address's logins
 * together; otherwise process memory, which is enough for one process on a laptop.
 */
import { createMemoryRateLimitStore } from "moatkit/adapters/memory";
import { type RedisLike, createRedisRateLimitStore } from "moatkit/adapters/redis";
import { type RateLimitStore, type RateLimiter, authLimiter, createRateLimiter, loginLimiter } from "moatkit/ratelimit";

/**
 * An ioredis client (used as is; you close it), a `redis://` URL, or `null` for process memory.
 * Nothing: `REDIS_URL` when it is set, else process memory.
 */
export type RedisSource = RedisLike | string | null | undefined;

/** The counters' store and how to let go of it. */
export interface LimitStore {
  readonly store: RateLimitStore;
  /** Where the counters live, for the start-up line. */
  readonly kind: "redis" | "memory";
  /** Closes the Redis connection {@link openLimitStore} opened. */
  close(): Promise<void>;
}

/** Opens the counters' store; a Redis URL is connected to now, so a bad one fails the start. */
export async function openLimitStore(source: RedisSource, keyPrefix: string): Promise<LimitStore> {
  if (source === null) return { store: createMemoryRateLimitStore(), kind: "memory", close: async () => {} };
  if (typeof source === "object") {
    return { store: createRedisRateLimitStore({ redis: source, keyPrefix }), kind: "redis", close: async () => {} };
  }
  const url = source ?? process.env["REDIS_URL"];
  if (url === undefined || url === "") return openLimitStore(null, keyPrefix);
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  return {
    store: createRedisRateLimitStore({ redis, keyPrefix }),
    kind: "redis",
    close: async () => {
      await redis.quit();
    },
  };
}

/** The app's three limiters, all on `store`. */
export interface Limiters {
  /** moatkit's login preset: 50 attempts per client IP per 15 minutes. */
  readonly loginLimiter: RateLimiter;
  /** moatkit's auth preset for signups: 100 per client IP per 15 minutes, before Turnstile. */
  readonly signupLimiter: RateLimiter;
  /** Second-factor attempts: 10 per user per 15 minutes, a 6-digit code must not be guessable. */
  readonly mfaLimiter: RateLimiter;
  /** moatkit's auth preset for forgotten-password requests and reset attempts, per client IP. */
  readonly forgotLimiter: RateLimiter;
}

export function createLimiters(store: RateLimitStore, now: () => number): Limiters {
  return {
    loginLimiter: loginLimiter({ store, keyPrefix: "saas:login", now }),
    signupLimiter: authLimiter({ store, keyPrefix: "saas:signup", now }),
    mfaLimiter: createRateLimiter({ store, keyPrefix: "saas:mfa", points: 10, duration: "15m", now }),
    forgotLimiter: authLimiter({ store, keyPrefix: "saas:forgot", now }),
  };
}
