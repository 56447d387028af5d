/**
 * Roles for tenant tests. Roles are cluster-global on a real server that other test processes
 * share, so every role gets a random name and is dropped (with what it owns and was granted)
 * when the file is done. On PGlite each handle is its own cluster.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { fromPgPool, type SqlClient } from "../../src/adapters/postgres/index.js";
import type { PostgresHandle } from "../helpers/postgres.js";

export interface TestRole {
  readonly name: string;
  drop(): Promise<void>;
}

/** Creates a NOLOGIN role with a unique name; `attributes` e.g. "BYPASSRLS" or "SUPERUSER". */
export async function createTestRole(db: PostgresHandle, prefix = "mk_app", attributes = ""): Promise<TestRole> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await db.client.exec(`CREATE ROLE ${name} NOLOGIN ${attributes}`);
  return {
    name,
    async drop() {
      await db.client.exec(`DROP OWNED BY ${name} CASCADE; DROP ROLE IF EXISTS ${name};`);
    },
  };
}

/** Lets `role` use the handle's schema and read/write every table and sequence in it. */
export async function grantTables(db: PostgresHandle, role: string): Promise<void> {
  await db.client.exec(
    `GRANT USAGE ON SCHEMA ${db.schema} TO ${role};
     GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${db.schema} TO ${role};
     GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${db.schema} TO ${role};`,
  );
}

/**
 * A client whose every query and transaction uses one and the same connection, for tests of
 * what a connection carries from one transaction to the next. PGlite is one connection already.
 */
export async function singleConnection(db: PostgresHandle): Promise<{ client: SqlClient; close(): Promise<void> }> {
  if (db.kind === "pglite") return { client: db.client, close: async () => {} };
  const pool = new pg.Pool({ connectionString: db.connectionString, max: 1 });
  return { client: fromPgPool(pool), close: () => pool.end() };
}

/** Runs `fn` with a {@link singleConnection} and closes it afterwards. */
export async function onOneConnection<T>(db: PostgresHandle, fn: (client: SqlClient) => Promise<T>): Promise<T> {
  const conn = await singleConnection(db);
  try {
    return await fn(conn.client);
  } finally {
    await conn.close();
  }
}

/** A driver error's SQLSTATE. */
export function sqlStateOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}

/** The SQLSTATE a promise rejects with, or `undefined` if it resolves. */
export function rejectionState(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (err: unknown) => sqlStateOf(err),
  );
}
