/**
 * RLS policy cost: a 1,000-row select (one tenant of 20 in a 20,000-row table, no index, so
 * every row is checked) under the policy rlsPolicySql generates, against the same policy
 * without the `(SELECT …)` wrapping around current_setting, which Postgres then evaluates per
 * row (docs/design.md cites ~11× for Supabase's auth.uid()). Also the same select with no RLS and an
 * explicit WHERE, and whole withTenantTransaction round trips. PGlite always; real Postgres too
 * when DATABASE_URL is set.
 */
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { fromPglite, type SqlClient } from "../src/adapters/postgres/index.js";
import { createTenantRls, rlsPolicySql, type TenantRls } from "../src/tenant/index.js";
import { type BenchGroup, defineBenchSuite } from "./harness.js";
import { openBenchDatabase } from "./postgres.js";

const TENANTS = 20;
const ROWS_PER_TENANT = 1_000;
const ctx = { tenantId: "tenant_07", userId: "bench" };

/** A raw connection kept in one open transaction, as the app role with the tenant set. */
interface Session {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

interface Backend {
  readonly name: string;
  readonly role: string;
  readonly client: SqlClient;
  readonly rls: TenantRls;
  readonly session: Session;
  close(): Promise<void>;
}

async function prepare(client: SqlClient, schema: string, role: string): Promise<void> {
  await client.exec(`CREATE ROLE ${role} NOLOGIN;
    CREATE TABLE ${schema}.notes_wrapped (id serial PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL);
    CREATE TABLE ${schema}.notes_unwrapped (LIKE ${schema}.notes_wrapped INCLUDING ALL);
    CREATE TABLE ${schema}.notes_plain (LIKE ${schema}.notes_wrapped INCLUDING ALL);`);
  await client.exec(rlsPolicySql({ schema, table: "notes_wrapped" }));
  // The same predicate, minus the scalar subquery.
  await client.exec(`ALTER TABLE ${schema}.notes_unwrapped ENABLE ROW LEVEL SECURITY; ALTER TABLE ${schema}.notes_unwrapped FORCE ROW LEVEL SECURITY;
    CREATE POLICY per_row ON ${schema}.notes_unwrapped USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::text)
      WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::text);`);
  for (const t of ["notes_wrapped", "notes_unwrapped", "notes_plain"]) {
    await client.query(
      `INSERT INTO ${schema}.${t} (tenant_id, body) SELECT 'tenant_' || lpad((g % ${String(TENANTS)})::text, 2, '0'), md5(g::text) FROM generate_series(1, $1::int) g`,
      [TENANTS * ROWS_PER_TENANT],
    );
  }
  await client.exec(
    `GRANT USAGE ON SCHEMA ${schema} TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}; ANALYZE;`,
  );
}

async function openSession(session: Session, role: string): Promise<void> {
  await session.query("BEGIN");
  await session.query(`SET LOCAL ROLE ${role}`);
  await session.query("SELECT set_config('app.tenant_id', $1, true)", [ctx.tenantId]);
}

async function pgliteBackend(): Promise<Backend> {
  const db = await PGlite.create();
  const client = fromPglite(db);
  const role = "bench_app";
  await prepare(client, "public", role);
  // The session is a transaction opened on the same instance by raw queries; the round-trip
  // group runs only after it is closed, since PGlite has one connection.
  return {
    name: "pglite",
    role,
    client,
    rls: createTenantRls({ appRole: role }),
    session: { query: (text, params) => db.query(text, params) },
    close: () => db.close(),
  };
}

async function postgresBackend(url: string): Promise<Backend> {
  const role = `mk_bench_${randomBytes(5).toString("hex")}`;
  const db = await openBenchDatabase({ url, max: 2 });
  const { client, schema, pool } = db;
  if (pool === undefined) throw new Error("expected a PostgreSQL bench database");
  await prepare(client, schema, role);
  const held = await pool.connect();
  return {
    name: "postgres",
    role,
    client,
    rls: createTenantRls({ appRole: role }),
    session: { query: (text, params) => held.query(text, params) },
    async close() {
      await held.query("ROLLBACK").catch(() => undefined);
      held.release();
      await client.exec(`DROP OWNED BY ${role}; DROP ROLE ${role};`);
      await db.close();
    },
  };
}

const backends: Backend[] = [];

function groupsFor(index: number, name: string): BenchGroup[] {
  const b = (): Backend => {
    const backend = backends[index];
    if (backend === undefined) throw new Error(`bench backend ${name} was not set up`);
    return backend;
  };
  const select =
    (table: string, where = "") =>
    async () => {
      await b().session.query(`SELECT * FROM ${table}${where}`, where === "" ? [] : [ctx.tenantId]);
    };
  return [
    {
      name: `${name}: 1,000-row select under RLS (one open transaction)`,
      baseline: "policy without (select …) wrapping",
      tasks: {
        "policy without (select …) wrapping": select("notes_unwrapped"),
        "rlsPolicySql policy (wrapped)": select("notes_wrapped"),
        "no RLS, explicit WHERE": select("notes_plain", " WHERE tenant_id = $1"),
      },
      targets: [{ task: "rlsPolicySql policy (wrapped)", minRatio: 1 }],
    },
    {
      name: `${name}: withTenantTransaction round trip with a 1,000-row select`,
      baseline: "policy without (select …) wrapping",
      tasks: {
        "policy without (select …) wrapping": () =>
          b().rls.withTenantTransaction(b().client, ctx, (tx) => tx.query("SELECT * FROM notes_unwrapped")),
        "rlsPolicySql policy (wrapped)": () =>
          b().rls.withTenantTransaction(b().client, ctx, (tx) => tx.query("SELECT * FROM notes_wrapped")),
      },
      targets: [{ task: "rlsPolicySql policy (wrapped)", minRatio: 1 }],
    },
  ];
}

const url = process.env.DATABASE_URL;
const names = url === undefined || url === "" ? ["pglite"] : ["pglite", "postgres"];

// The select groups need the open session; the round-trip groups need it closed (PGlite has
// one connection). Each backend's session is opened in setup and closed by a metrics step.
const groups: BenchGroup[] = [];
names.forEach((name, i) => {
  const [selectGroup, roundTrip] = groupsFor(i, name);
  if (selectGroup !== undefined) groups.push(selectGroup);
  groups.push({
    kind: "metrics",
    name: `${name}: rows visible per select`,
    higherIsBetter: true,
    async run() {
      const backend = backends[i];
      if (backend === undefined) throw new Error(`bench backend ${name} was not set up`);
      const count = async (table: string) => {
        const r = (await backend.session.query(`SELECT count(*)::int AS n FROM ${table}`)) as { rows: { n: number }[] };
        return r.rows[0]?.n ?? 0;
      };
      const metrics = [
        { task: "rlsPolicySql policy (wrapped)", value: await count("notes_wrapped"), unit: "rows" },
        { task: "policy without (select …) wrapping", value: await count("notes_unwrapped"), unit: "rows" },
      ];
      await backend.session.query("COMMIT");
      return metrics;
    },
  });
  if (roundTrip !== undefined) groups.push(roundTrip);
});

export default defineBenchSuite({
  title: "tenant RLS policies",
  async setup() {
    backends.push(await pgliteBackend());
    if (url !== undefined && url !== "") backends.push(await postgresBackend(url));
    for (const backend of backends) await openSession(backend.session, backend.role);
  },
  async teardown() {
    for (const backend of backends) await backend.close();
  },
  groups,
});
