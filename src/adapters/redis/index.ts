/**
 * Redis stores. moatkit talks to Redis through {@link RedisLike}, the structural subset of an
 * ioredis client it uses, so `ioredis` stays an optional peer dependency. Every
 * check-and-consume operation is one Lua script, atomic with respect to every other client.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { createRedisTotpStepStore } from "moatkit/adapters/redis";
 * const store = createRedisTotpStepStore({ redis: new Redis(process.env.REDIS_URL), keyPrefix: "app:" });
 * ```
 *
 * @module
 */
export type { RedisArg, RedisLike } from "./redis-client.js";
export { createRedisTotpStepStore, type RedisTotpStepStoreOptions } from "./totp-step-store.js";
export { createRedisRecoveryCodeStore, type RedisRecoveryCodeStoreOptions } from "./recovery-code-store.js";
