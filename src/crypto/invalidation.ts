/**
 * How processes sharing a data key store tell each other that a tenant was shredded, so each
 * drops its cached copies of the tenant's data keys at once instead of when `cacheTtl` runs out.
 * The envelope takes the generic {@link InvalidationChannel} (the one API keys and sessions use,
 * topic `"datakeys"`) or, as before, a {@link DataKeyInvalidation}.
 */
import {
  INVALIDATION_TOPICS,
  type InvalidationChannel,
  isInvalidationChannel,
} from "../_internal/invalidation-channel.js";

/**
 * A broadcast of shredded scopes. Superseded by the generic {@link InvalidationChannel}, which
 * carries shreds together with API-key and session revocations over one connection and adds the
 * fail-safe `isLive()`; still accepted by `createEnvelope`. An envelope given one (`invalidation`) subscribes at creation
 * and publishes from `envelope.keys.shredTenant` after the store's delete. Delivery is best
 * effort (a process that misses a message still stops at `cacheTtl`); a message only drops cached
 * keys, so a forged one costs store reads, never a key.
 */
export interface DataKeyInvalidation {
  /** Announces that `scope`'s data keys were destroyed. Resolves once the message is sent. */
  publish(scope: string): Promise<void>;
  /** Calls `listener` with each announced scope (this process's included); returns a function that stops it. */
  subscribe(listener: (scope: string) => void): () => void;
}

/** @internal Whether `value` has the two methods of a {@link DataKeyInvalidation}. */
export function isDataKeyInvalidation(value: unknown): value is DataKeyInvalidation {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "publish") === "function" &&
    typeof Reflect.get(value, "subscribe") === "function"
  );
}

/** @internal How the envelope hears and announces shreds, whichever channel it was given. */
export interface ShredChannel {
  /** Announces a destroyed scope. */
  readonly publish: (scope: string) => Promise<void>;
  /** `scope` for one destroyed scope, `null` when every cached key must go (a reconnect). */
  readonly subscribe: (listener: (scope: string | null) => void) => void;
  /** `false` while shreds elsewhere may go unheard; the envelope then keeps no keys cached. */
  readonly isLive: () => boolean;
}

/** @internal The {@link ShredChannel} over either kind of channel. */
export function shredChannelOf(channel: InvalidationChannel | DataKeyInvalidation): ShredChannel {
  if (isInvalidationChannel(channel)) {
    return {
      publish: (scope) => channel.publish(INVALIDATION_TOPICS.dataKeys, scope),
      subscribe: (listener) => {
        channel.subscribe(INVALIDATION_TOPICS.dataKeys, listener);
      },
      isLive: () => channel.isLive(),
    };
  }
  return {
    publish: (scope) => channel.publish(scope),
    subscribe: (listener) => {
      channel.subscribe(listener);
    },
    // The older interface is best effort with no liveness: keys stay cached up to cacheTtl.
    isLive: () => true,
  };
}
