/**
 * Stores that read stale data, each built on the memory store by putting back the mistake a
 * database store makes.
 */
import { createMemoryDataKeyStore, createMemoryRefreshSessionStore } from "../../../src/adapters/memory/index.js";
import type { DataKeyRecord, DataKeyStore } from "../../../src/crypto/index.js";
import type { RefreshSessionStore } from "../../../src/sessions/index.js";
import { nextTurn } from "./turn.js";

/**
 * The refresh-session store of issue 23: under InnoDB's REPEATABLE READ, the family row is read
 * once without a lock (the transaction's snapshot), then the rotation takes the row lock and
 * sees the current row. A caller that lost the race answers `overlap` with the successor hash of
 * the locked read but the nonce of its snapshot, from before the winner's rotation. Called one
 * at a time it is always right; 19 of 49 concurrent callers got a stale nonce.
 */
export function createStaleNonceRefreshStore(): RefreshSessionStore {
  const inner = createMemoryRefreshSessionStore();
  const sessionOfToken = new Map<string, string>();
  const lastNonce = new Map<string, string>();
  return {
    ...inner,
    async createRefreshSession(session) {
      await inner.createRefreshSession(session);
      sessionOfToken.set(session.tokenHash, session.sessionId);
    },
    async rotateRefreshToken(input) {
      const sessionId = sessionOfToken.get(input.tokenHash);
      // The consistent (snapshot) read, taken when the transaction began.
      const snapshotNonce = sessionId === undefined ? undefined : lastNonce.get(sessionId);
      await nextTurn(); // waiting for the row lock the winner holds
      const outcome = await inner.rotateRefreshToken(input);
      if (outcome.status === "rotated") {
        sessionOfToken.set(input.successor.tokenHash, outcome.session.sessionId);
        lastNonce.set(outcome.session.sessionId, input.successor.nonce);
      }
      if (outcome.status === "overlap") return { ...outcome, successorNonce: snapshotNonce ?? "" };
      return outcome;
    },
  };
}

/**
 * A data-key store with a read-through cache of each scope's current key that nothing
 * invalidates: after a rotation it keeps answering with the replaced key.
 */
export function createCachedCurrentDataKeyStore(): DataKeyStore {
  const inner = createMemoryDataKeyStore();
  const cache = new Map<string, DataKeyRecord | null>();
  return {
    ...inner,
    async getCurrentDataKey(scope) {
      const cached = cache.get(scope);
      if (cached !== undefined && cached !== null) return cached;
      const current = await inner.getCurrentDataKey(scope);
      cache.set(scope, current);
      return current;
    },
  };
}
