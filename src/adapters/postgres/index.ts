/**
 * Postgres adapters: `fromPgPool` and `fromPglite` implement moatkit's {@link SqlClient} (defined
 * in `moatkit/sql` and re-exported here) for `pg.Pool` and PGlite; the stores of every capability
 * on top of it; and the migration runner for moatkit's own tables.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { fromPgPool, migrate } from "moatkit/adapters/postgres";
 * const db = fromPgPool(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 * await migrate(db);
 * ```
 *
 * @module
 */
export type { SqlClient, SqlResult } from "../../sql/index.js";
export { fromPgPool, type PgPoolLike, type PgPoolClientLike, type PgQueryable, type PgQueryResult } from "./pg-pool.js";
export { fromPglite, type PgliteLike, type PgliteQueryResult, type PgliteTransactionLike } from "./pglite.js";
export {
  migrate,
  getMigrationSql,
  type AppliedMigration,
  type Migration,
  type MigrateOptions,
  type MigrationRunResult,
} from "./migrate.js";
export { moatkitMigrations } from "./migrations.js";
export type { PostgresStoreOptions } from "./store-options.js";
export { createPostgresRefreshSessionStore, type PostgresRefreshSessionStoreOptions } from "./refresh-session-store.js";
export { createPostgresOneTimeTokenStore, type PostgresOneTimeTokenStoreOptions } from "./one-time-token-store.js";
export { createPostgresServerSessionStore, type PostgresServerSessionStoreOptions } from "./server-session-store.js";
export { createPostgresApiKeyStore, type PostgresApiKeyStoreOptions } from "./api-key-store.js";
export { createPostgresTotpStepStore, type PostgresTotpStepStoreOptions } from "./totp-step-store.js";
export { createPostgresRecoveryCodeStore, type PostgresRecoveryCodeStoreOptions } from "./recovery-code-store.js";
export { createPostgresDataKeyStore, type PostgresDataKeyStoreOptions } from "./data-key-store.js";
export { createPostgresAuditStore, type PostgresAuditStoreOptions } from "./audit-store.js";
export { inspectAuditRole, type AuditRoleReport } from "./audit-role.js";
