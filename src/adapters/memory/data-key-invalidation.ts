import type { DataKeyInvalidation } from "../../crypto/invalidation.js";

/**
 * A {@link DataKeyInvalidation} inside one process: every envelope given the same channel drops a
 * tenant's cached data keys when any of them shreds it. Across processes use the Redis one.
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
  const listeners = new Set<(scope: string) => void>();
  return {
    publish(scope) {
      for (const listener of [...listeners]) {
        try {
          listener(scope);
        } catch {
          // One listener's failure must not keep the others from hearing of the shred.
        }
      }
      return Promise.resolve();
    },
    subscribe(listener) {
      // A wrapper per call, so subscribing the same function twice gives two independent subscriptions.
      const entry = (scope: string): void => {
        listener(scope);
      };
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
  };
}
