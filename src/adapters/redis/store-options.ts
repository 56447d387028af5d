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
  /**
   * Lay keys out for Redis Cluster: the keys a store's scripts touch together carry one hash tag
   * (`{ott}`, `{rs}`, `{ss}`), so they share a slot. Default: `true` when `redis` is an ioredis
   * `Cluster` (`isCluster`), `false` otherwise, which keeps the single-node key names unchanged.
   * Set it when a wrapped cluster client does not say `isCluster`, or to write the cluster layout
   * on one node before moving to a cluster.
   */
  readonly hashTags?: boolean;
}

const KNOWN = knownKeys<RedisStoreOptions>({ redis: true, keyPrefix: true, hashTags: true });

/** What a Redis store needs from its options. */
export interface RedisStoreSettings {
  /** The client. */
  readonly redis: RedisLike;
  /** The key prefix. */
  readonly prefix: string;
  /**
   * The start of every key of the store's group `name`: `<prefix><name>:` on one node,
   * `<prefix>{<name>}:` with hash tags, so that all of them hash to one cluster slot.
   */
  readonly base: (name: string) => string;
}

/**
 * The client and key prefix of a Redis store's options; ERR_CONFIG for an unknown key or a bad
 * prefix, naming `factory` (e.g. `"createRedisTotpStepStore"`).
 */
export function readRedisStoreOptions(options: RedisStoreOptions, factory: string): RedisStoreSettings {
  assertKnownKeys(options, KNOWN, `${factory} options`);
  const prefix: unknown = options.keyPrefix ?? "moatkit:";
  if (typeof prefix !== "string" || prefix.length > 128) {
    throw new MoatError("ERR_CONFIG", {
      message: `${factory} options: keyPrefix must be a string of at most 128 characters`,
    });
  }
  const client: unknown = options.redis;
  const isCluster = typeof client === "object" && client !== null && Reflect.get(client, "isCluster") === true;
  const hashTags: unknown = options.hashTags === undefined ? isCluster : options.hashTags;
  if (typeof hashTags !== "boolean") {
    throw new MoatError("ERR_CONFIG", { message: `${factory} options: hashTags must be a boolean` });
  }
  const base = (name: string): string => (hashTags ? `${prefix}{${name}}:` : `${prefix}${name}:`);
  return { redis: options.redis, prefix, base };
}

// Keys outlive what they hold by this much, so "expired" can still be told apart from "unknown"
// for a while after expiry.
const KEY_GRACE_MS = 60 * 60_000;

/** @internal The TTL (ms) of a key whose record lives from `from` until `until`: at least 1 ms, plus the grace. */
export function keyTtlMs(until: number, from: number): number {
  return Math.max(1, until - from) + KEY_GRACE_MS;
}
