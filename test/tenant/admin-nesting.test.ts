/**
 * Issue 17, item 5: `withAdminAccess` called on a client that is already inside a transaction used
 * to open a savepoint whose `SET LOCAL` admin flag outlived the block, so the rest of the outer
 * (tenant) transaction saw and could delete every tenant's rows. It must refuse such a client.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SqlClient } from "../../src/adapters/postgres/index.js";
import { type AdminAccessEvent, createTenantRls, rlsPolicySql, type TenantRls } from "../../src/tenant/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, type PostgresHandle } from "../helpers/postgres.js";
import { createTestRole, grantTables, type TestRole } from "./helpers.js";

const DB_TIMEOUT = 30_000;
const A = { tenantId: "tenant_a", userId: "user_a" } as const;
const B = { tenantId: "tenant_b", userId: "user_b" } as const;

async function bodies(tx: SqlClient): Promise<string[]> {
  const { rows } = await tx.query<{ body: string }>("SELECT body FROM notes ORDER BY body");
  return rows.map((r) => r.body);
}

describePostgres("withAdminAccess inside an open transaction", (target) => {
  let db: PostgresHandle;
  let app: TestRole;
  let rls: TenantRls;
  const audits: AdminAccessEvent[] = [];

  beforeAll(async () => {
    db = await target.connect({ max: 3 });
    app = await createTestRole(db);
    await db.client.exec("CREATE TABLE notes (id serial PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL);");
    await db.client.exec(rlsPolicySql({ table: "notes", adminSetting: "app.admin" }));
    await grantTables(db, app.name);
    await db.client.query("INSERT INTO notes (tenant_id, body) VALUES ($1, 'a1'), ($2, 'b1')", [
      A.tenantId,
      B.tenantId,
    ]);
    rls = createTenantRls({ appRole: app.name, onAudit: (e) => void audits.push(e) });
  });

  afterAll(async () => {
    await app.drop();
    await db.close();
  });

  it(
    "refuses a tenant transaction's client, so the admin flag never reaches the rest of that transaction",
    async () => {
      audits.length = 0;
      const seen = await rls.withTenantTransaction(db.client, A, async (tx) => {
        // The attack: open admin access on the tenant transaction's client and carry on after it.
        const nested = rls.withAdminAccess(tx, { actor: "user_a", reason: "nested" }, async () => "ok");
        await expectMoatErrorAsync(nested, "ERR_INVALID_INPUT");
        const visible = await bodies(tx);
        const deleted = await tx.query("DELETE FROM notes WHERE tenant_id = $1", [B.tenantId]);
        return { visible, deleted: deleted.rowCount, flag: await settingOf(tx, "app.admin") };
      });
      expect(seen).toEqual({ visible: ["a1"], deleted: 0, flag: "" });
      // Refused before anything ran: no admin access was recorded.
      expect(audits).toEqual([]);
      expect(await rls.withTenantTransaction(db.client, B, bodies)).toEqual(["b1"]);
    },
    DB_TIMEOUT,
  );

  it(
    "refuses the client of a plain transaction too, and still works on the database itself",
    async () => {
      await db.client.transaction(async (tx) => {
        await expectMoatErrorAsync(
          rls.withAdminAccess(tx, { actor: "staff", reason: "nested" }, bodies),
          "ERR_INVALID_INPUT",
        );
        await tx.transaction(async (sp) => {
          await expectMoatErrorAsync(
            rls.withAdminAccess(sp, { actor: "staff", reason: "nested" }, bodies),
            "ERR_INVALID_INPUT",
          );
        });
      });
      expect(await rls.withAdminAccess(db.client, { actor: "staff", reason: "top level" }, bodies)).toEqual([
        "a1",
        "b1",
      ]);
    },
    DB_TIMEOUT,
  );
});

async function settingOf(client: SqlClient, name: string): Promise<string | null> {
  const { rows } = await client.query<{ v: string | null }>("SELECT current_setting($1, true) AS v", [name]);
  return rows[0]?.v ?? null;
}
