import { canonicalJson } from "../../_internal/canonical-json.js";
import { wrapStore } from "../../_internal/store.js";
import type { ApiKeyEnv, ApiKeyInfo, ApiKeyRecord } from "../../apikeys/record.js";
import { API_KEY_STORE_METHODS, type ApiKeyStore } from "../../apikeys/store.js";
import type { ApiKeyRedaction } from "../../redact/policy.js";
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

const INFO_COLUMNS =
  "id, preview, env, owner_id, tenant_id, name, scopes, metadata, redaction, created_at, expires_at, revoked_at, last_used_at, predecessor_id, successor_id";
const RECORD_COLUMNS = `key_hash, ${INFO_COLUMNS}`;
const INSERT_SQL = `INSERT INTO moatkit_api_keys (${RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function recordParams(r: ApiKeyRecord): unknown[] {
  return [
    r.hash,
    r.id,
    r.preview,
    r.env,
    r.ownerId,
    r.tenantId,
    r.name,
    JSON.stringify(r.scopes),
    canonicalJson(r.metadata),
    r.redaction,
    r.createdAt,
    r.expiresAt,
    r.revokedAt,
    r.lastUsedAt,
    r.predecessorId,
    r.successorId,
  ];
}

function json(row: MysqlRow, column: string): unknown {
  try {
    return JSON.parse(str(row, column));
  } catch {
    throw corrupt(`apiKeys column ${column} is not JSON`);
  }
}

function env(value: string): ApiKeyEnv {
  if (value === "live" || value === "test") return value;
  throw corrupt("apiKeys env out of range");
}

function redaction(value: string): ApiKeyRedaction {
  if (value === "inherit" || value === "on" || value === "off") return value;
  throw corrupt("apiKeys redaction out of range");
}

function scopes(value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((s) => typeof s === "string")) throw corrupt("apiKeys scopes malformed");
  return [...value];
}

function metadata(value: unknown): Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw corrupt("apiKeys metadata malformed");
  return { ...value };
}

function readInfo(row: MysqlRow): ApiKeyInfo {
  return {
    id: str(row, "id"),
    preview: str(row, "preview"),
    env: env(str(row, "env")),
    ownerId: str(row, "owner_id"),
    tenantId: optStr(row, "tenant_id"),
    name: optStr(row, "name"),
    scopes: scopes(json(row, "scopes")),
    metadata: metadata(json(row, "metadata")),
    redaction: redaction(str(row, "redaction")),
    createdAt: int(row, "created_at"),
    expiresAt: optInt(row, "expires_at"),
    revokedAt: optInt(row, "revoked_at"),
    lastUsedAt: optInt(row, "last_used_at"),
    predecessorId: optStr(row, "predecessor_id"),
    successorId: optStr(row, "successor_id"),
  };
}

function readRecord(row: MysqlRow): ApiKeyRecord {
  return { ...readInfo(row), hash: str(row, "key_hash") };
}

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
      await execute(pool, INSERT_SQL, recordParams(record));
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
          await execute(tx, INSERT_SQL, recordParams(successor));
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
