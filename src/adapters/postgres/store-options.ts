/**
 * The options of the Postgres stores that take only a client, read in one place: unknown keys
 * refused and the client checked when the store is created, not at its first query.
 */
import { assertKnownKeys } from "../../_internal/options.js";
import { MoatError } from "../../errors.js";
import { type SqlClient, isSqlClient } from "../../sql/sql-client.js";

/** Options of a Postgres store that needs only a database. */
export interface PostgresStoreOptions {
  /** The database, from `fromPgPool(pool)` or `fromPglite(db)` (or your own), migrated with `migrate()`. */
  readonly client: SqlClient;
}

const KNOWN: readonly string[] = ["client"];

/**
 * The client of a Postgres store's options; ERR_CONFIG naming `factory` when it is not one.
 *
 * @param options typed loosely on purpose: JavaScript callers and casts reach here too.
 */
export function readPostgresStoreOptions(options: unknown, factory: string): SqlClient {
  assertKnownKeys(options, KNOWN, `${factory} options`);
  const client: unknown = typeof options === "object" && options !== null ? Reflect.get(options, "client") : undefined;
  if (!isSqlClient(client)) {
    throw new MoatError("ERR_CONFIG", {
      message: `${factory} options: client must be a SqlClient (fromPgPool, fromPglite or your own)`,
    });
  }
  return client;
}
