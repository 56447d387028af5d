/**
 * One broadcast for every in-process cache that several instances of a service must keep in
 * step: API-key verification results, access-token revalidation verdicts, unwrapped data keys of
 * shredded tenants. `moatkit/adapters/memory`
 * has an in-process implementation, `moatkit/adapters/redis` a pub/sub one.
 */

/** The topics moatkit publishes on; a channel carries any string topic. */
export const INVALIDATION_TOPICS: {
  readonly apiKeys: "apikeys";
  readonly tokens: "tokens";
  readonly dataKeys: "datakeys";
} = Object.freeze({
  /** Key: an API key id that was revoked or rotated. */
  apiKeys: "apikeys",
  /** Key: `sub:<subject>` or `sid:<session id>` whose revalidation verdicts must go. */
  tokens: "tokens",
  /** Key: a data key scope (tenant) that `shredTenant` destroyed. */
  dataKeys: "datakeys",
});

/**
 * A listener of one topic. `key` is the entry to drop; `null` means "drop everything": the
 * channel may have missed messages (it reconnected) and cannot say which.
 */
export type InvalidationListener = (key: string | null) => void;

/**
 * A broadcast of evicted cache keys between instances that share stores.
 *
 * Fail-safe contract: while `isLive()` answers `false` (the subscriber is disconnected or never
 * subscribed), a cache that relies on the channel serves nothing from memory and stores nothing,
 * so every check goes to the store or hook; when the channel comes back it calls every listener
 * with `null`. A message only drops entries, so a forged one costs a store read, never access.
 */
export interface InvalidationChannel {
  /** Announces that `key` under `topic` is stale everywhere (this process included). */
  publish(topic: string, key: string): Promise<void>;
  /** Calls `listener` for each key announced on `topic`; returns a function that stops it. */
  subscribe(topic: string, listener: InvalidationListener): () => void;
  /** Whether announcements are being received now. */
  isLive(): boolean;
}

/** @internal Whether `value` has the three methods of an {@link InvalidationChannel}. */
export function isInvalidationChannel(value: unknown): value is InvalidationChannel {
  return (
    typeof value === "object" &&
    value !== null &&
    ["publish", "subscribe", "isLive"].every((m) => typeof Reflect.get(value, m) === "function")
  );
}

/** @internal The longest topic and key a channel carries. */
export const MAX_TOPIC_LENGTH = 128;
/** @internal See {@link MAX_TOPIC_LENGTH}. */
export const MAX_INVALIDATION_KEY_LENGTH = 1024;

/** @internal Whether a topic/key pair is one a channel should carry. */
export function isValidMessage(topic: unknown, key: unknown): topic is string {
  return (
    typeof topic === "string" &&
    topic.length > 0 &&
    topic.length <= MAX_TOPIC_LENGTH &&
    typeof key === "string" &&
    key.length <= MAX_INVALIDATION_KEY_LENGTH
  );
}
