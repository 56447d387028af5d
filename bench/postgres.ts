/**
 * A database for benchmarks: a fresh schema on the server at DATABASE_URL when it is set (its
 * own pool, search_path pointing at it, dropped on close), PGlite otherwise.
 */
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { type SqlClient, fromPgPool, fromPglite } from "../src/adapters/postgres/index.js";

export interface BenchDatabase {
  /** "PostgreSQL" or "PGlite", for task names. */
  readonly kind: string;
  readonly client: SqlClient;
  /** The schema the tables live in. */
  readonly schema: string;
  /** The pool behind `client` (PostgreSQL only), for benches that hold a connection. */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

/**
 * Opens PGlite, or a fresh schema on DATABASE_URL's server when it is set. `url` forces the
 * server (for benches that compare both in one run).
 */
export async function openBenchDatabase(
  options: { max?: number; url?: string | undefined } = {},
): Promise<BenchDatabase> {
  const url = "url" in options ? options.url : process.env.DATABASE_URL;
  if (url === undefined || url === "") {
    const db = await PGlite.create();
    return { kind: "PGlite", client: fromPglite(db), schema: "public", close: () => db.close() };
  }
  const schema = `mk_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const withSchema = new URL(url);
  withSchema.searchParams.set("options", `-c search_path=${schema}`);
  const pool = new pg.Pool({ connectionString: withSchema.toString(), max: options.max ?? 4 });
  return {
    kind: "PostgreSQL",
    client: fromPgPool(pool),
    schema,
    pool,
    async close() {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}
