import { createListeners, type Listeners } from "../../_internal/listeners.js";
import { type InvalidationChannel, isValidMessage } from "../../_internal/invalidation-channel.js";
import { MoatError } from "../../errors.js";

/**
 * An {@link InvalidationChannel} inside one process: every API-key manager or token verifier
 * given the same channel drops an entry when any of them revokes it. Across processes use
 * `createRedisInvalidationChannel` from `moatkit/adapters/redis`.
 *
 * @example
 * ```ts
 * import { createMemoryInvalidationChannel } from "moatkit/adapters/memory";
 * const invalidation = createMemoryInvalidationChannel();
 * const a = createApiKeys({ prefix: "acme", store, verifyCache: "30s", invalidation });
 * const b = createApiKeys({ prefix: "acme", store, verifyCache: "30s", invalidation });
 * ```
 */
export function createMemoryInvalidationChannel(): InvalidationChannel {
  const topics = new Map<string, Listeners<string | null>>();
  return {
    publish(topic, key) {
      if (!isValidMessage(topic, key))
        return Promise.reject(new MoatError("ERR_INVALID_INPUT", { message: "invalidation topic or key is invalid" }));
      topics.get(topic)?.emit(key);
      return Promise.resolve();
    },
    subscribe(topic, listener) {
      let listeners = topics.get(topic);
      if (listeners === undefined) {
        listeners = createListeners<string | null>();
        topics.set(topic, listeners);
      }
      return listeners.add(listener);
    },
    isLive: () => true,
  };
}
