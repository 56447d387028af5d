import { createListeners } from "../../_internal/listeners.js";
import type { DataKeyInvalidation } from "../../crypto/invalidation.js";

/**
 * A {@link DataKeyInvalidation} inside one process: every envelope given the same channel drops a
 * tenant's cached data keys when any of them shreds it. Across processes use the Redis one.
 * `createMemoryInvalidationChannel` does the same and also carries API-key and session
 * revocations; prefer it.
 *
 * @example
 * ```ts
 * import { createMemoryDataKeyInvalidation, createMemoryDataKeyStore } from "moatkit/adapters/memory";
 * const invalidation = createMemoryDataKeyInvalidation();
 * const store = createMemoryDataKeyStore();
 * const a = createEnvelope({ keyring, dataKeys: store, invalidation });
 * const b = createEnvelope({ keyring, dataKeys: store, invalidation }); // b forgets what a shreds
 * ```
 */
export function createMemoryDataKeyInvalidation(): DataKeyInvalidation {
  const listeners = createListeners<string>();
  return {
    publish(scope) {
      listeners.emit(scope);
      return Promise.resolve();
    },
    subscribe: (listener) => listeners.add(listener),
  };
}
