/**
 * The README's tenant isolation example, run as written on PGlite: policies, the linter, a
 * tenant transaction and an audited admin transaction. The database holds the audit log's tables
 * (the example writes to it) and the example's `invoices` table and `app_user` role.
 * PGlite only: the example's role name is fixed, and roles are global on a shared server.
 *
 * Only the audit migrations are applied: `moatkit_api_keys` has a `tenant_id` column and no RLS
 * (keys are looked up before a tenant is known), so after a full `migrate()` `checkRls` on the
 * same schema reports it.
 */
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromPglite, migrate, moatkitMigrations, type SqlClient } from "../../src/adapters/postgres/index.js";
import type { AuditLog } from "../../src/audit/index.js";
import { extractSnippets } from "./snippets.js";
import { runSnippet, snippetModule } from "./run-snippet.js";

const TENANT_A = "0b7e0a4c-6a53-4f7e-9a8e-1f0a8d1b2c3d";
const TENANT_B = "5d2c4e1f-8b9a-4c3d-a2e1-6f7a8b9c0d1e";

const example = extractSnippets("README.md").find(
  (s) => s.heading === "Tenant isolation" && s.code.includes("createTenantRls"),
);

describe("README: the tenant isolation example runs", () => {
  let pglite: PGlite;
  let db: SqlClient;
  beforeAll(async () => {
    pglite = await PGlite.create();
    db = fromPglite(pglite);
    await migrate(db, { migrations: moatkitMigrations.filter((m) => m.module === "audit") });
    await db.exec(`
      CREATE ROLE app_user NOLOGIN;
      CREATE TABLE invoices (id serial PRIMARY KEY, tenant_id uuid NOT NULL, amount_cents integer NOT NULL);
      GRANT SELECT, INSERT, UPDATE, DELETE ON invoices TO app_user;
      GRANT USAGE ON SEQUENCE invoices_id_seq TO app_user;
      INSERT INTO invoices (tenant_id, amount_cents) VALUES ('${TENANT_A}', 1200), ('${TENANT_A}', 800), ('${TENANT_B}', 5000);`);
  }, 60_000);
  afterAll(async () => {
    await pglite.close();
  });

  it("is found, needs db and auth, and defines what the README says", () => {
    expect(example, "the README's tenant example").toBeDefined();
    const { inputs, outputs } = snippetModule(example!);
    expect(inputs).toEqual(["db", "auth"]);
    expect(outputs).toEqual(expect.arrayContaining(["report", "auditLog", "rls", "invoices", "total"]));
  });

  it("isolates the tenant, passes the linter and records admin access before granting it", async () => {
    const out = await runSnippet(example!, { db, auth: { orgId: TENANT_A, userId: "user_1" } });
    expect((out.report as { ok: boolean }).ok).toBe(true);
    const invoices = out.invoices as { tenant_id: string; amount_cents: number }[];
    expect(invoices.map((r) => [r.tenant_id, r.amount_cents])).toEqual([
      [TENANT_A, 1200],
      [TENANT_A, 800],
    ]);
    expect(out.total).toBe(3);
    const page = await (out.auditLog as AuditLog).query({ orgId: "platform", limit: 10 });
    expect(
      page.events.map((e) => ({ action: e.action, actor: e.actor, target: e.target, metadata: e.metadata })),
    ).toEqual([
      {
        action: "tenant.admin_access",
        actor: { userId: "staff_7" },
        target: { type: "tenant", id: "*" },
        metadata: { reason: "ticket 4711" },
      },
    ]);
    expect((await (out.auditLog as AuditLog).verify({ orgId: "platform" })).ok).toBe(true);
  }, 60_000);
});
