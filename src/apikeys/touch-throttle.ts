/**
 * Keeps `lastUsedAt` to one write per key per interval. The stored value, read by the lookup
 * `verify` makes anyway, decides across processes; this in-process memory covers the requests
 * that arrive while the first write is still on its way (or with a store that caches reads).
 * The store's own `touchApiKey` is conditional too, so two processes cannot both write.
 */

/** Decides whether a successful verification should write `lastUsedAt`. */
export interface TouchThrottle {
  /** Whether to write now; when it says yes, it remembers the write. */
  due(id: string, lastUsedAt: number | null, now: number): boolean;
  /** Forgets a write that failed, so the next verification tries again. */
  forget(id: string): void;
}

/** Memory is bounded: past `maxEntries` keys, stale entries go, and if none are stale, all do. */
export function createTouchThrottle(intervalMs: number, maxEntries = 10_000): TouchThrottle {
  const touched = new Map<string, number>();
  const recent = (then: number, now: number): boolean => now - then < intervalMs;

  function prune(now: number): void {
    for (const [id, at] of touched) if (!recent(at, now)) touched.delete(id);
    // Every entry is recent: dropping them costs at most one extra conditional write each.
    if (touched.size >= maxEntries) touched.clear();
  }

  return {
    due(id, lastUsedAt, now) {
      if (lastUsedAt !== null && recent(lastUsedAt, now)) return false;
      const mine = touched.get(id);
      if (mine !== undefined && recent(mine, now)) return false;
      if (touched.size >= maxEntries) prune(now);
      touched.set(id, now);
      return true;
    },
    forget(id) {
      touched.delete(id);
    },
  };
}
