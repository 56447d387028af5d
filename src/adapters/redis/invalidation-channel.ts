/**
 * Cache invalidation over Redis pub/sub, for instances that share stores: API-key revocation and
 * session revocation reach every instance's cache at once. One Redis channel carries every topic;
 * a message is the JSON array `[topic, key]`.
 */
import { createListeners, type Listeners } from "../../_internal/listeners.js";
import { assertKnownKeys, knownKeys } from "../../_internal/options.js";
import { type InvalidationChannel, isValidMessage } from "../../_internal/invalidation-channel.js";
import { MoatError } from "../../errors.js";
import type { RedisPublisherLike } from "./data-key-invalidation.js";

/** What the dedicated subscriber connection needs (an ioredis client from `redis.duplicate()`). */
export interface RedisChannelSubscriberLike {
  /** `SUBSCRIBE channel` */
  subscribe(channel: string): Promise<unknown>;
  /** `UNSUBSCRIBE channel` */
  unsubscribe(channel: string): Promise<unknown>;
  /** Registers a connection event handler (`message`, `close`, `ready`). */
  on(event: string, listener: (...args: string[]) => void): unknown;
  /** Removes it again. */
  removeListener(event: string, listener: (...args: string[]) => void): unknown;
}

/** Options for {@link createRedisInvalidationChannel}. */
export interface RedisInvalidationChannelOptions {
  /** Publishes announcements; may be the connection your Redis stores use. */
  readonly redis: RedisPublisherLike;
  /** A connection of its own for SUBSCRIBE, e.g. `redis.duplicate()`; the caller closes it. */
  readonly subscriber: RedisChannelSubscriberLike;
  /** The pub/sub channel (at most 256 characters). Default `"moatkit:invalidation"`. */
  readonly channel?: string;
}

/** An {@link InvalidationChannel} over Redis pub/sub. */
export interface RedisInvalidationChannel extends InvalidationChannel {
  /** Unsubscribes and drops every listener; the connections stay open (they are the caller's). */
  close(): Promise<void>;
}

const KNOWN = knownKeys<RedisInvalidationChannelOptions>({ redis: true, subscriber: true, channel: true });

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === "object" && value !== null && methods.every((m) => typeof Reflect.get(value, m) === "function")
  );
}

function readOptions(options: RedisInvalidationChannelOptions): Required<RedisInvalidationChannelOptions> {
  const fail = (message: string): MoatError =>
    new MoatError("ERR_CONFIG", { message: `createRedisInvalidationChannel options: ${message}` });
  if (typeof options !== "object" || (options as unknown) === null) throw fail("an options object is required");
  assertKnownKeys(options, KNOWN, "createRedisInvalidationChannel options");
  if (!hasMethods(options.redis, ["publish"])) throw fail("redis must be a Redis client (publish)");
  if (!hasMethods(options.subscriber, ["subscribe", "unsubscribe", "on", "removeListener"]))
    throw fail("subscriber must be a dedicated Redis connection (subscribe, unsubscribe, on, removeListener)");
  if (options.subscriber === (options.redis as unknown))
    throw fail("subscriber must be a connection of its own (redis.duplicate()), not the publishing one");
  const channel: unknown = options.channel ?? "moatkit:invalidation";
  if (typeof channel !== "string" || channel.length === 0 || channel.length > 256)
    throw fail("channel must be a non-empty string of at most 256 characters");
  return { redis: options.redis, subscriber: options.subscriber, channel };
}

function parseMessage(message: unknown): [string, string] | undefined {
  if (typeof message !== "string" || message.length > 4096) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [topic, key] = value as unknown[];
  return isValidMessage(topic, key) ? [topic, key as string] : undefined;
}

/**
 * Subscribes `subscriber` and resolves once Redis confirmed it, so no announcement published
 * after that is missed. Give the result as `invalidation` to `createApiKeys` and `createTokens`
 * in every instance.
 *
 * Fail safe: when the subscriber connection closes, `isLive()` turns `false` and the caches
 * relying on it stop serving from memory; when it is ready again the channel subscribes anew,
 * tells every listener to drop everything (it may have missed messages), then turns live.
 *
 * @throws MoatError ERR_CONFIG for invalid options; ERR_STORE when SUBSCRIBE fails.
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { createRedisInvalidationChannel } from "moatkit/adapters/redis";
 * const redis = new Redis(process.env.REDIS_URL);
 * const invalidation = await createRedisInvalidationChannel({ redis, subscriber: redis.duplicate() });
 * const apiKeys = createApiKeys({ prefix: "acme", store, verifyCache: "30s", invalidation });
 * ```
 */
export async function createRedisInvalidationChannel(
  options: RedisInvalidationChannelOptions,
): Promise<RedisInvalidationChannel> {
  const { redis, subscriber, channel } = readOptions(options);
  const topics = new Map<string, Listeners<string | null>>();
  let live = false;
  let closed = false;
  // Set once the first SUBSCRIBE is confirmed. A cluster client reports "ready" after its
  // connect() resolved, while that first SUBSCRIBE is still queued: that is not a reconnect.
  let started = false;

  const onMessage = (from: string, message: string): void => {
    if (from !== channel) return;
    const parsed = parseMessage(message);
    if (parsed !== undefined) topics.get(parsed[0])?.emit(parsed[1]);
  };
  const onClose = (): void => {
    live = false;
  };
  const onReady = (): void => {
    if (closed || live || !started) return;
    // ioredis resubscribes by itself, but confirming it here means "live" is never claimed
    // before Redis would deliver; a failure leaves the channel down until the next ready.
    subscriber.subscribe(channel).then(
      () => {
        if (closed) return;
        for (const listeners of topics.values()) listeners.emit(null);
        live = true;
      },
      () => undefined,
    );
  };
  subscriber.on("message", onMessage);
  subscriber.on("close", onClose);
  subscriber.on("end", onClose);
  subscriber.on("ready", onReady);
  const detach = (): void => {
    subscriber.removeListener("message", onMessage);
    subscriber.removeListener("close", onClose);
    subscriber.removeListener("end", onClose);
    subscriber.removeListener("ready", onReady);
  };
  try {
    await subscriber.subscribe(channel);
  } catch (err) {
    detach();
    throw new MoatError("ERR_STORE", { message: "redis invalidation channel failed during subscribe", cause: err });
  }
  live = true;
  started = true;

  return {
    async publish(topic, key) {
      if (!isValidMessage(topic, key))
        throw new MoatError("ERR_INVALID_INPUT", { message: "invalidation topic or key is invalid" });
      try {
        await redis.publish(channel, JSON.stringify([topic, key]));
      } catch (err) {
        throw new MoatError("ERR_STORE", { message: "redis invalidation channel failed during publish", cause: err });
      }
    },
    subscribe(topic, listener) {
      let listeners = topics.get(topic);
      if (listeners === undefined) {
        listeners = createListeners<string | null>();
        topics.set(topic, listeners);
      }
      return listeners.add(listener);
    },
    isLive: () => live && !closed,
    async close() {
      closed = true;
      live = false;
      topics.clear();
      detach();
      try {
        await subscriber.unsubscribe(channel);
      } catch (err) {
        throw new MoatError("ERR_STORE", {
          message: "redis invalidation channel failed during unsubscribe",
          cause: err,
        });
      }
    },
  };
}
