/**
 * Fixed windows in Redis through rate-limiter-flexible's `RateLimiterRedis`, whose consume is one
 * Lua script (SET NX + INCRBY + PTTL), so concurrent consumers across processes are counted
 * exactly. The library is loaded on first use, so memory-only users never load it.
 */
import type { RateLimiterRedis } from "rate-limiter-flexible";
import type { RateLimitResult, WindowCounter } from "./result.js";

/**
 * The part of an ioredis client rate-limiter-flexible uses: it registers its script with
 * `defineCommand`, blocks keys through `multi`, and deletes with `del`. An ioredis `Redis`
 * satisfies it.
 */
export interface RateLimitRedisClient {
  /** ioredis `defineCommand`. */
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void;
  /** ioredis `multi`. */
  multi(): unknown;
  /** ioredis `del`. */
  del(...keys: string[]): Promise<number>;
}

/** Settings for {@link createRedisCounter}. */
export interface RedisCounterSettings {
  readonly client: RateLimitRedisClient;
  readonly keyPrefix: string;
  readonly points: number;
  readonly durationMs: number;
  readonly blockMs: number;
}

function msBeforeNext(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/** A Redis {@link WindowCounter}. Store failures reject with the driver's error. */
export function createRedisCounter(settings: RedisCounterSettings): WindowCounter {
  let loading: Promise<{ limiter: RateLimiterRedis; isLimited: (value: unknown) => boolean }> | undefined;
  const load = () => {
    loading ??= import("rate-limiter-flexible").then(({ RateLimiterRedis, RateLimiterRes }) => ({
      limiter: new RateLimiterRedis({
        storeClient: settings.client,
        keyPrefix: settings.keyPrefix,
        points: settings.points,
        duration: settings.durationMs / 1000,
        blockDuration: settings.blockMs / 1000,
        // Refuse at once while disconnected instead of queueing: the caller decides what an
        // outage means (onStoreError).
        rejectIfRedisNotReady: true,
      }),
      isLimited: (value: unknown) => value instanceof RateLimiterRes,
    }));
    return loading;
  };

  return {
    async consume(key: string, cost: number, now: number): Promise<RateLimitResult> {
      const { limiter, isLimited } = await load();
      try {
        const res = await limiter.consume(key, cost);
        const wait = msBeforeNext(res.msBeforeNext);
        return { ok: true, remaining: Math.max(0, res.remainingPoints), resetAt: now + wait, retryAfterMs: 0 };
      } catch (err) {
        // rate-limiter-flexible rejects with a RateLimiterRes when limited, an Error when Redis fails.
        if (!isLimited(err)) throw err;
        const wait = msBeforeNext(Reflect.get(Object(err), "msBeforeNext"));
        return { ok: false, reason: "rate_limited", remaining: 0, resetAt: now + wait, retryAfterMs: wait };
      }
    },
    async reset(key: string): Promise<void> {
      const { limiter } = await load();
      await limiter.delete(key);
    },
  };
}
