import type { RecoveryCodeEntry, RecoveryCodeStore } from "../../mfa/store.js";

/**
 * An in-memory {@link RecoveryCodeStore} for tests and single-process apps. Each operation runs
 * without an `await` inside, so it is atomic within the process.
 *
 * @example
 * ```ts
 * import { createMemoryRecoveryCodeStore } from "moatkit/adapters/memory";
 * const recovery = createRecoveryCodes({ store: createMemoryRecoveryCodeStore() });
 * ```
 */
export function createMemoryRecoveryCodeStore(): RecoveryCodeStore {
  const sets = new Map<string, Map<string, string>>();
  return {
    replaceRecoveryCodes(userId, entries: readonly RecoveryCodeEntry[]) {
      const set = new Map<string, string>();
      for (const { selector, hash } of entries) set.set(selector, hash);
      if (set.size === 0) sets.delete(userId);
      else sets.set(userId, set);
      return Promise.resolve();
    },
    findRecoveryCode(userId, selector) {
      return Promise.resolve(sets.get(userId)?.get(selector) ?? null);
    },
    consumeRecoveryCode(userId, selector, hash) {
      const set = sets.get(userId);
      if (set?.get(selector) !== hash) return Promise.resolve(null);
      set.delete(selector);
      return Promise.resolve(set.size);
    },
    countRecoveryCodes(userId) {
      return Promise.resolve(sets.get(userId)?.size ?? 0);
    },
  };
}
