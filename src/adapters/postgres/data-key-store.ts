import { wrapStore } from "../../_internal/store.js";
import { MoatError } from "../../errors.js";
import { DATA_KEY_STORE_METHODS, type DataKeyRecord, type DataKeyStore } from "../../crypto/store.js";
import type { SqlClient } from "../../sql/sql-client.js";
import { type PostgresStoreOptions, readPostgresStoreOptions } from "./store-options.js";

/** Options for {@link createPostgresDataKeyStore}. */
export type PostgresDataKeyStoreOptions = PostgresStoreOptions;

interface Row {
  id: string;
  scope: string;
  master_key_id: string;
  wrapped_key: Uint8Array;
  created_at: number;
}

const COLUMNS =
  "id, scope, master_key_id, wrapped_key, round(extract(epoch FROM created_at) * 1000)::float8 AS created_at";

function toRecord(row: Row): DataKeyRecord {
  if (!(row.wrapped_key instanceof Uint8Array))
    throw new MoatError("ERR_STORE", { message: "data key row has no wrapped key" });
  return {
    id: row.id,
    scope: row.scope,
    masterKeyId: row.master_key_id,
    wrappedKey: Uint8Array.from(row.wrapped_key),
    createdAt: row.created_at,
  };
}

/** Thrown inside the setCurrentDataKey transaction to roll it back when the compare-and-set lost. */
class LostRace extends Error {}

/**
 * A {@link DataKeyStore} in Postgres (pg.Pool or PGlite through a `SqlClient`).
 * `setCurrentDataKey` is a compare-and-set inside one transaction; `updateDataKeyWrapping` a
 * conditional UPDATE. A driver failure rejects with ERR_STORE (the driver's error as `cause`).
 *
 * @example
 * ```ts
 * import { createPostgresDataKeyStore, fromPgPool, migrate } from "moatkit/adapters/postgres";
 * const client = fromPgPool(pool);
 * await migrate(client);
 * const envelope = createEnvelope({ keyring, dataKeys: createPostgresDataKeyStore({ client }) });
 * ```
 */
export function createPostgresDataKeyStore(options: PostgresDataKeyStoreOptions): DataKeyStore {
  const client = readPostgresStoreOptions(options, "createPostgresDataKeyStore");

  async function current(db: SqlClient, scope: string): Promise<DataKeyRecord | null> {
    const { rows } = await db.query<Row>(
      `SELECT ${COLUMNS} FROM moatkit_data_keys WHERE id = (SELECT data_key_id FROM moatkit_data_key_current WHERE scope = $1)`,
      [scope],
    );
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  const store: DataKeyStore = {
    async getDataKey(id) {
      const { rows } = await client.query<Row>(`SELECT ${COLUMNS} FROM moatkit_data_keys WHERE id = $1`, [id]);
      return rows[0] === undefined ? null : toRecord(rows[0]);
    },
    getCurrentDataKey: (scope) => current(client, scope),
    async setCurrentDataKey(record, expectedCurrentId) {
      try {
        await client.transaction(async (tx) => {
          await tx.query(
            "INSERT INTO moatkit_data_keys (id, scope, master_key_id, wrapped_key, created_at) VALUES ($1, $2, $3, $4, to_timestamp($5::float8 / 1000))",
            [record.id, record.scope, record.masterKeyId, record.wrappedKey, record.createdAt],
          );
          // The row lock (UPDATE) or the unique index (INSERT) makes concurrent callers wait for
          // each other; the loser sees the winner's row and matches nothing.
          const swapped = await tx.query(
            `INSERT INTO moatkit_data_key_current AS c (scope, data_key_id) VALUES ($1, $2)
             ON CONFLICT (scope) DO UPDATE SET data_key_id = EXCLUDED.data_key_id
             WHERE c.data_key_id IS NOT DISTINCT FROM $3::text`,
            [record.scope, record.id, expectedCurrentId],
          );
          if (swapped.rowCount !== 1) throw new LostRace();
        });
        return { created: true, current: { ...record, wrappedKey: Uint8Array.from(record.wrappedKey) } };
      } catch (err) {
        if (!(err instanceof LostRace)) throw err;
      }
      const winner = await current(client, record.scope);
      if (winner === null)
        throw new MoatError("ERR_STORE", { message: "data key scope lost its current key during setCurrentDataKey" });
      return { created: false, current: winner };
    },
    async updateDataKeyWrapping(id, expectedMasterKeyId, masterKeyId, wrappedKey) {
      const { rowCount } = await client.query(
        "UPDATE moatkit_data_keys SET master_key_id = $1, wrapped_key = $2 WHERE id = $3 AND master_key_id = $4",
        [masterKeyId, wrappedKey, id, expectedMasterKeyId],
      );
      return rowCount === 1;
    },
    async listDataKeys({ after, limit }) {
      const { rows } =
        after === undefined
          ? await client.query<Row>(`SELECT ${COLUMNS} FROM moatkit_data_keys ORDER BY id COLLATE "C" LIMIT $1`, [
              limit,
            ])
          : await client.query<Row>(
              `SELECT ${COLUMNS} FROM moatkit_data_keys WHERE id COLLATE "C" > $2 ORDER BY id COLLATE "C" LIMIT $1`,
              [limit, after],
            );
      return rows.map(toRecord);
    },
    async deleteDataKeyScope(scope) {
      const { rowCount } = await client.query("DELETE FROM moatkit_data_keys WHERE scope = $1", [scope]);
      return rowCount;
    },
    async countDataKeysByMasterKey() {
      const { rows } = await client.query<{ master_key_id: string; n: number }>(
        "SELECT master_key_id, count(*)::int AS n FROM moatkit_data_keys GROUP BY master_key_id",
      );
      return Object.fromEntries(rows.map((r) => [r.master_key_id, r.n]));
    },
  };
  return wrapStore("postgres dataKeys", store, DATA_KEY_STORE_METHODS);
}
