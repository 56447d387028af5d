import { MoatError } from "../../errors.js";
import type { DataKeyRecord, DataKeyStore } from "../../crypto/store.js";

function copy(record: DataKeyRecord): DataKeyRecord {
  return { ...record, wrappedKey: Uint8Array.from(record.wrappedKey) };
}

/**
 * An in-memory {@link DataKeyStore}, for tests and single-process tools. Data keys vanish with
 * the process: values encrypted under them become unreadable, so do not use it in production.
 *
 * @example
 * ```ts
 * import { createMemoryDataKeyStore } from "moatkit/adapters/memory";
 * const envelope = createEnvelope({ keyring, dataKeys: createMemoryDataKeyStore() });
 * ```
 */
export function createMemoryDataKeyStore(): DataKeyStore {
  const records = new Map<string, DataKeyRecord>();
  const current = new Map<string, string>();
  // Every method runs to completion synchronously inside its promise, so each one is atomic;
  // a throw becomes a rejection.
  const run = <T>(fn: () => T): Promise<T> =>
    new Promise((resolve) => {
      resolve(fn());
    });
  return {
    getDataKey(id) {
      return run(() => {
        const record = records.get(id);
        return record === undefined ? null : copy(record);
      });
    },
    getCurrentDataKey(scope) {
      return run(() => {
        const id = current.get(scope);
        const record = id === undefined ? undefined : records.get(id);
        return record === undefined ? null : copy(record);
      });
    },
    setCurrentDataKey(record, expectedCurrentId) {
      return run(() => {
        const currentId = current.get(record.scope);
        const existing = currentId === undefined ? undefined : records.get(currentId);
        if (existing !== undefined && existing.id !== expectedCurrentId)
          return { created: false, current: copy(existing) };
        if (records.has(record.id)) throw new MoatError("ERR_STORE", { message: "data key id already exists" });
        records.set(record.id, copy(record));
        current.set(record.scope, record.id);
        return { created: true, current: copy(record) };
      });
    },
    updateDataKeyWrapping(id, expectedMasterKeyId, masterKeyId, wrappedKey) {
      return run(() => {
        const record = records.get(id);
        if (record?.masterKeyId !== expectedMasterKeyId) return false;
        records.set(id, { ...record, masterKeyId, wrappedKey: Uint8Array.from(wrappedKey) });
        return true;
      });
    },
    listDataKeys({ after, limit }) {
      return run(() => {
        const ids = [...records.keys()].filter((id) => after === undefined || id > after).sort();
        return ids.slice(0, limit).flatMap((id) => {
          const record = records.get(id);
          return record === undefined ? [] : [copy(record)];
        });
      });
    },
    deleteDataKeyScope(scope) {
      return run(() => {
        let deleted = 0;
        for (const [id, record] of records) {
          if (record.scope === scope) {
            records.delete(id);
            deleted++;
          }
        }
        current.delete(scope);
        return deleted;
      });
    },
    countDataKeysByMasterKey() {
      return run(() => {
        const counts: Record<string, number> = {};
        for (const record of records.values()) counts[record.masterKeyId] = (counts[record.masterKeyId] ?? 0) + 1;
        return counts;
      });
    },
  };
}
