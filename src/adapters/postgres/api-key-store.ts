import {
  API_KEY_COLUMNS,
  type ApiKeyRowReader,
  apiKeyRowValues,
  readApiKeyInfo,
  readApiKeyRecord,
} from "../../_internal/api-key-row.js";
import type { ApiKeyInfo, ApiKeyRecord } from "../../apikeys/record.js";
import type { ApiKeyStore } from "../../apikeys/store.js";
import { MoatError } from "../../errors.js";
import { type PostgresStoreOptions, readPostgresStoreOptions } from "./store-options.js";

/** Options for {@link createPostgresApiKeyStore}. */
export type PostgresApiKeyStoreOptions = PostgresStoreOptions;

// Timestamps travel as integer milliseconds. Going in, `to_timestamp(ms / 1000)` is exact to the
// microsecond for any date this century; coming out, the epoch is cast to float8 so `pg` and
// PGlite both return a JS number (an int8 or numeric would come back as a string from `pg`).
const msOut = (column: string): string => `(round(extract(epoch FROM ${column}) * 1000))::float8 AS ${column}`;
const msIn = (param: number): string => `to_timestamp($${String(param)}::float8 / 1000)`;

// Arrays and JSON go through jsonb text both ways, which both drivers handle identically.
const INFO_COLUMNS = [
  "id",
  "preview",
  "env",
  "owner_id",
  "tenant_id",
  "name",
  "to_jsonb(scopes)::text AS scopes",
  "metadata::text AS metadata",
  "redaction",
  msOut("created_at"),
  msOut("expires_at"),
  msOut("revoked_at"),
  msOut("last_used_at"),
  "predecessor_id",
  "successor_id",
].join(", ");
const RECORD_COLUMNS = `key_hash, ${INFO_COLUMNS}`;

const INSERT_COLUMNS = API_KEY_COLUMNS.join(", ");

/** The 16 values of a record, as SQL expressions over parameters `$first`…`$first+15`. */
function recordValuesSql(first: number): string {
  const p = (i: number): string => `$${String(first + i)}`;
  return [
    `${p(0)}::text`,
    `${p(1)}::text`,
    `${p(2)}::text`,
    `${p(3)}::text`,
    `${p(4)}::text`,
    `${p(5)}::text`,
    `${p(6)}::text`,
    `ARRAY(SELECT jsonb_array_elements_text(${p(7)}::jsonb))`,
    `${p(8)}::jsonb`,
    `${p(9)}::text`,
    msIn(first + 10),
    msIn(first + 11),
    msIn(first + 12),
    msIn(first + 13),
    `${p(14)}::text`,
    `${p(15)}::text`,
  ].join(", ");
}

// ---------------------------------------------------------------------------------------------
// reading rows back, checking each field rather than trusting the driver's shapes

type Row = Record<string, unknown>;

// One message for every misfit, as before the row checks were shared: the detail names nothing a
// caller can act on differently.
function corrupt(): MoatError {
  return new MoatError("ERR_STORE", { message: "apiKeys store returned a row that does not fit its contract" });
}

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw corrupt();
  return value;
}

function optionalText(row: Row, column: string): string | null {
  return row[column] === null ? null : text(row, column);
}

function optionalTime(row: Row, column: string): number | null {
  const value = row[column];
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw corrupt();
  return value;
}

function time(row: Row, column: string): number {
  const value = optionalTime(row, column);
  if (value === null) throw corrupt();
  return value;
}

/** A Postgres row through the shared API-key row checks (src/_internal/api-key-row.ts). */
function reader(row: Row): ApiKeyRowReader {
  return {
    text: (column) => text(row, column),
    optionalText: (column) => optionalText(row, column),
    time: (column) => time(row, column),
    optionalTime: (column) => optionalTime(row, column),
    corrupt,
  };
}

const readInfo = (row: Row): ApiKeyInfo => readApiKeyInfo(reader(row));
const readRecord = (row: Row): ApiKeyRecord => readApiKeyRecord(reader(row));

/**
 * An {@link ApiKeyStore} in the `moatkit_api_keys` table (create it with `migrate()`). Lookups
 * by hash use a unique index. Revoke, rotate and touch are each a single conditional statement,
 * so concurrent callers (across processes too) settle in the database: one rotation wins, the
 * others change nothing.
 *
 * @throws MoatError ERR_CONFIG when `client` is missing.
 * @example
 * ```ts
 * import pg from "pg";
 * import { createPostgresApiKeyStore, fromPgPool, migrate } from "moatkit/adapters/postgres";
 * const client = fromPgPool(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 * await migrate(client);
 * const store = createPostgresApiKeyStore({ client });
 * ```
 */
export function createPostgresApiKeyStore(options: PostgresApiKeyStoreOptions): ApiKeyStore {
  const client = readPostgresStoreOptions(options, "createPostgresApiKeyStore");

  async function one<T>(sql: string, params: readonly unknown[], read: (row: Row) => T): Promise<T | null> {
    const { rows } = await client.query<Row>(sql, params);
    const row = rows[0];
    return row === undefined ? null : read(row);
  }

  return {
    async createApiKey(record) {
      await client.query(
        `INSERT INTO moatkit_api_keys (${INSERT_COLUMNS}) VALUES (${recordValuesSql(1)})`,
        apiKeyRowValues(record),
      );
    },

    findApiKeyByHash(hash) {
      return one(`SELECT ${RECORD_COLUMNS} FROM moatkit_api_keys WHERE key_hash = $1`, [hash], readRecord);
    },

    getApiKey(id) {
      return one(`SELECT ${RECORD_COLUMNS} FROM moatkit_api_keys WHERE id = $1`, [id], readRecord);
    },

    async listApiKeysByOwner(ownerId) {
      const { rows } = await client.query<Row>(
        `SELECT ${INFO_COLUMNS} FROM moatkit_api_keys WHERE owner_id = $1 ORDER BY created_at, id`,
        [ownerId],
      );
      return rows.map(readInfo);
    },

    revokeApiKey(id, at) {
      return one(
        `UPDATE moatkit_api_keys SET revoked_at = ${msIn(2)} WHERE id = $1 AND revoked_at IS NULL RETURNING ${INFO_COLUMNS}`,
        [id, at],
        readInfo,
      );
    },

    rotateApiKey(id, successor, graceEndsAt, at) {
      // One statement: the UPDATE takes the row lock, and a concurrent rotation waiting on it
      // re-checks `successor_id IS NULL` afterwards, finds it set and inserts nothing. $4… are the
      // successor's values in API_KEY_COLUMNS order: $4 its hash, $5 its id.
      return one(
        `WITH old AS (
           UPDATE moatkit_api_keys
              SET successor_id = $5::text,
                  expires_at = LEAST(COALESCE(expires_at, ${msIn(2)}), ${msIn(2)})
            WHERE id = $1 AND successor_id IS NULL AND revoked_at IS NULL
              AND (expires_at IS NULL OR expires_at > ${msIn(3)})
           RETURNING ${INFO_COLUMNS}
         ), successor AS (
           INSERT INTO moatkit_api_keys (${INSERT_COLUMNS})
           SELECT ${recordValuesSql(4)} FROM old
         )
         SELECT * FROM old`,
        [id, graceEndsAt, at, ...apiKeyRowValues(successor)],
        readInfo,
      );
    },

    async touchApiKey(id, at, minIntervalMs) {
      const { rowCount } = await client.query(
        `UPDATE moatkit_api_keys SET last_used_at = ${msIn(2)}
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= to_timestamp(($2::float8 - $3::float8) / 1000))`,
        [id, at, minIntervalMs],
      );
      return rowCount > 0;
    },
  };
}
