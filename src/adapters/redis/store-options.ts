/**
 * The options every Redis store takes, read in one place: unknown keys refused, the key prefix
 * checked and defaulted the same way for each store.
 */
import { assertKnownKeys, knownKeys } from "../../_internal/options.js";
import { MoatError } from "../../errors.js";
import type { RedisLike } from "./redis-client.js";

/** Options of every Redis store factory (`createRedis…Store`). */
export interface RedisStoreOptions {
  /** An ioredis client, or anything {@link RedisLike}. */
  readonly redis: RedisLike;
  /** Prepended to every key (at most 128 characters). Default `"moatkit:"`. */
  readonly keyPrefix?: string;
}

const KNOWN = knownKeys<RedisStoreOptions>({ redis: true, keyPrefix: true });

/**
 * The client and key prefix of a Redis store's options; ERR_CONFIG for an unknown key or a bad
 * prefix, naming `factory` (e.g. `"createRedisTotpStepStore"`).
 */
export function readRedisStoreOptions(
  options: RedisStoreOptions,
  factory: string,
): { readonly redis: RedisLike; readonly prefix: string } {
  assertKnownKeys(options, KNOWN, `${factory} options`);
  const prefix: unknown = options.keyPrefix ?? "moatkit:";
  if (typeof prefix !== "string" || prefix.length > 128) {
    throw new MoatError("ERR_CONFIG", {
      message: `${factory} options: keyPrefix must be a string of at most 128 characters`,
    });
  }
  return { redis: options.redis, prefix };
}
