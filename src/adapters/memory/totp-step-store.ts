import { type TotpStepStore, requireTotpStep } from "../../mfa/store.js";

/**
 * An in-memory {@link TotpStepStore} for tests and single-process apps. Each check-and-set runs
 * without an `await` in between, so it is atomic within the process.
 *
 * @example
 * ```ts
 * import { createMemoryTotpStepStore } from "moatkit/adapters/memory";
 * const totp = createTotp({ issuer: "Acme", store: createMemoryTotpStepStore() });
 * ```
 */
export function createMemoryTotpStepStore(): TotpStepStore {
  const last = new Map<string, number>();
  return {
    advanceTotpStep(userId, step) {
      // The executor runs synchronously: check and set happen with nothing in between.
      return new Promise((resolve) => {
        requireTotpStep(step);
        const current = last.get(userId);
        if (current !== undefined && step <= current) {
          resolve(false);
          return;
        }
        last.set(userId, step);
        resolve(true);
      });
    },
    getLastTotpStep(userId) {
      return Promise.resolve(last.get(userId) ?? null);
    },
  };
}
