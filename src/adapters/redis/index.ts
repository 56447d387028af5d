/**
 * Redis stores. Each check-and-consume operation is one Lua script, atomic with respect to every
 * other client. Pass an ioredis client (or anything with the {@link RedisLike} methods); ioredis
 * is an optional peer dependency.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { createRedisOneTimeTokenStore } from "moatkit/adapters/redis";
 * const store = createRedisOneTimeTokenStore({ redis: new Redis(process.env.REDIS_URL), keyPrefix: "app:" });
 * ```
 *
 * @module
 */
export type { RedisLike, RedisArg } from "./redis-client.js";
export type { RedisStoreOptions } from "./store-options.js";
export { createRedisRefreshSessionStore, type RedisRefreshSessionStoreOptions } from "./refresh-session-store.js";
export { createRedisOneTimeTokenStore, type RedisOneTimeTokenStoreOptions } from "./one-time-token-store.js";
export { createRedisServerSessionStore, type RedisServerSessionStoreOptions } from "./server-session-store.js";
export { createRedisTotpStepStore, type RedisTotpStepStoreOptions } from "./totp-step-store.js";
export { createRedisRecoveryCodeStore, type RedisRecoveryCodeStoreOptions } from "./recovery-code-store.js";
export { createRedisRateLimitStore, type RedisRateLimitStoreOptions } from "./rate-limit-store.js";
export {
  createRedisDataKeyInvalidation,
  type RedisDataKeyInvalidation,
  type RedisDataKeyInvalidationOptions,
  type RedisPublisherLike,
  type RedisSubscriberLike,
} from "./data-key-invalidation.js";
export {
  createRedisInvalidationChannel,
  type RedisChannelSubscriberLike,
  type RedisInvalidationChannel,
  type RedisInvalidationChannelOptions,
} from "./invalidation-channel.js";
export type { InvalidationChannel, InvalidationListener } from "../../_internal/invalidation-channel.js";
