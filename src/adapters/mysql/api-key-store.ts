import {
  API_KEY_COLUMNS,
  type ApiKeyRowReader,
  apiKeyRowValues,
  readApiKeyInfo,
  readApiKeyRecord,
} from "../../_internal/api-key-row.js";
import { wrapStore } from "../../_internal/store.js";
import type { ApiKeyInfo, ApiKeyRecord } from "../../apikeys/record.js";
import { API_KEY_STORE_METHODS, type ApiKeyStore } from "../../apikeys/store.js";
import {
  type MysqlQueryable,
  type MysqlRow,
  type MysqlStoreOptions,
  corrupt,
  execute,
  inTransaction,
  int,
  optInt,
  optStr,
  readMysqlPool,
  retryDeadlocks,
  selectOne,
  selectRows,
  str,
} from "./client.js";

/** Options for {@link createMysqlApiKeyStore}. */
export type MysqlApiKeyStoreOptions = MysqlStoreOptions;

const INFO_COLUMNS = API_KEY_COLUMNS.filter((c) => c !== "key_hash").join(", ");
const RECORD_COLUMNS = API_KEY_COLUMNS.join(", ");
const INSERT_SQL = `INSERT INTO moatkit_api_keys (${RECORD_COLUMNS}) VALUES (${API_KEY_COLUMNS.map(() => "?").join(", ")})`;

/** A MySQL row through the shared API-key row checks (src/_internal/api-key-row.ts). */
function reader(row: MysqlRow): ApiKeyRowReader {
  return {
    text: (column) => str(row, column),
    optionalText: (column) => optStr(row, column),
    time: (column) => int(row, column),
    optionalTime: (column) => optInt(row, column),
    corrupt,
  };
}

const readInfo = (row: MysqlRow): ApiKeyInfo => readApiKeyInfo(reader(row));
const readRecord = (row: MysqlRow): ApiKeyRecord => readApiKeyRecord(reader(row));

async function findOne<T>(
  db: MysqlQueryable,
  sql: string,
  values: unknown[],
  read: (row: MysqlRow) => T,
): Promise<T | null> {
  const row = await selectOne(db, sql, values);
  return row === null ? null : read(row);
}

/**
 * An {@link ApiKeyStore} in the `moatkit_api_keys` table (create it with `migrateMysql`). Hashes
 * and ids are `VARBINARY`, so lookups match byte for byte (no case folding, no trailing-space
 * padding). Revoke and touch are single conditional UPDATEs judged by `affectedRows`; rotate locks
 * the old key's row (`SELECT … FOR UPDATE`, by primary key, so no gap is locked), decides on the
 * locked row and writes both keys in one transaction, so of concurrent rotations exactly one wins.
 * Failures reject with ERR_STORE, the driver's error kept as a cause without SQL or values.
 *
 * @throws MoatError ERR_CONFIG when `pool` is missing.
 * @example
 * ```ts
 * import mysql from "mysql2/promise";
 * import { createMysqlApiKeyStore, migrateMysql } from "moatkit/adapters/mysql";
 * const pool = mysql.createPool(process.env.MYSQL_URL!);
 * await migrateMysql(pool);
 * const store = createMysqlApiKeyStore({ pool });
 * ```
 */
export function createMysqlApiKeyStore(options: MysqlApiKeyStoreOptions): ApiKeyStore {
  const pool = readMysqlPool(options, "createMysqlApiKeyStore");
  const byId = `SELECT ${INFO_COLUMNS} FROM moatkit_api_keys WHERE id = ?`;

  const store: ApiKeyStore = {
    async createApiKey(record) {
      await execute(pool, INSERT_SQL, apiKeyRowValues(record));
    },

    findApiKeyByHash(hash) {
      return findOne(pool, `SELECT ${RECORD_COLUMNS} FROM moatkit_api_keys WHERE key_hash = ?`, [hash], readRecord);
    },

    getApiKey(id) {
      return findOne(pool, `SELECT ${RECORD_COLUMNS} FROM moatkit_api_keys WHERE id = ?`, [id], readRecord);
    },

    async listApiKeysByOwner(ownerId) {
      const rows = await selectRows(
        pool,
        `SELECT ${INFO_COLUMNS} FROM moatkit_api_keys WHERE owner_id = ? ORDER BY created_at, id`,
        [ownerId],
      );
      return rows.map(readInfo);
    },

    async revokeApiKey(id, at) {
      // No RETURNING: the conditional UPDATE decides (one caller matches the row), then the
      // winner reads the row back. Only the winner reads, and a revoked key never un-revokes.
      const won = await execute(
        pool,
        "UPDATE moatkit_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        [at, id],
      );
      if (won !== 1) return null;
      return findOne(pool, byId, [id], readInfo);
    },

    rotateApiKey(id, successor, graceEndsAt, at) {
      return retryDeadlocks(() =>
        inTransaction(pool, async (tx) => {
          // FOR UPDATE reads the latest committed row (whatever the isolation level) and holds
          // it: a concurrent rotation waits here and then sees successor_id set.
          const row = await selectOne(tx, `SELECT ${INFO_COLUMNS} FROM moatkit_api_keys WHERE id = ? FOR UPDATE`, [id]);
          if (row === null) return null;
          const old = readInfo(row);
          if (old.successorId !== null || old.revokedAt !== null) return null;
          if (old.expiresAt !== null && old.expiresAt <= at) return null;
          const expiresAt = Math.min(old.expiresAt ?? graceEndsAt, graceEndsAt);
          await execute(tx, "UPDATE moatkit_api_keys SET successor_id = ?, expires_at = ? WHERE id = ?", [
            successor.id,
            expiresAt,
            id,
          ]);
          await execute(tx, INSERT_SQL, apiKeyRowValues(successor));
          return { ...old, successorId: successor.id, expiresAt };
        }),
      );
    },

    async touchApiKey(id, at, minIntervalMs) {
      // `last_used_at < ?` rather than `<=`: the row always changes when it matches, so the count
      // is the same with and without the FOUND_ROWS flag. With a zero interval, a touch at the
      // same millisecond as the last one has nothing to write.
      const wrote = await execute(
        pool,
        `UPDATE moatkit_api_keys SET last_used_at = ?
          WHERE id = ? AND (last_used_at IS NULL OR (last_used_at <= ? - ? AND last_used_at < ?))`,
        [at, id, at, minIntervalMs, at],
      );
      return wrote > 0;
    },
  };
  return wrapStore("mysql apiKeys", store, API_KEY_STORE_METHODS);
}
