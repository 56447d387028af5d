// The methods are async to fit the store contract, but none of them awaits: each finishes its
// check-and-set without yielding, which is what makes it atomic.
/* eslint-disable @typescript-eslint/require-await */
import { deepFreeze } from "../../_internal/deep-freeze.js";
import { type ApiKeyInfo, type ApiKeyRecord, toApiKeyInfo } from "../../apikeys/record.js";
import type { ApiKeyStore } from "../../apikeys/store.js";
import { MoatError } from "../../errors.js";

/**
 * Records are copied once, on the way in, and kept frozen; reads hand out the frozen objects
 * and updates replace them. So nothing a caller does to a record it was given can change the
 * store, and the hot lookup costs no copy.
 */
function frozenCopy(record: ApiKeyRecord): ApiKeyRecord {
  return deepFreeze(structuredClone({ ...record, scopes: [...record.scopes], metadata: { ...record.metadata } }));
}

/**
 * An in-memory {@link ApiKeyStore}, for tests, demos and single-process tools. Every method
 * finishes its check-and-set without yielding, so each is atomic.
 *
 * @example
 * ```ts
 * import { createApiKeys } from "moatkit/apikeys";
 * import { createMemoryApiKeyStore } from "moatkit/adapters/memory";
 * const apiKeys = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore() });
 * ```
 */
export function createMemoryApiKeyStore(): ApiKeyStore {
  const byId = new Map<string, ApiKeyRecord>();
  const idByHash = new Map<string, string>();

  function put(record: ApiKeyRecord): void {
    if (byId.has(record.id) || idByHash.has(record.hash)) {
      throw new MoatError("ERR_STORE", { message: "apiKeys store already holds a key with this id or hash" });
    }
    const copy = frozenCopy(record);
    byId.set(copy.id, copy);
    idByHash.set(copy.hash, copy.id);
  }

  function update(id: string, changes: Partial<ApiKeyInfo>): ApiKeyRecord {
    const current = byId.get(id);
    if (current === undefined)
      throw new MoatError("ERR_STORE", { message: "apiKeys store lost a key it was updating" });
    const next = Object.freeze({ ...current, ...changes });
    byId.set(id, next);
    return next;
  }

  return {
    async createApiKey(record) {
      put(record);
    },

    async findApiKeyByHash(hash) {
      const id = idByHash.get(hash);
      return id === undefined ? null : (byId.get(id) ?? null);
    },

    async getApiKey(id) {
      return byId.get(id) ?? null;
    },

    async listApiKeysByOwner(ownerId) {
      return [...byId.values()]
        .filter((r) => r.ownerId === ownerId)
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map(toApiKeyInfo);
    },

    async revokeApiKey(id, at) {
      const current = byId.get(id);
      if (current === undefined || current.revokedAt !== null) return null;
      return update(id, { revokedAt: at });
    },

    async rotateApiKey(id, successor, graceEndsAt, at) {
      const current = byId.get(id);
      if (current === undefined || current.revokedAt !== null || current.successorId !== null) return null;
      if (current.expiresAt !== null && current.expiresAt <= at) return null;
      put(successor);
      const expiresAt = current.expiresAt === null ? graceEndsAt : Math.min(current.expiresAt, graceEndsAt);
      return update(id, { successorId: successor.id, expiresAt });
    },

    async touchApiKey(id, at, minIntervalMs) {
      const current = byId.get(id);
      if (current === undefined) return false;
      if (current.lastUsedAt !== null && current.lastUsedAt > at - minIntervalMs) return false;
      update(id, { lastUsedAt: at });
      return true;
    },
  };
}
