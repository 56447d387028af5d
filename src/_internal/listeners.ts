/** A set of listeners of one value, shared by the invalidation channels of every adapter. */

/** Listeners that each hear every value, whatever the others do. */
export interface Listeners<T> {
  /** Calls every listener with `value`; one that throws does not keep the others from hearing it. */
  emit(value: T): void;
  /**
   * Adds `listener` and returns its unsubscribe function. Each call adds its own subscription, so
   * subscribing one function twice gives two that end independently.
   */
  add(listener: (value: T) => void): () => void;
  /** Removes every listener. */
  clear(): void;
}

/** Creates an empty {@link Listeners}. */
export function createListeners<T>(): Listeners<T> {
  const entries = new Set<(value: T) => void>();
  return {
    emit(value) {
      for (const listener of [...entries]) {
        try {
          listener(value);
        } catch {
          // One listener's failure must not keep the others from hearing the value.
        }
      }
    },
    add(listener) {
      const entry = (value: T): void => {
        listener(value);
      };
      entries.add(entry);
      return () => {
        entries.delete(entry);
      };
    },
    clear() {
      entries.clear();
    },
  };
}
