/**
 * Keeps `lastUsedAt` to one write per key per interval. The stored value, read by the lookup
 * `verify` makes anyway, decides across processes; this in-process memory covers the requests
 * that arrive while the first write is still on its way (or with a store that caches reads).
 * The store's own `touchApiKey` is conditional too, so two processes cannot both write.
 */
import { createBoundedCache } from "../_internal/bounded-cache.js";

/** Decides whether a successful verification should write `lastUsedAt`. */
interface TouchThrottle {
  /** Whether to write now; when it says yes, it remembers the write. */
  due(id: string, lastUsedAt: number | null, now: number): boolean;
  /** Forgets a write that failed, so the next verification tries again. */
  forget(id: string): void;
}

/**
 * Memory is bounded: past `maxEntries` keys, entries whose interval has passed go first, then
 * the least recently used. Dropping a live entry costs at most one extra conditional write.
 */
export function createTouchThrottle(intervalMs: number, maxEntries = 10_000): TouchThrottle {
  const touched = createBoundedCache<string, true>(maxEntries);

  return {
    due(id, lastUsedAt, now) {
      if (lastUsedAt !== null && now - lastUsedAt < intervalMs) return false;
      if (touched.get(id, now) !== undefined) return false;
      touched.set(id, true, now + intervalMs, now);
      return true;
    },
    forget(id) {
      touched.delete(id);
    },
  };
}
