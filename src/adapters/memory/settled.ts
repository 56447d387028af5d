/**
 * Memory stores do their work synchronously — that is what makes each call atomic — and report
 * through promises to fit the async store interfaces.
 */

/** Runs `fn` now and returns its result (or its exception) as a settled promise. */
export function settled<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Deletes the entries `matches` selects; returns how many went. */
export function deleteMatching<K, V>(map: Map<K, V>, matches: (value: V) => boolean): number {
  let removed = 0;
  for (const [key, value] of map) {
    if (matches(value)) {
      map.delete(key);
      removed++;
    }
  }
  return removed;
}
