/**
 * Shred announcements over Redis pub/sub, for envelopes in several processes that share one data
 * key store. A subscribed connection can run no other commands, so the caller passes a second,
 * dedicated connection (`redis.duplicate()` with ioredis).
 */
import { createListeners } from "../../_internal/listeners.js";
import { assertKnownKeys, knownKeys } from "../../_internal/options.js";
import type { DataKeyInvalidation } from "../../crypto/invalidation.js";
import { MoatError } from "../../errors.js";

/** The one command the publishing connection needs (any ioredis client). */
export interface RedisPublisherLike {
  /** `PUBLISH channel message` */
  publish(channel: string, message: string): Promise<unknown>;
}

/** What the dedicated subscriber connection needs (an ioredis client from `redis.duplicate()`). */
export interface RedisSubscriberLike {
  /** `SUBSCRIBE channel` */
  subscribe(channel: string): Promise<unknown>;
  /** `UNSUBSCRIBE channel` */
  unsubscribe(channel: string): Promise<unknown>;
  /** Registers the handler of incoming messages. */
  on(event: "message", listener: (channel: string, message: string) => void): unknown;
  /** Removes it again. */
  removeListener(event: "message", listener: (channel: string, message: string) => void): unknown;
}

/** Options for {@link createRedisDataKeyInvalidation}. */
export interface RedisDataKeyInvalidationOptions {
  /** Publishes announcements; may be the connection your Redis stores use. */
  readonly redis: RedisPublisherLike;
  /** A connection of its own for SUBSCRIBE, e.g. `redis.duplicate()`; the caller closes it. */
  readonly subscriber: RedisSubscriberLike;
  /** The pub/sub channel (at most 256 characters). Default `"moatkit:data-keys:shredded"`. */
  readonly channel?: string;
}

/** A {@link DataKeyInvalidation} over Redis pub/sub. */
export interface RedisDataKeyInvalidation extends DataKeyInvalidation {
  /** Unsubscribes and drops every listener; the connections stay open (they are the caller's). */
  close(): Promise<void>;
}

const KNOWN = knownKeys<RedisDataKeyInvalidationOptions>({ redis: true, subscriber: true, channel: true });

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === "object" && value !== null && methods.every((m) => typeof Reflect.get(value, m) === "function")
  );
}

function readOptions(options: RedisDataKeyInvalidationOptions): Required<RedisDataKeyInvalidationOptions> {
  const fail = (message: string): MoatError =>
    new MoatError("ERR_CONFIG", { message: `createRedisDataKeyInvalidation options: ${message}` });
  if (typeof options !== "object" || (options as unknown) === null) throw fail("an options object is required");
  assertKnownKeys(options, KNOWN, "createRedisDataKeyInvalidation options");
  if (!hasMethods(options.redis, ["publish"])) throw fail("redis must be a Redis client (publish)");
  if (!hasMethods(options.subscriber, ["subscribe", "unsubscribe", "on", "removeListener"]))
    throw fail("subscriber must be a dedicated Redis connection (subscribe, unsubscribe, on, removeListener)");
  if (options.subscriber === (options.redis as unknown))
    throw fail("subscriber must be a connection of its own (redis.duplicate()), not the publishing one");
  const channel: unknown = options.channel ?? "moatkit:data-keys:shredded";
  if (typeof channel !== "string" || channel.length === 0 || channel.length > 256)
    throw fail("channel must be a non-empty string of at most 256 characters");
  return { redis: options.redis, subscriber: options.subscriber, channel };
}

/**
 * Subscribes `subscriber` to the shred channel and resolves once Redis confirmed it, so no
 * announcement published after that is missed. Give the result to `createEnvelope` as
 * `invalidation` in every process that shares the data key store.
 *
 * Prefer {@link createRedisInvalidationChannel}: one subscription then carries shreds, API-key
 * revocations and session revocations, and the envelope keeps no key cached while it is down.
 * This older channel keeps working unchanged.
 *
 * @throws MoatError ERR_CONFIG for invalid options; ERR_STORE when SUBSCRIBE fails.
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { createRedisDataKeyInvalidation } from "moatkit/adapters/redis";
 * const redis = new Redis(process.env.REDIS_URL);
 * const invalidation = await createRedisDataKeyInvalidation({ redis, subscriber: redis.duplicate() });
 * const envelope = createEnvelope({ keyring, dataKeys: store, invalidation });
 * ```
 */
export async function createRedisDataKeyInvalidation(
  options: RedisDataKeyInvalidationOptions,
): Promise<RedisDataKeyInvalidation> {
  const { redis, subscriber, channel } = readOptions(options);
  const listeners = createListeners<string>();
  const onMessage = (from: string, message: string): void => {
    if (from !== channel || typeof message !== "string") return;
    listeners.emit(message);
  };
  subscriber.on("message", onMessage);
  try {
    await subscriber.subscribe(channel);
  } catch (err) {
    subscriber.removeListener("message", onMessage);
    throw new MoatError("ERR_STORE", { message: "redis data key invalidation failed during subscribe", cause: err });
  }
  return {
    async publish(scope) {
      try {
        await redis.publish(channel, scope);
      } catch (err) {
        throw new MoatError("ERR_STORE", { message: "redis data key invalidation failed during publish", cause: err });
      }
    },
    subscribe: (listener) => listeners.add(listener),
    async close() {
      listeners.clear();
      subscriber.removeListener("message", onMessage);
      try {
        await subscriber.unsubscribe(channel);
      } catch (err) {
        throw new MoatError("ERR_STORE", {
          message: "redis data key invalidation failed during unsubscribe",
          cause: err,
        });
      }
    },
  };
}
