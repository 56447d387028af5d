/**
 * Fixed windows in Redis. A consume is one Lua script (read the window, open a new one if it
 * ended, add the points, start the block), so concurrent consumers across processes are counted
 * exactly: none is lost, none counted twice.
 *
 * Keys (under `keyPrefix`): `rl:<key>`, a hash of `c` (points consumed) and `e` (when the window
 * or block ends, ms since the epoch on the limiter's clock). Windows follow the clock the limiter
 * passes in, as every other moatkit store does, so a fake clock works; each key also carries a
 * Redis expiry at the same moment, so ended windows cost no memory.
 */
import type { RateLimitConsumeInput, RateLimitStore, RateLimitWindow } from "../../ratelimit/store.js";
import { defineScript, runScript } from "./redis-client.js";
import { badReply } from "./script-reply.js";
import { type RedisStoreOptions, readRedisStoreOptions } from "./store-options.js";

/** Options for {@link createRedisRateLimitStore}. */
export type RedisRateLimitStoreOptions = RedisStoreOptions;

const STORE = "redis rate limit";

// ARGV: points, limit, windowMs, blockMs, now. Numbers are written with %.0f: Lua's tostring
// would print a millisecond timestamp in exponent form. Replies are Lua numbers, which Redis
// returns as integers (exact below 2^53).
const consumeScript = defineScript(`
local points, limit, windowMs, blockMs, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local f = redis.call('HMGET', KEYS[1], 'c', 'e')
local consumed, resetAt = tonumber(f[1]), tonumber(f[2])
if not consumed or not resetAt or resetAt <= now then
  consumed = 0
  resetAt = now + windowMs
end
local before = consumed
consumed = consumed + points
if blockMs > 0 and before <= limit and consumed > limit then resetAt = now + blockMs end
redis.call('HSET', KEYS[1], 'c', string.format('%.0f', consumed), 'e', string.format('%.0f', resetAt))
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', resetAt - now))
return {consumed, resetAt}
`);

function windowReply(reply: unknown): RateLimitWindow {
  if (!Array.isArray(reply) || reply.length !== 2) return badReply(STORE);
  const consumed: unknown = reply[0];
  const resetAt: unknown = reply[1];
  if (typeof consumed !== "number" || typeof resetAt !== "number") return badReply(STORE);
  return { consumed, resetAt };
}

/**
 * A {@link RateLimitStore} on Redis, shared by every process that uses the same Redis.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { createRateLimiter } from "moatkit/ratelimit";
 * import { createRedisRateLimitStore } from "moatkit/adapters/redis";
 * const store = createRedisRateLimitStore({ redis: new Redis(process.env.REDIS_URL) });
 * const limiter = createRateLimiter({ store, keyPrefix: "api", points: 100, duration: "1m" });
 * ```
 */
export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore {
  const { redis, prefix } = readRedisStoreOptions(options, "createRedisRateLimitStore");
  const windowKey = (key: string): string => `${prefix}rl:${key}`;

  return {
    async consumeRateLimitPoints(input: RateLimitConsumeInput): Promise<RateLimitWindow> {
      const { key, points, limit, windowMs, blockMs, now } = input;
      return windowReply(
        await runScript(redis, consumeScript, [windowKey(key)], [points, limit, windowMs, blockMs, now]),
      );
    },

    async resetRateLimit(key: string): Promise<void> {
      await redis.del(windowKey(key));
    },
  };
}
