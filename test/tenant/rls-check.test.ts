import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkRls,
  formatRlsReport,
  rlsPolicySql,
  type RlsFindingCode,
  type RlsReport,
} from "../../src/tenant/index.js";
import { findSettingCalls } from "../../src/tenant/setting-calls.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, type PostgresHandle } from "../helpers/postgres.js";
import { createTestRole, type TestRole } from "./helpers.js";

/** Real database work under a shared, loaded machine: never the 5 s default. */
const DB_TIMEOUT = 30_000;

const codes = (report: RlsReport): RlsFindingCode[] => report.findings.map((f) => f.code);

describePostgres("checkRls", (target) => {
  let db: PostgresHandle;
  let app: TestRole;
  let owner: TestRole;
  const schemas: string[] = [];
  const schemaFor = (name: string): string => {
    const full = `${db.schema}_${name}`;
    schemas.push(full);
    return full;
  };

  /** A schema holding one `docs` table with a text tenant column, set up by `sql` (`SCHEMA_X` = schema). */
  async function schemaWith(name: string, sql: string): Promise<string> {
    const s = schemaFor(name);
    await db.client.exec(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.docs (id int PRIMARY KEY, tenant_id text NOT NULL);`);
    if (sql !== "") await db.client.exec(sql.replaceAll("SCHEMA_X", s));
    return s;
  }

  const check = (schema: string, extra: { adminSetting?: string; appRole?: string } = {}): Promise<RlsReport> =>
    checkRls(db.client, { appRole: app.name, schema, ...extra });

  /** Runs every finding's fix, then checks again: a fix must actually fix. */
  async function applyFixes(report: RlsReport): Promise<void> {
    for (const f of report.findings) await db.client.exec(f.fix);
  }

  beforeAll(async () => {
    db = await target.connect({ max: 2 });
    app = await createTestRole(db);
    owner = await createTestRole(db, "mk_owner");
  });

  afterAll(async () => {
    for (const s of schemas) await db.client.exec(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await app.drop();
    await owner.drop();
    await db.close();
  });

  it(
    "passes a schema made with rlsPolicySql, including a uuid column and an admin policy",
    async () => {
      const s = schemaFor("good");
      await db.client.exec(`CREATE SCHEMA ${s};
      CREATE TABLE ${s}.docs (id int PRIMARY KEY, tenant_id text NOT NULL);
      CREATE TABLE ${s}.files (id int PRIMARY KEY, tenant_id uuid NOT NULL);
      CREATE TABLE ${s}.countries (code text PRIMARY KEY);`);
      await db.client.exec(rlsPolicySql({ schema: s, table: "docs", adminSetting: "app.admin" }));
      await db.client.exec(
        rlsPolicySql({ schema: s, table: "files", tenantColumnType: "uuid", adminSetting: "app.admin" }),
      );
      const report = await check(s, { adminSetting: "app.admin" });
      expect(report).toEqual({ ok: true, findings: [], tablesChecked: [`${s}.docs`, `${s}.files`], tablesSkipped: [] });
      expect(formatRlsReport(report)).toBe("✓ RLS check: 0 errors, 0 warnings in 2 tables");
    },
    DB_TIMEOUT,
  );

  it(
    "flags the admin policy as not reading the tenant setting when no adminSetting is given",
    async () => {
      const s = await schemaWith("admin_unknown", "");
      await db.client.exec(rlsPolicySql({ schema: s, table: "docs", adminSetting: "app.admin" }));
      const report = await check(s);
      expect(report.ok).toBe(false);
      expect(report.findings.map((f) => [f.code, f.policy])).toEqual([["policy-without-setting", "docs_admin_access"]]);
    },
    DB_TIMEOUT,
  );

  const cases: { name: string; sql: string; expected: RlsFindingCode[]; ok?: boolean }[] = [
    { name: "disabled", sql: "", expected: ["rls-disabled", "no-policy"] },
    {
      name: "not_forced",
      sql: `${rlsPolicySql({ schema: "SCHEMA_X", table: "docs" })} ALTER TABLE SCHEMA_X.docs NO FORCE ROW LEVEL SECURITY;`,
      expected: ["rls-not-forced"],
    },
    {
      name: "no_policy",
      sql: "ALTER TABLE SCHEMA_X.docs ENABLE ROW LEVEL SECURITY; ALTER TABLE SCHEMA_X.docs FORCE ROW LEVEL SECURITY;",
      expected: ["no-policy"],
    },
    {
      name: "open_policy",
      sql: "ALTER TABLE SCHEMA_X.docs ENABLE ROW LEVEL SECURITY; ALTER TABLE SCHEMA_X.docs FORCE ROW LEVEL SECURITY; CREATE POLICY everyone ON SCHEMA_X.docs USING (true);",
      expected: ["policy-without-setting"],
    },
    {
      name: "missing_ok",
      sql: `ALTER TABLE SCHEMA_X.docs ENABLE ROW LEVEL SECURITY; ALTER TABLE SCHEMA_X.docs FORCE ROW LEVEL SECURITY;
        CREATE POLICY strict_setting ON SCHEMA_X.docs USING (tenant_id = (SELECT current_setting('app.tenant_id')));`,
      expected: ["setting-without-missing-ok", "empty-setting-not-rejected"],
    },
    {
      name: "unwrapped",
      sql: `ALTER TABLE SCHEMA_X.docs ENABLE ROW LEVEL SECURITY; ALTER TABLE SCHEMA_X.docs FORCE ROW LEVEL SECURITY;
        CREATE POLICY per_row ON SCHEMA_X.docs USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), ''));`,
      expected: ["setting-not-wrapped"],
      ok: true,
    },
    {
      name: "other_role_only",
      sql: `ALTER TABLE SCHEMA_X.docs ENABLE ROW LEVEL SECURITY; ALTER TABLE SCHEMA_X.docs FORCE ROW LEVEL SECURITY;
        CREATE POLICY for_someone_else ON SCHEMA_X.docs TO mk_owner_placeholder USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));`,
      expected: ["no-policy"],
    },
  ];

  for (const c of cases) {
    it(
      `finds ${c.expected.join(" + ")} (${c.name}), and its fixes make the check pass`,
      async () => {
        const s = await schemaWith(c.name, c.sql.replaceAll("mk_owner_placeholder", owner.name));
        const report = await check(s);
        expect(codes(report)).toEqual(c.expected);
        expect(report.ok).toBe(c.ok ?? false);
        for (const f of report.findings) {
          expect(f.table).toBe(`${s}.docs`);
          expect(f.fix).not.toBe("");
        }
        await applyFixes(report);
        expect(await check(s)).toMatchObject({ ok: true, findings: [] });
      },
      DB_TIMEOUT,
    );
  }

  it(
    "flags a table owned by the app role (owners bypass RLS unless forced, and can turn it off)",
    async () => {
      const s = await schemaWith("owned", "");
      await db.client.exec(rlsPolicySql({ schema: s, table: "docs" }));
      await db.client.exec(`ALTER TABLE ${s}.docs OWNER TO ${app.name}`);
      const report = await check(s);
      expect(codes(report)).toEqual(["app-role-owns-table"]);
      expect(report.findings[0]?.fix).toBe(`ALTER TABLE "${s}"."docs" OWNER TO CURRENT_USER;`);
      const named = await checkRls(db.client, { appRole: app.name, schema: s, ownerRole: owner.name });
      expect(named.findings[0]?.fix).toBe(`ALTER TABLE "${s}"."docs" OWNER TO "${owner.name}";`);
      await applyFixes(report);
      expect((await check(s)).ok).toBe(true);
    },
    DB_TIMEOUT,
  );

  it(
    "flags an app role that has the owner's privileges through membership",
    async () => {
      const s = await schemaWith("member_of_owner", "");
      await db.client.exec(rlsPolicySql({ schema: s, table: "docs" }));
      await db.client.exec(`ALTER TABLE ${s}.docs OWNER TO ${owner.name}; GRANT ${owner.name} TO ${app.name};`);
      const report = await check(s);
      expect(codes(report)).toEqual(["app-role-owns-table"]);
      await applyFixes(report);
      expect((await check(s)).ok).toBe(true);
    },
    DB_TIMEOUT,
  );

  it(
    "flags an app role with BYPASSRLS, a superuser app role and a missing one",
    async () => {
      const s = await schemaWith("roles", "");
      await db.client.exec(rlsPolicySql({ schema: s, table: "docs" }));
      const bypass = await createTestRole(db, "mk_bypass", "BYPASSRLS");
      try {
        const report = await check(s, { appRole: bypass.name });
        expect(codes(report)).toEqual(["app-role-bypassrls"]);
        await applyFixes(report);
        expect((await check(s, { appRole: bypass.name })).ok).toBe(true);
      } finally {
        await bypass.drop();
      }
      const su = await check(s, { appRole: "postgres" });
      expect(codes(su)).toContain("app-role-superuser");
      expect(su.ok).toBe(false);
      const missing = await check(s, { appRole: "mk_no_such_role_q7" });
      expect(codes(missing)).toEqual(["app-role-missing"]);
      expect(missing.findings[0]?.fix).toBe('CREATE ROLE "mk_no_such_role_q7" NOLOGIN NOSUPERUSER NOBYPASSRLS;');
    },
    DB_TIMEOUT,
  );

  it(
    "fails when no table has the tenant column (a wrong schema must not pass silently)",
    async () => {
      const s = schemaFor("empty");
      await db.client.exec(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.countries (code text PRIMARY KEY);`);
      const report = await check(s);
      expect(codes(report)).toEqual(["no-tenant-tables"]);
      expect(report.ok).toBe(false);
    },
    DB_TIMEOUT,
  );

  it(
    "formats findings with their fixes and a summary",
    async () => {
      const s = await schemaWith("format", "");
      const text = formatRlsReport(await check(s));
      expect(text).toContain(`✗ error   rls-disabled (${s}.docs)`);
      expect(text).toContain(`fix: ALTER TABLE "${s}"."docs" ENABLE ROW LEVEL SECURITY;`);
      expect(text.split("\n").at(-1)).toBe("✗ RLS check: 2 errors, 0 warnings in 1 table");
    },
    DB_TIMEOUT,
  );

  it(
    "rejects bad arguments",
    async () => {
      for (const client of WRONG_TYPES)
        await expectMoatErrorAsync(checkRls(client as never, { appRole: app.name }), "ERR_INVALID_INPUT");
      const bad = [
        ...WRONG_TYPES,
        {},
        { appRole: "" },
        { appRole: "none" },
        { appRole: app.name, schema: "x; DROP" },
        { appRole: app.name, setting: "nodot" },
        { appRole: app.name, tenantColumn: "a'b" },
        { appRole: app.name, adminSetting: "app.x'" },
        { appRole: app.name, extra: true },
      ];
      for (const options of bad) await expectMoatErrorAsync(checkRls(db.client, options as never), "ERR_INVALID_INPUT");
      for (const report of [...WRONG_TYPES, { findings: "x" }])
        expectMoatError(() => formatRlsReport(report as never), "ERR_INVALID_INPUT");
    },
    DB_TIMEOUT,
  );
});

describe("findSettingCalls (reads policy expressions as pg_get_expr prints them)", () => {
  it("reads name, missing_ok, subquery wrapping and NULLIF", () => {
    expect(
      findSettingCalls(
        `(tenant_id = ( SELECT NULLIF(current_setting('app.tenant_id'::text, true), ''::text) AS "nullif"))`,
      ),
    ).toEqual([{ name: "app.tenant_id", missingOk: true, wrapped: true, inNullif: true }]);
    expect(findSettingCalls("(tenant_id = current_setting('app.tenant_id'::text))")).toEqual([
      { name: "app.tenant_id", missingOk: undefined, wrapped: false, inNullif: false },
    ]);
    expect(
      findSettingCalls(
        "(x = current_setting('a.b'::text, false)) OR (y = ( SELECT current_setting('c.d'::text, true) AS current_setting))",
      ),
    ).toEqual([
      { name: "a.b", missingOk: false, wrapped: false, inNullif: false },
      { name: "c.d", missingOk: true, wrapped: true, inNullif: false },
    ]);
  });

  it("ignores the word and parentheses inside string literals", () => {
    expect(findSettingCalls("(note = 'current_setting(''x.y'') ( SELECT')")).toEqual([]);
    expect(findSettingCalls("(note = '( SELECT ') AND (t = current_setting('a.b'::text, true))")).toEqual([
      { name: "a.b", missingOk: true, wrapped: false, inNullif: false },
    ]);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.constantFrom("", "current_setting(", "( SELECT ", "'", ")", "NULLIF("),
        (s, token) => {
          findSettingCalls(s + token + s);
        },
      ),
    );
  });
});
