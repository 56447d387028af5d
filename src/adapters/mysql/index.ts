/**
 * MySQL 8.0+ and MariaDB 10.11+ stores for every moatkit store interface, on a `mysql2/promise`
 * pool (an optional peer dependency: the pool is typed structurally), and the migration runner
 * for their tables. Every store passes moatkit's conformance suite at REPEATABLE READ and READ
 * COMMITTED, its races included.
 *
 * Not here, by design: tenant row-level security is Postgres-only (use the query guard of
 * `moatkit/sql` on MySQL), and `rewrapColumn` re-encrypts Postgres columns only.
 *
 * @example
 * ```ts
 * import mysql from "mysql2/promise";
 * import { createMysqlApiKeyStore, migrateMysql } from "moatkit/adapters/mysql";
 * const pool = mysql.createPool(process.env.MYSQL_URL!);
 * await migrateMysql(pool);
 * const apiKeys = createApiKeys({ prefix: "acme", store: createMysqlApiKeyStore({ pool }), pepper });
 * ```
 *
 * @module
 */
export type {
  MysqlPoolLike,
  MysqlPoolConnectionLike,
  MysqlQueryable,
  MysqlResultHeader,
  MysqlStoreOptions,
} from "./client.js";
export {
  migrateMysql,
  getMysqlMigrationSql,
  type MysqlMigrateOptions,
  type MysqlMigrationRunResult,
} from "./migrate.js";
export { moatkitMysqlMigrations, type MysqlDialect, type MysqlMigration } from "./migrations.js";
export { createMysqlApiKeyStore, type MysqlApiKeyStoreOptions } from "./api-key-store.js";
export { createMysqlDataKeyStore, type MysqlDataKeyStoreOptions } from "./data-key-store.js";
export { createMysqlTotpStepStore, type MysqlTotpStepStoreOptions } from "./totp-step-store.js";
export { createMysqlRecoveryCodeStore, type MysqlRecoveryCodeStoreOptions } from "./recovery-code-store.js";
export { createMysqlRefreshSessionStore, type MysqlRefreshSessionStoreOptions } from "./refresh-session-store.js";
export { createMysqlOneTimeTokenStore, type MysqlOneTimeTokenStoreOptions } from "./one-time-token-store.js";
export { createMysqlServerSessionStore, type MysqlServerSessionStoreOptions } from "./server-session-store.js";
export {
  createMysqlRateLimitStore,
  type MysqlRateLimitStore,
  type MysqlRateLimitStoreOptions,
} from "./rate-limit-store.js";
export { createMysqlAuditStore, type MysqlAuditStoreOptions } from "./audit-store.js";
export { inspectMysqlAuditGrants, type MysqlAuditGrantReport } from "./audit-grants.js";
