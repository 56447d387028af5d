/**
 * Tenant isolation with Postgres row-level security, on PGlite: policies from `rlsPolicySql`,
 * the linter `moatkit rls check` runs (`checkRls`), and tenant transactions that cannot see or
 * write another tenant's rows.
 *
 *   npx tsx examples/tenant-rls.ts
 */
import { PGlite } from "@electric-sql/pglite";
import { fromPglite, type SqlClient } from "moatkit/adapters/postgres";
import { checkRls, createTenantRls, formatRlsReport, rlsPolicySql } from "moatkit/tenant";

const pglite = await PGlite.create();
try {
  const db = fromPglite(pglite);
  await db.exec(`
    CREATE ROLE app_user NOLOGIN;
    CREATE TABLE invoices (id serial PRIMARY KEY, tenant_id text NOT NULL, amount_cents integer NOT NULL);
    GRANT SELECT, INSERT ON invoices TO app_user;
    GRANT USAGE ON SEQUENCE invoices_id_seq TO app_user;`);

  // Before: the linter finds the table unprotected (exit 1 for `moatkit rls check`).
  const before = await checkRls(db, { appRole: "app_user" });
  console.log(formatRlsReport(before));
  if (before.ok) throw new Error("expected findings before the policy");

  // The fix: forced RLS and a policy reading the tenant setting.
  await db.exec(rlsPolicySql({ table: "invoices" }));
  const after = await checkRls(db, { appRole: "app_user" });
  console.log(formatRlsReport(after));
  if (!after.ok) throw new Error("the policy did not satisfy the linter");

  const rls = createTenantRls({ appRole: "app_user" });
  const bill = (cents: number) => (tx: SqlClient) =>
    tx.query("INSERT INTO invoices (tenant_id, amount_cents) VALUES (current_setting('app.tenant_id', true), $1)", [
      cents,
    ]);
  await rls.withTenantTransaction(db, { tenantId: "acme", userId: "alice" }, bill(1200));
  await rls.withTenantTransaction(db, { tenantId: "globex", userId: "bob" }, bill(9900));

  const total = (tx: SqlClient) =>
    tx.query<{ n: number }>("SELECT count(*)::int AS n FROM invoices").then((r) => r.rows[0]?.n ?? 0);
  const acme = await rls.withTenantTransaction(db, { tenantId: "acme", userId: "alice" }, total);
  console.log(`acme sees ${String(acme)} invoice(s)`);
  if (acme !== 1) throw new Error("acme saw another tenant's rows");

  const planted = await rls
    .withTenantTransaction(db, { tenantId: "acme", userId: "alice" }, (tx) =>
      tx.query("INSERT INTO invoices (tenant_id, amount_cents) VALUES ('globex', 1)"),
    )
    .then(
      () => "accepted",
      () => "refused",
    );
  console.log(`acme writing a globex invoice: ${planted}`);
  if (planted !== "refused") throw new Error("a cross-tenant write went through");
} finally {
  await pglite.close();
}
