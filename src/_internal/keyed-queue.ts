/**
 * Runs async work one at a time per key, in call order, while different keys run freely. Used
 * by the SQL audit stores, where appends for one organisation racing each other for the same
 * sequence number would only waste round trips. A failed task does not stop the ones queued
 * behind it, and a key's entry is dropped once its queue drains, so the map stays bounded by the
 * keys with work in flight.
 */
export type KeyedQueue = <T>(key: string, task: () => Promise<T>) => Promise<T>;

/** @internal A new, empty {@link KeyedQueue}. */
export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<void>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
