/**
 * How processes sharing a data key store tell each other that a tenant was shredded, so each
 * drops its cached copies of the tenant's data keys at once instead of when `cacheTtl` runs out.
 * `moatkit/adapters/redis` has a pub/sub implementation, `moatkit/adapters/memory` one for
 * several envelopes in one process.
 */

/**
 * A broadcast of shredded scopes. An envelope given one (`invalidation`) subscribes at creation
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
