import { createHash } from "node:crypto";
import { MoatError } from "../../errors.js";
import { moatkitMigrations } from "./migrations.js";
import type { SqlClient } from "../../sql/sql-client.js";
import { assertKnownKeys, knownKeys } from "../../_internal/options.js";

/** One versioned step of a module's schema. */
export interface Migration {
  /** The module that owns the step, e.g. `"apikeys"` (lower-case letters, digits, `_`). */
  readonly module: string;
  /** 1, 2, 3 … within the module; applied in ascending order. */
  readonly version: number;
  /** A short description, recorded with the step. */
  readonly name: string;
  /** The SQL script; it may contain several statements and must not contain parameters. */
  readonly sql: string;
}

/** A step {@link migrate} applied. */
export interface AppliedMigration {
  /** The module that owns the step. */
  readonly module: string;
  /** The step's version within its module. */
  readonly version: number;
  /** The step's description. */
  readonly name: string;
}

/** What {@link migrate} did. */
export interface MigrationRunResult {
  /** Steps applied by this call, in order. */
  readonly applied: readonly AppliedMigration[];
  /** Steps found already applied (by this or an earlier run, or a concurrent runner). */
  readonly alreadyApplied: number;
}

/** Options for {@link migrate} and {@link getMigrationSql}. */
export interface MigrateOptions {
  /** The steps to apply; defaults to every moatkit module's ({@link moatkitMigrations}). */
  readonly migrations?: readonly Migration[];
}

// Every runner, in every process, takes this transaction-scoped advisory lock before it looks at
// or changes the schema, so two runners starting at once apply each step exactly once.
// The value is "moatkit" in ASCII, read as an integer.
const LOCK_KEY = "30792318519364980";

const TABLE_SQL = `CREATE TABLE IF NOT EXISTS moatkit_migrations (
  module text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (module, version)
);`;

const MODULE_RE = /^[a-z][a-z0-9_]{0,62}$/;

function checksumOf(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

function validate(migrations: readonly Migration[]): void {
  const last = new Map<string, number>();
  for (const m of migrations) {
    if (!MODULE_RE.test(m.module) || !Number.isSafeInteger(m.version) || m.version < 1) {
      throw new MoatError("ERR_CONFIG", { message: "migration needs a module name and a positive version" });
    }
    if (typeof m.sql !== "string" || m.sql.trim() === "" || typeof m.name !== "string") {
      throw new MoatError("ERR_CONFIG", { message: `migration ${m.module} v${String(m.version)} has no SQL` });
    }
    const previous = last.get(m.module) ?? 0;
    if (m.version <= previous) {
      throw new MoatError("ERR_CONFIG", {
        message: `migrations of ${m.module} must be listed once each in ascending version order`,
      });
    }
    last.set(m.module, m.version);
  }
}

/**
 * Applies moatkit's schema (or the given steps) to a database. Idempotent: steps already
 * recorded in `moatkit_migrations` are skipped. Each step runs in its own transaction under a
 * Postgres advisory lock, so concurrent runners (several app instances starting together) are
 * safe. A recorded step whose SQL has since changed throws ERR_INTEGRITY rather than being
 * silently skipped.
 *
 * @example
 * ```ts
 * import { PGlite } from "@electric-sql/pglite";
 * import { fromPglite, migrate } from "moatkit/adapters/postgres";
 * const { applied } = await migrate(fromPglite(new PGlite()));
 * ```
 */
export async function migrate(client: SqlClient, options: MigrateOptions = {}): Promise<MigrationRunResult> {
  assertKnownKeys(options, knownKeys<MigrateOptions>({ migrations: true }), "migrate options");
  const migrations = options.migrations ?? moatkitMigrations;
  validate(migrations);
  await client.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1::bigint)", [LOCK_KEY]);
    await tx.exec(TABLE_SQL);
  });

  const applied: AppliedMigration[] = [];
  let alreadyApplied = 0;
  for (const m of migrations) {
    const checksum = checksumOf(m.sql);
    const ran = await client.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1::bigint)", [LOCK_KEY]);
      const existing = await tx.query<{ checksum: string }>(
        "SELECT checksum FROM moatkit_migrations WHERE module = $1 AND version = $2",
        [m.module, m.version],
      );
      const row = existing.rows[0];
      if (row !== undefined) {
        if (row.checksum !== checksum) {
          throw new MoatError("ERR_INTEGRITY", {
            message: `migration ${m.module} v${String(m.version)} was applied with different SQL`,
          });
        }
        return false;
      }
      await tx.exec(m.sql);
      await tx.query("INSERT INTO moatkit_migrations (module, version, name, checksum) VALUES ($1, $2, $3, $4)", [
        m.module,
        m.version,
        m.name,
        checksum,
      ]);
      return true;
    });
    if (ran) applied.push({ module: m.module, version: m.version, name: m.name });
    else alreadyApplied++;
  }
  return { applied, alreadyApplied };
}

function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The SQL {@link migrate} would run, as one script, for teams that apply schema changes with
 * their own migration tool. The script also records each step in `moatkit_migrations`, so a
 * later `migrate()` call recognises them as applied.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * writeFileSync("migrations/20260101_moatkit.sql", getMigrationSql());
 * ```
 */
export function getMigrationSql(options: MigrateOptions = {}): string {
  assertKnownKeys(options, knownKeys<MigrateOptions>({ migrations: true }), "getMigrationSql options");
  const migrations = options.migrations ?? moatkitMigrations;
  validate(migrations);
  const parts = ["-- moatkit schema", TABLE_SQL];
  for (const m of migrations) {
    parts.push(
      `-- ${m.module} v${String(m.version)}: ${m.name.replaceAll("\n", " ")}`,
      m.sql.trim(),
      `INSERT INTO moatkit_migrations (module, version, name, checksum) VALUES (${sqlLiteral(m.module)}, ${String(m.version)}, ${sqlLiteral(m.name)}, ${sqlLiteral(checksumOf(m.sql))}) ON CONFLICT DO NOTHING;`,
    );
  }
  return `${parts.join("\n\n")}\n`;
}
