import { createHash } from "node:crypto";
import { assertKnownKeys, knownKeys } from "../../_internal/options.js";
import { storeCall } from "../../_internal/store-error.js";
import { MoatError } from "../../errors.js";
import { type MysqlPoolLike, type MysqlQueryable, execute, isMysqlPool, selectOne, str } from "./client.js";
import { type MysqlDialect, type MysqlMigration, moatkitMysqlMigrations } from "./migrations.js";

/** Options for {@link migrateMysql} and {@link getMysqlMigrationSql}. */
export interface MysqlMigrateOptions {
  /** The steps to apply; default every moatkit module's ({@link moatkitMysqlMigrations}). */
  readonly migrations?: readonly MysqlMigration[];
}

/** What {@link migrateMysql} did. */
export interface MysqlMigrationRunResult {
  /** The server the schema was written for, read from `VERSION()`. */
  readonly dialect: MysqlDialect;
  /** Steps applied by this call, in order, as `module v<version>`. */
  readonly applied: readonly string[];
  /** Steps found already applied (by an earlier or a concurrent run). */
  readonly alreadyApplied: number;
}

const TABLE_SQL = `CREATE TABLE IF NOT EXISTS moatkit_mysql_migrations (
  module VARBINARY(64) NOT NULL,
  version INT NOT NULL,
  name VARCHAR(255) CHARACTER SET utf8mb4 NOT NULL,
  checksum VARBINARY(64) NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (module, version)
) ENGINE=InnoDB`;

const MODULE_RE = /^[a-z][a-z0-9_]{0,62}$/;
/** Seconds a runner waits for another runner's lock before giving up. */
const LOCK_WAIT_SECONDS = 60;

function checksumOf(statements: readonly string[]): string {
  return createHash("sha256").update(statements.join(";\n"), "utf8").digest("hex");
}

function validate(migrations: readonly MysqlMigration[]): void {
  const last = new Map<string, number>();
  for (const m of migrations) {
    if (!MODULE_RE.test(m.module) || !Number.isSafeInteger(m.version) || m.version < 1) {
      throw new MoatError("ERR_CONFIG", { message: "migration needs a module name and a positive version" });
    }
    if (typeof m.statements !== "function" || typeof m.name !== "string") {
      throw new MoatError("ERR_CONFIG", { message: `migration ${m.module} v${String(m.version)} has no statements` });
    }
    if ((last.get(m.module) ?? 0) >= m.version) {
      throw new MoatError("ERR_CONFIG", {
        message: `migrations of ${m.module} must be listed once each in ascending version order`,
      });
    }
    last.set(m.module, m.version);
  }
}

/** @internal Which server `db` is: MariaDB says so in `VERSION()`; anything else is MySQL. */
export async function detectDialect(db: MysqlQueryable): Promise<MysqlDialect> {
  const row = await selectOne(db, "SELECT VERSION() AS v");
  return row !== null && /mariadb/i.test(str(row, "v")) ? "mariadb" : "mysql";
}

async function applyAll(
  conn: MysqlQueryable,
  migrations: readonly MysqlMigration[],
  dialect: MysqlDialect,
): Promise<{ applied: string[]; alreadyApplied: number }> {
  const mode = await selectOne(conn, "SELECT @@SESSION.sql_mode AS mode");
  // Without strict mode MySQL cuts an over-long id to fit its column and carries on, and two
  // distinct ids could then collide. moatkit's tables are only safe under strict mode.
  if (mode === null || !/STRICT_(TRANS|ALL)_TABLES/.test(str(mode, "mode"))) {
    throw new MoatError("ERR_CONFIG", {
      message: "migrateMysql needs sql_mode with STRICT_TRANS_TABLES (the default of MySQL 8 and MariaDB 10.11)",
    });
  }
  await conn.query(TABLE_SQL);
  const applied: string[] = [];
  let alreadyApplied = 0;
  for (const m of migrations) {
    const statements = m.statements(dialect);
    const checksum = checksumOf(statements);
    const existing = await selectOne(
      conn,
      "SELECT checksum FROM moatkit_mysql_migrations WHERE module = ? AND version = ?",
      [m.module, m.version],
    );
    if (existing !== null) {
      if (str(existing, "checksum") !== checksum) {
        throw new MoatError("ERR_INTEGRITY", {
          message: `migration ${m.module} v${String(m.version)} was applied with different SQL`,
        });
      }
      alreadyApplied++;
      continue;
    }
    for (const statement of statements) await conn.query(statement);
    await execute(
      conn,
      "INSERT INTO moatkit_mysql_migrations (module, version, name, checksum, applied_at) VALUES (?, ?, ?, ?, ?)",
      [m.module, m.version, m.name, checksum, Date.now()],
    );
    applied.push(`${m.module} v${String(m.version)}`);
  }
  return { applied, alreadyApplied };
}

/**
 * Creates moatkit's tables in the pool's current database (MySQL 8.0+ or MariaDB 10.11+, told
 * apart by `VERSION()`). Idempotent: steps recorded in `moatkit_mysql_migrations` are skipped.
 * Concurrent runners (several instances starting together) take turns on a named lock
 * (`GET_LOCK`) for the database, held on one connection for the whole run. A recorded step whose
 * SQL has since changed throws ERR_INTEGRITY. The connection must run with strict `sql_mode`.
 *
 * @throws MoatError ERR_CONFIG for a pool that is not one, or a server without strict mode;
 *   ERR_STORE when the server refuses (no CREATE privilege, lock wait timed out).
 * @example
 * ```ts
 * import mysql from "mysql2/promise";
 * import { migrateMysql } from "moatkit/adapters/mysql";
 * const pool = mysql.createPool(process.env.MYSQL_URL!);
 * await migrateMysql(pool);
 * ```
 */
export async function migrateMysql(
  pool: MysqlPoolLike,
  options: MysqlMigrateOptions = {},
): Promise<MysqlMigrationRunResult> {
  if (!isMysqlPool(pool)) {
    throw new MoatError("ERR_CONFIG", { message: "migrateMysql needs a mysql2/promise pool" });
  }
  assertKnownKeys(options, knownKeys<MysqlMigrateOptions>({ migrations: true }), "migrateMysql options");
  const migrations = options.migrations ?? moatkitMysqlMigrations;
  validate(migrations);
  return storeCall("mysql", "migrateMysql", async () => {
    const conn = await pool.getConnection();
    try {
      // Lock names are server-wide; the database's SHA-1 keeps runners of other databases apart
      // and the name under 64 characters.
      const lock = await selectOne(conn, "SELECT GET_LOCK(CONCAT('moatkit_migrate:', SHA1(DATABASE())), ?) AS got", [
        LOCK_WAIT_SECONDS,
      ]);
      if (lock === null || Number(lock["got"]) !== 1) {
        throw new MoatError("ERR_STORE", { message: "migrateMysql could not take the migration lock in time" });
      }
      try {
        const dialect = await detectDialect(conn);
        return { dialect, ...(await applyAll(conn, migrations, dialect)) };
      } finally {
        await conn.query("SELECT RELEASE_LOCK(CONCAT('moatkit_migrate:', SHA1(DATABASE())))");
      }
    } finally {
      conn.release();
    }
  });
}

function sqlLiteral(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/**
 * The SQL {@link migrateMysql} would run for `dialect`, as one script, for teams that apply
 * schema changes with their own tool. It also records each step in `moatkit_mysql_migrations`,
 * so a later `migrateMysql` recognises them as applied.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * writeFileSync("migrations/20260101_moatkit.sql", getMysqlMigrationSql("mariadb"));
 * ```
 */
export function getMysqlMigrationSql(dialect: MysqlDialect, options: MysqlMigrateOptions = {}): string {
  // Typed callers cannot pass anything else; JavaScript callers can.
  const given: unknown = dialect;
  if (given !== "mysql" && given !== "mariadb") {
    throw new MoatError("ERR_CONFIG", { message: 'getMysqlMigrationSql: dialect must be "mysql" or "mariadb"' });
  }
  assertKnownKeys(options, knownKeys<MysqlMigrateOptions>({ migrations: true }), "getMysqlMigrationSql options");
  const migrations = options.migrations ?? moatkitMysqlMigrations;
  validate(migrations);
  const parts = [`-- moatkit schema (${dialect})`, `${TABLE_SQL};`];
  for (const m of migrations) {
    const statements = m.statements(dialect);
    parts.push(
      `-- ${m.module} v${String(m.version)}: ${m.name.replaceAll("\n", " ")}`,
      ...statements.map((s) => `${s};`),
      `INSERT IGNORE INTO moatkit_mysql_migrations (module, version, name, checksum, applied_at) VALUES (${sqlLiteral(m.module)}, ${String(m.version)}, ${sqlLiteral(m.name)}, ${sqlLiteral(checksumOf(statements))}, 0);`,
    );
  }
  return `${parts.join("\n\n")}\n`;
}
