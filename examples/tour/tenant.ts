import { PGlite } from "@electric-sql/pglite";
import { fromPglite, type SqlClient } from "moatkit/adapters/postgres";
import { checkRls, createTenantRls, deleteTenant, exportTenant, formatRlsReport, rlsPolicySql } from "moatkit/tenant";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "Tenant isolation with row-level security (PGlite)",
  async run(say) {
    const pglite = await PGlite.create();
    try {
      const db = fromPglite(pglite);
      // The app runs as a role that owns nothing and cannot bypass RLS; the tables get policies.
      await db.exec(`
        CREATE ROLE app_user NOLOGIN;
        CREATE TABLE notes (id serial PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL);
        GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO app_user;
        GRANT USAGE ON SEQUENCE notes_id_seq TO app_user;`);
      await db.exec(rlsPolicySql({ table: "notes", adminSetting: "app.admin" }));
      say(formatRlsReport(await checkRls(db, { appRole: "app_user", adminSetting: "app.admin" })));

      const rls = createTenantRls({
        appRole: "app_user",
        onAudit: (e) => {
          say(`audit: ${e.action} by ${e.actor.userId} (${e.reason})`);
        },
      });
      const acme = { tenantId: "acme", userId: "alice" };
      const globex = { tenantId: "globex", userId: "bob" };
      const add = (body: string) => (tx: SqlClient) =>
        tx.query("INSERT INTO notes (tenant_id, body) VALUES (current_setting('app.tenant_id', true), $1)", [body]);
      await rls.withTenantTransaction(db, acme, add("acme roadmap"));
      await rls.withTenantTransaction(db, acme, add("acme salaries"));
      await rls.withTenantTransaction(db, globex, add("globex launch plan"));

      const bodies = async (tx: SqlClient) =>
        (await tx.query<{ body: string }>("SELECT body FROM notes ORDER BY id")).rows.map((r) => r.body);
      say(`acme sees:   ${JSON.stringify(await rls.withTenantTransaction(db, acme, bodies))}`);
      say(`globex sees: ${JSON.stringify(await rls.withTenantTransaction(db, globex, bodies))}`);

      const noTenant = await db.transaction(async (tx) => {
        await tx.query("SET LOCAL ROLE app_user");
        return bodies(tx);
      });
      say(`no tenant set: ${String(noTenant.length)} rows (fail closed)`);

      const crossWrite = await rls
        .withTenantTransaction(db, acme, (tx) =>
          tx.query("INSERT INTO notes (tenant_id, body) VALUES ('globex', 'planted')"),
        )
        .then(
          () => "accepted",
          (err: unknown) => `refused (${err instanceof Error ? err.message : String(err)})`,
        );
      say(`acme writing a globex row: ${crossWrite}`);

      const all = await rls.withAdminAccess(db, { actor: "staff_sam", reason: "ticket 4711" }, bodies);
      say(`admin access (one transaction, audited first): ${String(all.length)} rows`);

      let exported = 0;
      for await (const _line of exportTenant(db, "acme")) exported++;
      const preview = await deleteTenant(db, "acme", { dryRun: true });
      say(
        `GDPR: export of acme has ${String(exported)} lines; deleting it would remove ${String(preview.totalRows)} rows`,
      );
    } finally {
      await pglite.close();
    }
  },
};
export default section;
