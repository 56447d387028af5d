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
  close(): Promise<void>;
}

export async function openBenchDatabase(options: { max?: number } = {}): Promise<BenchDatabase> {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === "") {
    const db = await PGlite.create();
    return { kind: "PGlite", client: fromPglite(db), close: () => db.close() };
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
    async close() {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}
