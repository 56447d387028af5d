/**
 * docs/design.md: session `SET` leaks across pooled connections; only `SET LOCAL` / `set_config(…, true)`
 * inside a transaction is safe. 200 transactions for 20 tenants share a pool of 2 connections
 * (PGlite: its single connection), so every connection serves many tenants in turn.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTenantRls, rlsPolicySql, type TenantRls } from "../../src/tenant/index.js";
import { describePostgres, type PostgresHandle } from "../helpers/postgres.js";
import { createTestRole, grantTables, type TestRole } from "./helpers.js";

/** A pg client or a SqlClient: both answer `query(text)` with `{ rows }`. */
interface Querier {
  query(text: string): Promise<{ rows: unknown[] }>;
}

const TENANTS = 20;
const TRANSACTIONS = 200;
const tenantName = (i: number): string => `tenant_${String(i).padStart(2, "0")}`;

describePostgres("tenant RLS over a pooled connection", (target) => {
  let db: PostgresHandle;
  let app: TestRole;
  let rls: TenantRls;

  beforeAll(async () => {
    db = await target.connect({ max: 2 });
    app = await createTestRole(db);
    await db.client.exec("CREATE TABLE items (id serial PRIMARY KEY, tenant_id text NOT NULL, label text NOT NULL)");
    await db.client.exec(rlsPolicySql({ table: "items" }));
    await grantTables(db, app.name);
    // Tenant i starts with i + 1 rows, so a leak shows up as a wrong count as well as a wrong id.
    for (let i = 0; i < TENANTS; i++) {
      await db.client.query(
        "INSERT INTO items (tenant_id, label) SELECT $1, 'seed ' || g FROM generate_series(1, $2::int) g",
        [tenantName(i), i + 1],
      );
    }
    rls = createTenantRls({ appRole: app.name });
  });

  afterAll(async () => {
    await app.drop();
    await db.close();
  });

  it("runs 200 concurrent transactions for 20 tenants, each seeing only its own rows, and leaves no tenant on the connections", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: TRANSACTIONS }, (_, k) => {
        const tenantId = tenantName(k % TENANTS);
        return rls.withTenantTransaction(db.client, { tenantId, userId: `user_${String(k)}` }, async (tx) => {
          await tx.query("INSERT INTO items (tenant_id, label) VALUES ($1, $2)", [tenantId, `tx ${String(k)}`]);
          const { rows } = await tx.query<{ tenant_id: string }>("SELECT tenant_id FROM items");
          const setting = (await tx.query<{ v: string }>("SELECT current_setting('app.tenant_id', true) AS v")).rows[0]
            ?.v;
          return { tenantId, seen: rows.map((r) => r.tenant_id), setting };
        });
      }),
    );
    for (const { tenantId, seen, setting } of outcomes) {
      expect(setting).toBe(tenantId);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((t) => t !== tenantId)).toEqual([]);
    }
    // Every insert landed with its own tenant: tenant i now has i + 1 + 10 rows.
    const { rows } = await db.client.query<{ tenant_id: string; n: number }>(
      "SELECT tenant_id, count(*)::int AS n FROM items GROUP BY tenant_id ORDER BY tenant_id",
    );
    expect(rows).toEqual(
      Array.from({ length: TENANTS }, (_, i) => ({ tenant_id: tenantName(i), n: i + 1 + TRANSACTIONS / TENANTS })),
    );

    const connections: { client: Querier; release(): void }[] = [];
    if (db.pool !== undefined) {
      expect(db.pool.totalCount).toBeLessThanOrEqual(2);
      // Check out both connections at once, so each one is inspected.
      for (const c of await Promise.all([db.pool.connect(), db.pool.connect()])) {
        connections.push({
          client: c,
          release: () => {
            c.release();
          },
        });
      }
    } else {
      connections.push({ client: db.client, release: () => {} });
    }
    try {
      for (const { client } of connections) {
        const plain = (
          await client.query(
            "SELECT current_setting('app.tenant_id', true) AS tenant, current_setting('app.user_id', true) AS user_id, current_user AS who",
          )
        ).rows[0] as { tenant: string | null; user_id: string | null; who: string } | undefined;
        expect([null, ""]).toContain(plain?.tenant);
        expect([null, ""]).toContain(plain?.user_id);
        expect(plain?.who).not.toBe(app.name);
        // And the app role on this connection, with no tenant set, sees nothing.
        await client.query("BEGIN");
        await client.query(`SET LOCAL ROLE ${app.name}`);
        const visible = (
          (await client.query("SELECT count(*)::int AS n FROM items")).rows[0] as { n: number } | undefined
        )?.n;
        await client.query("ROLLBACK");
        expect(visible).toBe(0);
      }
    } finally {
      for (const c of connections) c.release();
    }
  }, 120_000);
});
