import { wrapStore } from "../../_internal/store.js";
import { DATA_KEY_STORE_METHODS, type DataKeyRecord, type DataKeyStore } from "../../crypto/store.js";
import { MoatError } from "../../errors.js";
import {
  type MysqlQueryable,
  type MysqlRow,
  type MysqlStoreOptions,
  bytes,
  execute,
  inTransaction,
  int,
  isDuplicateKey,
  readMysqlPool,
  retryDeadlocks,
  selectOne,
  selectRows,
  str,
} from "./client.js";
import { deleteByKeys } from "./delete-by-keys.js";

/** Options for {@link createMysqlDataKeyStore}. */
export type MysqlDataKeyStoreOptions = MysqlStoreOptions;

const COLUMNS = "id, scope, master_key_id, wrapped_key, created_at";

function toRecord(row: MysqlRow): DataKeyRecord {
  return {
    id: str(row, "id"),
    scope: str(row, "scope"),
    masterKeyId: str(row, "master_key_id"),
    wrappedKey: bytes(row, "wrapped_key"),
    createdAt: int(row, "created_at"),
  };
}

/** Thrown inside the setCurrentDataKey transaction to roll it back when the compare-and-set lost. */
class LostRace extends Error {}

async function current(db: MysqlQueryable, scope: string): Promise<DataKeyRecord | null> {
  const row = await selectOne(
    db,
    `SELECT k.id, k.scope, k.master_key_id, k.wrapped_key, k.created_at
       FROM moatkit_data_key_current c JOIN moatkit_data_keys k ON k.id = c.data_key_id
      WHERE c.scope = ?`,
    [scope],
  );
  return row === null ? null : toRecord(row);
}

/**
 * A {@link DataKeyStore} in `moatkit_data_keys` and `moatkit_data_key_current` (migration
 * `crypto` v1). `setCurrentDataKey` is a compare-and-set in one transaction: with an expected
 * current key, a conditional UPDATE of the scope's row (`affectedRows` decides); for a scope
 * without one, an INSERT whose duplicate-key error means another caller got there first. Ids are
 * `VARBINARY`, so `listDataKeys` pages in byte order as the interface asks.
 *
 * @throws MoatError ERR_CONFIG when `pool` is missing.
 * @example
 * ```ts
 * import { createEnvelope } from "moatkit/crypto";
 * import { createMysqlDataKeyStore } from "moatkit/adapters/mysql";
 * const envelope = createEnvelope({ keyring, dataKeys: createMysqlDataKeyStore({ pool }) });
 * ```
 */
export function createMysqlDataKeyStore(options: MysqlDataKeyStoreOptions): DataKeyStore {
  const pool = readMysqlPool(options, "createMysqlDataKeyStore");

  const store: DataKeyStore = {
    async getDataKey(id) {
      const row = await selectOne(pool, `SELECT ${COLUMNS} FROM moatkit_data_keys WHERE id = ?`, [id]);
      return row === null ? null : toRecord(row);
    },
    getCurrentDataKey: (scope) => current(pool, scope),
    async setCurrentDataKey(record, expectedCurrentId) {
      try {
        await retryDeadlocks(() =>
          inTransaction(pool, async (tx) => {
            // A duplicate id here is the caller's error and propagates as ERR_STORE.
            await execute(
              tx,
              "INSERT INTO moatkit_data_keys (id, scope, master_key_id, wrapped_key, created_at) VALUES (?, ?, ?, ?, ?)",
              [record.id, record.scope, record.masterKeyId, Buffer.from(record.wrappedKey), record.createdAt],
            );
            if (expectedCurrentId !== null) {
              // The UPDATE re-checks data_key_id on the latest row under its lock: one caller matches.
              const swapped = await execute(
                tx,
                "UPDATE moatkit_data_key_current SET data_key_id = ? WHERE scope = ? AND data_key_id = ?",
                [record.id, record.scope, expectedCurrentId],
              );
              if (swapped === 1) return;
            }
            try {
              // No current key (or the expected one is gone): the primary key admits one creator.
              await execute(tx, "INSERT INTO moatkit_data_key_current (scope, data_key_id) VALUES (?, ?)", [
                record.scope,
                record.id,
              ]);
            } catch (err) {
              if (isDuplicateKey(err)) throw new LostRace();
              throw err;
            }
          }),
        );
        return { created: true, current: { ...record, wrappedKey: Uint8Array.from(record.wrappedKey) } };
      } catch (err) {
        if (!(err instanceof LostRace)) throw err;
      }
      const winner = await current(pool, record.scope);
      if (winner === null) {
        throw new MoatError("ERR_STORE", { message: "data key scope lost its current key during setCurrentDataKey" });
      }
      return { created: false, current: winner };
    },
    async updateDataKeyWrapping(id, expectedMasterKeyId, masterKeyId, wrappedKey) {
      const updated = await execute(
        pool,
        "UPDATE moatkit_data_keys SET master_key_id = ?, wrapped_key = ? WHERE id = ? AND master_key_id = ?",
        [masterKeyId, Buffer.from(wrappedKey), id, expectedMasterKeyId],
      );
      return updated === 1;
    },
    async listDataKeys({ after, limit }) {
      // `limit` is inlined after the check: it is a count, and LIMIT takes no expression.
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new MoatError("ERR_INVALID_INPUT", { message: "listDataKeys limit must be a positive integer" });
      }
      const rows =
        after === undefined
          ? await selectRows(pool, `SELECT ${COLUMNS} FROM moatkit_data_keys ORDER BY id LIMIT ${String(limit)}`)
          : await selectRows(
              pool,
              `SELECT ${COLUMNS} FROM moatkit_data_keys WHERE id > ? ORDER BY id LIMIT ${String(limit)}`,
              [after],
            );
      return rows.map(toRecord);
    },
    deleteDataKeyScope(scope) {
      return deleteByKeys(pool, { table: "moatkit_data_keys", key: "id", where: "scope = ?", values: [scope] });
    },
    async countDataKeysByMasterKey() {
      const rows = await selectRows(
        pool,
        "SELECT master_key_id, COUNT(*) AS n FROM moatkit_data_keys GROUP BY master_key_id",
      );
      return Object.fromEntries(rows.map((r) => [str(r, "master_key_id"), int(r, "n")]));
    },
  };
  return wrapStore("mysql dataKeys", store, DATA_KEY_STORE_METHODS);
}
