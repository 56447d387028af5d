/**
 * One bounded, expiring cache for every place moatkit remembers something per key in memory
 * (unwrapped data keys, revalidation verdicts, touch throttles, chain heads). Each use had its
 * own map and eviction; one helper keeps the bound and the expiry rules the same everywhere.
 *
 * Eviction when full: expired entries first, then the least recently used one. Reads refresh
 * recency. Time comes from the caller so fake clocks work.
 */

/** A map with at most `maxEntries` entries, each optionally expiring. */
export interface BoundedCache<K, V> {
  /** The value for `key`, or undefined when absent or expired at `now`. */
  get(key: K, now?: number): V | undefined;
  /**
   * Stores `value`; it expires at `expiresAt` (ms, same clock as `now`), or never when omitted.
   * Passing `now` lets a full cache drop expired entries before it drops live ones.
   */
  set(key: K, value: V, expiresAt?: number, now?: number): void;
  /** Removes `key`; whether it was there. */
  delete(key: K): boolean;
  /** Removes every entry. */
  clear(): void;
  /** Entries held now, expired or not. */
  readonly size: number;
  /** Every live key and value at `now`, oldest use first. */
  entries(now?: number): IterableIterator<[K, V]>;
}

interface Slot<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * Creates a {@link BoundedCache}.
 *
 * @param maxEntries upper bound on entries (a positive integer).
 */
export function createBoundedCache<K, V>(maxEntries: number): BoundedCache<K, V> {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
    throw new RangeError("maxEntries must be a positive integer");
  const slots = new Map<K, Slot<V>>();
  const live = (slot: Slot<V>, now: number | undefined): boolean => now === undefined || slot.expiresAt > now;

  function makeRoom(now: number | undefined): void {
    if (slots.size < maxEntries) return;
    if (now !== undefined) for (const [key, slot] of slots) if (!live(slot, now)) slots.delete(key);
    // Map iteration is insertion order and reads re-insert, so the first key is the least recently used.
    while (slots.size >= maxEntries) {
      const oldest = slots.keys().next();
      if (oldest.done === true) break;
      slots.delete(oldest.value);
    }
  }

  return {
    get(key, now) {
      const slot = slots.get(key);
      if (slot === undefined) return undefined;
      slots.delete(key);
      if (!live(slot, now)) return undefined;
      slots.set(key, slot);
      return slot.value;
    },
    set(key, value, expiresAt = Number.POSITIVE_INFINITY, now) {
      slots.delete(key);
      makeRoom(now);
      slots.set(key, { value, expiresAt });
    },
    delete: (key) => slots.delete(key),
    clear() {
      slots.clear();
    },
    get size() {
      return slots.size;
    },
    *entries(now) {
      for (const [key, slot] of [...slots]) if (live(slot, now)) yield [key, slot.value];
    },
  };
}
