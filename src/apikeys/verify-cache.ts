/**
 * The optional `verifyCache` of API keys: stored records by hash, so a hot key skips the store
 * read. Revocation and rotation evict an entry here and, through an invalidation channel, on
 * every instance; while the channel is not live nothing is served or stored.
 */
import { createBoundedCache } from "../_internal/bounded-cache.js";
import { constantTimeEqualString } from "../_internal/ct-compare.js";
import { INVALIDATION_TOPICS, type InvalidationChannel } from "../_internal/invalidation-channel.js";
import { MoatError } from "../errors.js";
import type { ApiKeyRecord } from "./record.js";

const VERIFY_CACHE_LIMIT = 10_000;

/** The lookups `verify`, `revoke` and `rotate` make through the cache. */
interface VerifyCache {
  /** The record for `hash`, from the cache when usable, else from the store (and cached). */
  find(hash: string, at: number): Promise<ApiKeyRecord | null>;
  /**
   * Drops `id` here, then tells the other instances. A failed announcement is reported (after
   * the store change it follows), so the caller knows to retry: revoking again announces again.
   */
  announce(id: string): Promise<void>;
}

/** Creates the cache; with `ttlMs` 0 every `find` reads the store. */
export function createVerifyCache(deps: {
  readonly ttlMs: number;
  readonly invalidation: InvalidationChannel | undefined;
  readonly find: (hash: string) => Promise<ApiKeyRecord | null>;
}): VerifyCache {
  const { ttlMs, invalidation } = deps;
  // Only live keys are cached; a miss (unknown key) is never remembered, so a key issued on
  // another instance verifies at once.
  const cache = createBoundedCache<string, ApiKeyRecord>(VERIFY_CACHE_LIMIT);
  // Bumped by every eviction: a store read in flight across one does not cache its record.
  let generation = 0;
  const evict = (id: string | null): void => {
    generation += 1;
    if (id === null) {
      cache.clear();
      return;
    }
    // Linear in the cache size (at most VERIFY_CACHE_LIMIT), and only on revoke/rotate.
    for (const [hash, record] of [...cache.entries()]) if (record.id === id) cache.delete(hash);
  };
  invalidation?.subscribe(INVALIDATION_TOPICS.apiKeys, evict);
  const usable = (): boolean => ttlMs > 0 && (invalidation === undefined || invalidation.isLive());

  return {
    async find(hash, at) {
      const useCache = usable();
      if (useCache) {
        const hit = cache.get(hash, at);
        if (hit !== undefined) return hit;
      }
      const started = generation;
      const found = await deps.find(hash);
      if (
        useCache &&
        found !== null &&
        found.revokedAt === null &&
        started === generation &&
        usable() &&
        constantTimeEqualString(found.hash, hash)
      ) {
        const until = found.expiresAt === null ? at + ttlMs : Math.min(at + ttlMs, found.expiresAt);
        cache.set(hash, found, until, at);
      }
      return found;
    },
    async announce(id) {
      evict(id);
      if (invalidation === undefined) return;
      try {
        await invalidation.publish(INVALIDATION_TOPICS.apiKeys, id);
      } catch (err) {
        throw new MoatError("ERR_STORE", {
          message: "the key changed in the store, but announcing it on the invalidation channel failed",
          cause: err,
        });
      }
    },
  };
}
