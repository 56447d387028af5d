import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rlsPolicySql } from "../../src/tenant/index.js";
import { policyName } from "../../src/tenant/policy-sql.js";
import { quoteIdent } from "../../src/tenant/identifiers.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

describe("rlsPolicySql", () => {
  it("enables and forces RLS and creates a fail-closed, once-per-statement tenant policy", () => {
    expect(rlsPolicySql({ table: "notes" })).toBe(
      [
        'ALTER TABLE "notes" ENABLE ROW LEVEL SECURITY;',
        'ALTER TABLE "notes" FORCE ROW LEVEL SECURITY;',
        'DROP POLICY IF EXISTS "notes_tenant_isolation" ON "notes";',
        'CREATE POLICY "notes_tenant_isolation" ON "notes" AS PERMISSIVE FOR ALL TO PUBLIC',
        `  USING ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::text))`,
        `  WITH CHECK ("tenant_id" = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::text));`,
        'DROP POLICY IF EXISTS "notes_admin_access" ON "notes";',
        "",
      ].join("\n"),
    );
  });

  it("adds an admin policy, casts to the column type, and names schema, column, setting and roles", () => {
    const sql = rlsPolicySql({
      table: "Invoices",
      schema: "billing",
      tenantColumn: "org_id",
      tenantColumnType: "uuid",
      setting: "acme.org_id",
      adminSetting: "acme.admin",
      roles: ["app_user"],
      adminRoles: ["support_staff"],
    });
    expect(sql).toContain(
      `CREATE POLICY "Invoices_tenant_isolation" ON "billing"."Invoices" AS PERMISSIVE FOR ALL TO "app_user"`,
    );
    expect(sql).toContain(`USING ("org_id" = (SELECT NULLIF(current_setting('acme.org_id', true), '')::uuid))`);
    expect(sql).toContain(
      `CREATE POLICY "Invoices_admin_access" ON "billing"."Invoices" AS PERMISSIVE FOR ALL TO "support_staff"`,
    );
    expect(sql).toContain(`USING ((SELECT current_setting('acme.admin', true)) = 'on')`);
    expect(sql).toContain(`WITH CHECK ((SELECT current_setting('acme.admin', true)) = 'on');`);
  });

  it("keeps policy names within 63 bytes without collisions", () => {
    const long1 = `t${"x".repeat(61)}1`;
    const long2 = `t${"x".repeat(61)}2`;
    expect(policyName("notes", "tenant_isolation")).toBe("notes_tenant_isolation");
    for (const t of [long1, long2]) {
      expect(policyName(t, "tenant_isolation").length).toBeLessThanOrEqual(63);
      expect(policyName(t, "admin_access").length).toBeLessThanOrEqual(63);
    }
    expect(policyName(long1, "tenant_isolation")).not.toBe(policyName(long2, "tenant_isolation"));
  });

  it("rejects names that are not plain identifiers, and bad options", () => {
    const bad = [
      ...WRONG_TYPES,
      {},
      { table: "" },
      { table: "notes; DROP TABLE x" },
      { table: 'notes"' },
      { table: "notes", tenantColumnType: "text); DROP TABLE x; --" },
      { table: "notes", tenantColumnType: "uuid'" },
      { table: "notes", setting: "app.tenant_id", adminSetting: "app.tenant_id" },
      { table: "notes", roles: [] },
      { table: "notes", roles: ["public"] },
      { table: "notes", roles: ["a;b"] },
      { table: "notes", extra: true },
    ];
    for (const options of bad) expectMoatError(() => rlsPolicySql(options as never), "ERR_INVALID_INPUT");
  });

  it("never produces SQL from a name it did not validate", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (table) => {
        let sql: string;
        try {
          sql = rlsPolicySql({ table });
        } catch (err) {
          expect(err).toMatchObject({ code: "ERR_INVALID_INPUT" });
          return;
        }
        expect(table).toMatch(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/);
        expect(sql).toContain(`"${table}"`);
      }),
    );
  });
});

describe("quoteIdent", () => {
  it("doubles quotes and refuses NUL and empty names", () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expectMoatError(() => quoteIdent(""), "ERR_INVALID_INPUT");
    expectMoatError(() => quoteIdent("a\u0000b"), "ERR_INVALID_INPUT");
  });
});
