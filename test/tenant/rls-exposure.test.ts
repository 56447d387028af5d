/**
 * checkRls against schemas that expose other tenants in ways a policy-by-policy look misses:
 * a predicate with an untied OR branch, open WITH CHECKs, views and materialized views, SECURITY
 * DEFINER functions, TRUNCATE/REFERENCES/TRIGGER grants and NOINHERIT membership of the owner.
 * One fixture schema holds every mistake; each must give exactly one finding.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrate } from "../../src/adapters/postgres/index.js";
import { checkRls, formatRlsReport, rlsPolicySql, type RlsReport } from "../../src/tenant/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, type PostgresHandle } from "../helpers/postgres.js";
import { createTestRole, type TestRole } from "./helpers.js";

const DB_TIMEOUT = 60_000;

/** `code table [policy]` per finding, sorted: order-independent and readable in a diff. */
const summary = (report: RlsReport, schema: string): string[] =>
  report.findings
    .map((f) => [f.code, f.table?.replace(`${schema}.`, "") ?? "", f.policy ?? ""].join(" ").trim())
    .sort();

const SETTING = "(SELECT NULLIF(current_setting('app.tenant_id', true), ''))";

describePostgres("checkRls exposure findings", (target) => {
  let db: PostgresHandle;
  let app: TestRole;
  let owner: TestRole;
  const schemas: string[] = [];

  beforeAll(async () => {
    db = await target.connect({ max: 2 });
    // NOINHERIT: it holds no privilege of a role it is a member of until it runs SET ROLE.
    app = await createTestRole(db, "mk_app", "NOINHERIT");
    owner = await createTestRole(db, "mk_owner");
  });

  afterAll(async () => {
    for (const s of schemas) await db.client.exec(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await app.drop();
    await owner.drop();
    await db.close();
  });

  /** A schema of `tables` (id, tenant_id text, x int), each isolated by rlsPolicySql, usable by the app role. */
  async function isolatedSchema(name: string, tables: readonly string[]): Promise<string> {
    const s = `${db.schema}_${name}`;
    schemas.push(s);
    await db.client.exec(`CREATE SCHEMA ${s}; GRANT USAGE ON SCHEMA ${s} TO ${app.name};`);
    for (const t of tables) {
      await db.client.exec(`CREATE TABLE ${s}.${t} (id int PRIMARY KEY, tenant_id text NOT NULL, x int);
        GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.${t} TO ${app.name};`);
      await db.client.exec(rlsPolicySql({ schema: s, table: t }));
    }
    return s;
  }

  it(
    "gives one finding per mistake, and the fixes make the schema pass",
    async () => {
      const tables = ["clean", "or_branch", "open_check", "open_insert", "exposed", "granted", "group_owned"];
      const s = await isolatedSchema("exposure", [...tables, "disabled", "unforced", "strict"]);
      await db.client.exec(`
        -- already caught: RLS off, not forced, current_setting without missing_ok
        ALTER TABLE ${s}.disabled DISABLE ROW LEVEL SECURITY;
        ALTER TABLE ${s}.unforced NO FORCE ROW LEVEL SECURITY;
        DROP POLICY strict_tenant_isolation ON ${s}.strict;
        CREATE POLICY strict_p ON ${s}.strict USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id'), '')));
        -- an OR branch that ignores the tenant
        DROP POLICY or_branch_tenant_isolation ON ${s}.or_branch;
        CREATE POLICY leaky ON ${s}.or_branch USING (tenant_id = ${SETTING} OR x IS NOT NULL) WITH CHECK (tenant_id = ${SETTING});
        -- right USING, open WITH CHECK
        DROP POLICY open_check_tenant_isolation ON ${s}.open_check;
        CREATE POLICY unchecked ON ${s}.open_check USING (tenant_id = ${SETTING}) WITH CHECK (true);
        -- a second, permissive write policy
        CREATE POLICY any_insert ON ${s}.open_insert FOR INSERT WITH CHECK (true);
        -- a view (runs as its owner) and a materialized view (no RLS at all) the app can read
        CREATE VIEW ${s}.exposed_view AS SELECT * FROM ${s}.exposed;
        CREATE VIEW ${s}.exposed_view2 AS SELECT id FROM ${s}.exposed_view;
        CREATE MATERIALIZED VIEW ${s}.exposed_mv AS SELECT * FROM ${s}.exposed;
        GRANT SELECT ON ${s}.exposed_view, ${s}.exposed_view2, ${s}.exposed_mv TO ${app.name};
        -- a SECURITY DEFINER function the app can call (EXECUTE is granted to PUBLIC by default)
        CREATE FUNCTION ${s}.count_exposed() RETURNS bigint LANGUAGE sql SECURITY DEFINER
          AS 'SELECT count(*) FROM ${s}.exposed';
        -- privileges RLS does not govern
        GRANT TRUNCATE, REFERENCES, TRIGGER ON ${s}.granted TO ${app.name};
        -- the app role is a (NOINHERIT) member of the owner: SET ROLE makes it the owner
        ALTER TABLE ${s}.group_owned OWNER TO ${owner.name};
        GRANT ${owner.name} TO ${app.name};`);

      const report = await checkRls(db.client, { appRole: app.name, schema: s });
      expect(summary(report, s)).toEqual(
        [
          "rls-disabled disabled",
          "rls-not-forced unforced",
          "setting-without-missing-ok strict strict_p",
          "policy-branch-without-setting or_branch leaky",
          "write-check-open open_check unchecked",
          "write-check-open open_insert any_insert",
          "view-bypasses-rls exposed",
          "view-bypasses-rls exposed",
          "view-bypasses-rls exposed",
          "definer-function-bypasses-rls exposed",
          "unsafe-table-privilege granted",
          "unsafe-table-privilege granted",
          "unsafe-table-privilege granted",
          "app-role-owns-table group_owned",
        ].sort(),
      );
      expect(report.ok).toBe(false);
      const fixes = report.findings.map((f) => f.fix).join("\n");
      expect(fixes).toContain(`ALTER VIEW "${s}"."exposed_view" SET (security_invoker = true);`);
      expect(fixes).toContain(`REVOKE SELECT ON "${s}"."exposed_mv" FROM`);
      expect(fixes).toContain(`ALTER FUNCTION "${s}"."count_exposed"() SECURITY INVOKER;`);
      expect(fixes).toContain(`REVOKE TRUNCATE ON "${s}"."granted" FROM "${app.name}";`);

      for (const f of report.findings) await db.client.exec(f.fix);
      expect(await checkRls(db.client, { appRole: app.name, schema: s })).toMatchObject({ ok: true, findings: [] });
    },
    DB_TIMEOUT,
  );

  it(
    "sees the same mistakes through PUBLIC and through a group role",
    async () => {
      const s = await isolatedSchema("via_group", ["docs"]);
      const group = await createTestRole(db, "mk_group");
      try {
        await db.client.exec(`GRANT ${group.name} TO ${app.name};
          GRANT TRUNCATE ON ${s}.docs TO ${group.name};
          GRANT TRIGGER ON ${s}.docs TO PUBLIC;
          CREATE VIEW ${s}.v AS SELECT * FROM ${s}.docs; GRANT SELECT ON ${s}.v TO ${group.name};`);
        const report = await checkRls(db.client, { appRole: app.name, schema: s });
        expect(summary(report, s)).toEqual([
          "unsafe-table-privilege docs",
          "unsafe-table-privilege docs",
          "view-bypasses-rls docs",
        ]);
        for (const f of report.findings) await db.client.exec(f.fix);
        expect((await checkRls(db.client, { appRole: app.name, schema: s })).findings).toEqual([]);
      } finally {
        await group.drop();
      }
    },
    DB_TIMEOUT,
  );

  it(
    "catches a column REFERENCES grant and a materialized view the app role owns; passes a definer function it owns",
    async () => {
      const s = await isolatedSchema("owned_objects", ["docs"]);
      await db.client.exec(`GRANT REFERENCES (tenant_id) ON ${s}.docs TO ${app.name};
        GRANT CREATE ON SCHEMA ${s} TO ${app.name};
        CREATE MATERIALIZED VIEW ${s}.mv AS SELECT * FROM ${s}.docs;
        ALTER MATERIALIZED VIEW ${s}.mv OWNER TO ${app.name};
        CREATE FUNCTION ${s}.mine() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM ${s}.docs';
        ALTER FUNCTION ${s}.mine() OWNER TO ${app.name};
        REVOKE CREATE ON SCHEMA ${s} FROM ${app.name};`);
      const report = await checkRls(db.client, { appRole: app.name, schema: s });
      expect(summary(report, s)).toEqual(["unsafe-table-privilege docs", "view-bypasses-rls docs"]);
      expect(report.findings.map((f) => f.fix)).toContain(
        `REVOKE REFERENCES ("tenant_id") ON "${s}"."docs" FROM "${app.name}";`,
      );
      for (const f of report.findings) await db.client.exec(f.fix);
      expect((await checkRls(db.client, { appRole: app.name, schema: s })).findings).toEqual([]);
    },
    DB_TIMEOUT,
  );

  it(
    "passes views with security_invoker, SECURITY INVOKER functions and the admin policy",
    async () => {
      const s = await isolatedSchema("fine", []);
      await db.client.exec(`CREATE TABLE ${s}.docs (id int PRIMARY KEY, tenant_id text NOT NULL);
        ${rlsPolicySql({ schema: s, table: "docs", adminSetting: "app.admin" })}
        CREATE VIEW ${s}.docs_view WITH (security_invoker = true) AS SELECT * FROM ${s}.docs;
        GRANT SELECT ON ${s}.docs, ${s}.docs_view TO ${app.name};
        CREATE FUNCTION ${s}.count_docs() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM ${s}.docs';`);
      const report = await checkRls(db.client, { appRole: app.name, schema: s, adminSetting: "app.admin" });
      expect(report).toMatchObject({ ok: true, findings: [] });
    },
    DB_TIMEOUT,
  );

  it(
    "knows moatkit's own tables: migrate() then checkRls is clean, with or without the user's tables",
    async () => {
      // The handle's own schema: migrate() creates moatkit's tables on the search_path.
      const s = db.schema;
      await migrate(db.client);
      const bare = await checkRls(db.client, { appRole: app.name, schema: s });
      expect(bare).toMatchObject({ ok: true, findings: [], tablesChecked: [] });
      expect(bare.tablesSkipped.map((t) => t.table)).toEqual([`${s}.moatkit_api_keys`]);
      expect(bare.tablesSkipped[0]?.reason).toMatch(/before the tenant is known/);

      await db.client.exec(`CREATE TABLE ${s}.invoices (id int PRIMARY KEY, tenant_id text NOT NULL);
        CREATE TABLE ${s}.countries (code text PRIMARY KEY, tenant_id text);
        ${rlsPolicySql({ schema: s, table: "invoices" })}`);
      const user = await checkRls(db.client, { appRole: app.name, schema: s });
      expect(summary(user, s)).toEqual(["no-policy countries", "rls-disabled countries"]);
      // No fix ever touches moatkit's tables (enabling RLS on moatkit_api_keys made every key not_found).
      expect(user.findings.map((f) => f.fix).join("\n")).not.toContain("moatkit_");
      const excluded = await checkRls(db.client, { appRole: app.name, schema: s, exclude: ["countries"] });
      expect(excluded).toMatchObject({ ok: true, findings: [], tablesChecked: [`${s}.invoices`] });
      expect(excluded.tablesSkipped.map((t) => t.table).sort()).toEqual([`${s}.countries`, `${s}.moatkit_api_keys`]);
      expect(formatRlsReport(excluded)).toContain(`skipped ${s}.countries: excluded by the exclude option`);

      const stale = await checkRls(db.client, { appRole: app.name, schema: s, exclude: ["countries", "gone"] });
      expect(summary(stale, s)).toEqual(["exclude-not-found gone"]);
      expect(stale.ok).toBe(true);
      await expectMoatErrorAsync(
        checkRls(db.client, { appRole: app.name, schema: s, exclude: "countries" as never }),
        "ERR_INVALID_INPUT",
      );
      await expectMoatErrorAsync(
        checkRls(db.client, { appRole: app.name, schema: s, exclude: ["a;b"] }),
        "ERR_INVALID_INPUT",
      );
    },
    DB_TIMEOUT,
  );

  it(
    "keeps control characters in names out of the report and fix SQL that still runs",
    async () => {
      const s = await isolatedSchema("escapes", ["docs"]);
      const evil = "evil\n\u001b[32m✓ RLS check: 0 errors\u001b[0m\u009b2J\u007f";
      const quoted = `"${evil}"`;
      await db.client.exec(`CREATE TABLE ${s}.${quoted} (id int PRIMARY KEY, tenant_id text NOT NULL)`);
      const report = await checkRls(db.client, { appRole: app.name, schema: s });
      expect(report.findings.map((f) => f.code)).toEqual(["rls-disabled", "no-policy"]);
      expect(report.findings[0]?.table).toBe(`${s}.${evil}`);
      const text = formatRlsReport(report);
      // eslint-disable-next-line no-control-regex
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      expect(text.split("\n").filter((l) => l.startsWith("✓"))).toEqual([]);
      expect(text).toContain("evil\\n\\x1b[32m✓ RLS check");
      for (const f of report.findings) {
        // eslint-disable-next-line no-control-regex
        expect(f.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        // eslint-disable-next-line no-control-regex
        expect(f.fix.replaceAll("\n", " ")).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      }
      await db.client.exec(report.findings[0]?.fix ?? "");
      const after = await checkRls(db.client, { appRole: app.name, schema: s });
      expect(after.findings.map((f) => f.code)).toEqual(["no-policy"]);
    },
    DB_TIMEOUT,
  );
});
