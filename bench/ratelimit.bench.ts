/**
 * moatkit/ratelimit against rate-limiter-flexible, the library 0.1 wrapped: one consume per call,
 * spread over 1,000 keys, limits high enough that nothing is refused. In memory always; against
 * Redis too when REDIS_URL is set (moatkit's one Lua script per consume against
 * RateLimiterRedis on the same server).
 */
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { createMemoryRateLimitStore } from "../src/adapters/memory/index.js";
import { createRedisRateLimitStore } from "../src/adapters/redis/index.js";
import { createRateLimiter } from "../src/ratelimit/index.js";
import { type BenchGroup, defineBenchSuite } from "./harness.js";

const POINTS = 1_000_000_000;
const KEYS = Array.from({ length: 1000 }, (_, i) => `203.0.113.${String(i % 250)}:${String(i)}`);
let next = 0;
const key = (): string => KEYS[next++ % KEYS.length] ?? "k";

const memoryGroup: BenchGroup = {
  name: "consume, memory store",
  baseline: "rate-limiter-flexible RateLimiterMemory",
  tasks: {
    "rate-limiter-flexible RateLimiterMemory": (() => {
      const peer = new RateLimiterMemory({ points: POINTS, duration: 60 });
      return () => peer.consume(key());
    })(),
    "moatkit createRateLimiter + memory store": (() => {
      const limiter = createRateLimiter({
        store: createMemoryRateLimitStore(),
        keyPrefix: "bench",
        points: POINTS,
        duration: "1m",
      });
      return () => limiter.consume(key());
    })(),
  },
  targets: [{ task: "moatkit createRateLimiter + memory store", minRatio: 0.8 }],
};

const url = process.env.REDIS_URL;
let redis: Redis | undefined;
const groups: BenchGroup[] = [memoryGroup];
if (url !== undefined && url !== "") {
  redis = new Redis(url, { lazyConnect: true });
  const client = redis;
  groups.push({
    name: "consume, Redis store",
    baseline: "rate-limiter-flexible RateLimiterRedis",
    tasks: {
      "rate-limiter-flexible RateLimiterRedis": (() => {
        const peer = new RateLimiterRedis({
          storeClient: client,
          keyPrefix: "bench-rlf",
          points: POINTS,
          duration: 60,
        });
        return () => peer.consume(key());
      })(),
      "moatkit createRateLimiter + Redis store": (() => {
        const limiter = createRateLimiter({
          store: createRedisRateLimitStore({ redis: client, keyPrefix: "bench-moatkit:" }),
          keyPrefix: "bench",
          points: POINTS,
          duration: "1m",
        });
        return () => limiter.consume(key());
      })(),
    },
    targets: [{ task: "moatkit createRateLimiter + Redis store", minRatio: 0.8 }],
  });
}

export default defineBenchSuite({
  title: "rate limits",
  setup: async () => {
    await redis?.connect();
  },
  teardown: async () => {
    if (redis === undefined) return;
    const stale = [...(await redis.keys("bench-rlf*")), ...(await redis.keys("bench-moatkit:*"))];
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
  },
  groups,
});
