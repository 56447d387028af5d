/**
 * One helper for every Postgres-backed test: `describePostgres` registers the same tests once
 * per available backend — PGlite always, real Postgres when DATABASE_URL is set — and each
 * `connect()` gives an isolated database (a fresh PGlite instance, or a fresh schema on the
 * server with its own pool whose search_path points at it).
 *
 * A PGlite handle costs about 0.7 s to make: open one per describe block (beforeAll) and give
 * each test its own ids, rather than one per test, unless the test needs an empty database.
 */
import { randomBytes } from "node:crypto";
import { PGlite, type PGliteInterface } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { fromPgPool, fromPglite, migrate, type SqlClient } from "../../src/adapters/postgres/index.js";
import { describeUrl, describeWithoutService, envUrl } from "./services.js";

export type PostgresKind = "pglite" | "postgres";

export interface PostgresHandle {
  readonly kind: PostgresKind;
  /** The SqlClient under test. */
  readonly client: SqlClient;
  /** The pg.Pool behind `client` (real Postgres only). */
  readonly pool?: pg.Pool;
  /** The PGlite instance behind `client` (PGlite only). */
  readonly pglite?: PGliteInterface;
  /** The schema this handle's tables live in. */
  readonly schema: string;
  /** A connection string whose connections use this handle's schema (real Postgres only). */
  readonly connectionString?: string;
  /** Drops the schema / closes the database. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Pool size for real Postgres (default 10). */
  readonly max?: number;
  /**
   * The isolation level every transaction and statement of the handle runs at (real Postgres
   * only; PGlite stays at READ COMMITTED). Directly, a startup `options=-c
   * default_transaction_isolation=…`; through a pooler, which refuses startup options, the
   * handle's own database gets it as a server-side default (`ALTER DATABASE … SET`).
   */
  readonly isolationLevel?: string;
}

/** `read committed` as a setting value; only letters and spaces are accepted. */
function isolationValue(level: string): string {
  if (!/^[a-z ]+$/.test(level)) throw new Error(`not an isolation level: ${level}`);
  return level;
}

export interface PostgresTarget {
  readonly kind: PostgresKind;
  connect(options?: ConnectOptions): Promise<PostgresHandle>;
}

// A fresh PGlite runs initdb (over a second); cloning an initialised one takes about half that.
// Each test process keeps one template and hands out clones.
let template: Promise<PGlite> | undefined;

async function warmPglite(): Promise<void> {
  template ??= PGlite.create();
  await template;
}

async function connectPglite(): Promise<PostgresHandle> {
  template ??= PGlite.create();
  const db = await (await template).clone();
  return {
    kind: "pglite",
    client: fromPglite(db),
    pglite: db,
    schema: "public",
    close: () => db.close(),
  };
}

/**
 * Behind PgBouncer in transaction pooling (MOATKIT_PG_POOLER=transaction, set by .ci/run for its
 * PgBouncer run), the startup `options=-c search_path=…` a per-schema handle relies on is not
 * passed to the server (PgBouncer 1.18 refuses or ignores it), and a session-level SET would
 * land on whichever server connection ran it. So each handle gets its own database instead,
 * reached through the pooler by name, with its tables in `public`.
 */
async function connectThroughPooler(url: string, options: ConnectOptions): Promise<PostgresHandle> {
  const database = `mk_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL at ${describeUrl(url)} is not answering (DATABASE_URL)`, { cause: err });
  }
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    if (options.isolationLevel !== undefined) {
      // A per-database default reaches every server connection PgBouncer opens to it.
      await admin.query(
        `ALTER DATABASE ${database} SET default_transaction_isolation = '${isolationValue(options.isolationLevel)}'`,
      );
    }
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${database}`;
  const connectionString = target.toString();
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  return {
    kind: "postgres",
    client: fromPgPool(pool),
    pool,
    schema: "public",
    connectionString,
    async close() {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      try {
        // FORCE: the pooler keeps idle server connections to the database open.
        await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

async function connectPostgres(url: string, options: ConnectOptions): Promise<PostgresHandle> {
  if (process.env.MOATKIT_PG_POOLER === "transaction") return connectThroughPooler(url, options);
  const schema = `mk_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL at ${describeUrl(url)} is not answering (DATABASE_URL)`, { cause: err });
  }
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const withSchema = new URL(url);
  const isolation =
    options.isolationLevel === undefined
      ? ""
      : ` -c default_transaction_isolation=${isolationValue(options.isolationLevel).replace(" ", "\\ ")}`;
  withSchema.searchParams.set("options", `-c search_path=${schema}${isolation}`);
  const connectionString = withSchema.toString();
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  return {
    kind: "postgres",
    client: fromPgPool(pool),
    pool,
    schema,
    connectionString,
    async close() {
      await pool.end();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** The Postgres backends available to this run. */
export function postgresTargets(): PostgresTarget[] {
  const targets: PostgresTarget[] = [{ kind: "pglite", connect: () => connectPglite() }];
  const url = envUrl("DATABASE_URL");
  if (url !== undefined) targets.push({ kind: "postgres", connect: (o = {}) => connectPostgres(url, o) });
  return targets;
}

/**
 * Registers `body` once per Postgres backend, inside `describe("<name> [<kind>]")`.
 * When DATABASE_URL is missing and MOATKIT_REQUIRE_SERVICES=1, registers a failing test that
 * names PostgreSQL instead of silently running on PGlite alone.
 */
export function describePostgres(name: string, body: (target: PostgresTarget) => void): void {
  for (const target of postgresTargets()) {
    describe(`${name} [${target.kind}]`, () => {
      // Make the PGlite template (initdb) in a hook, under the hook timeout: on a loaded machine it
      // can take longer than a test's 5 s, which would fail whichever test connects first.
      if (target.kind === "pglite") beforeAll(warmPglite);
      body(target);
    });
  }
  if (envUrl("DATABASE_URL") === undefined) describeWithoutService(`${name} [postgres]`, "PostgreSQL", "DATABASE_URL");
}

/**
 * Registers beforeAll/afterAll hooks that open one database for the enclosing describe block and
 * apply moatkit's migrations to it; the returned function gives its handle inside tests.
 */
export function useMigratedHandle(target: PostgresTarget, options: ConnectOptions = {}): () => PostgresHandle {
  let handle: PostgresHandle | undefined;
  beforeAll(async () => {
    handle = await target.connect(options);
    await migrate(handle.client);
  });
  afterAll(async () => {
    await handle?.close();
  });
  return () => {
    if (handle === undefined) throw new Error("database used before beforeAll connected it");
    return handle;
  };
}

/** {@link useMigratedHandle}, giving the handle's client. */
export function useMigratedDatabase(target: PostgresTarget, options: ConnectOptions = {}): () => SqlClient {
  const handle = useMigratedHandle(target, options);
  return () => handle().client;
}
