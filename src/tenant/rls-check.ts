import { z } from "zod";
import { parseInput } from "../_internal/options.js";
import type { SqlClient } from "../sql/sql-client.js";
import { MoatError } from "../errors.js";
import { assertSqlClient } from "./client.js";
import { identifierSchema, qualifiedName, quoteIdent, roleSchema, settingSchema } from "./identifiers.js";
import { rlsPolicySql } from "./policy-sql.js";
import { DEFAULT_SETTINGS } from "./settings.js";

/** What {@link checkRls} can find; `severity` says which ones fail a check. */
export type RlsFindingCode =
  /** No table in the schema has the tenant column (likely a wrong `schema` or `tenantColumn`). */
  | "no-tenant-tables"
  /** A table has the tenant column but row-level security is off. */
  | "rls-disabled"
  /** RLS is on but not forced, so the table owner bypasses it. */
  | "rls-not-forced"
  /** RLS is on but no permissive policy applies to the app role (every query sees nothing). */
  | "no-policy"
  /** A permissive policy does not read the tenant (or admin) setting: it widens access. */
  | "policy-without-setting"
  /** A policy calls `current_setting` without `missing_ok = true`. */
  | "setting-without-missing-ok"
  /** The app role does not exist. */
  | "app-role-missing"
  /** The app role is a superuser: it bypasses every policy. */
  | "app-role-superuser"
  /** The app role has BYPASSRLS. */
  | "app-role-bypassrls"
  /** The app role owns the table (or has its owner's privileges): it can turn RLS off. */
  | "app-role-owns-table"
  /** A policy calls `current_setting` per row instead of once, in `(SELECT …)` (slow). */
  | "setting-not-wrapped"
  /** A policy compares with the setting without turning `''` into NULL. */
  | "empty-setting-not-rejected";

/** One problem {@link checkRls} found, with SQL that fixes it. */
export interface RlsFinding {
  /** Stable code; branch on this. */
  readonly code: RlsFindingCode;
  /** `error` fails the check; `warning` does not. */
  readonly severity: "error" | "warning";
  /** `schema.table`, for table findings. */
  readonly table?: string;
  /** The policy name, for policy findings. */
  readonly policy?: string;
  /** What is wrong, in one sentence (names only, never data). */
  readonly message: string;
  /** SQL that fixes it (review before running: some fixes drop a policy and recreate it). */
  readonly fix: string;
}

/** The result of {@link checkRls}. */
export interface RlsReport {
  /** `true` when no finding has severity `error`: use it as the exit status of a CI step. */
  readonly ok: boolean;
  /** Every finding, role findings first, then by table. */
  readonly findings: readonly RlsFinding[];
  /** The tables (`schema.table`) that have the tenant column. */
  readonly tablesChecked: readonly string[];
}

/** Options of {@link checkRls}. */
export interface CheckRlsOptions {
  /** The role the application runs as (the `appRole` of `createTenantRls`). */
  readonly appRole: string;
  /** The schema to check. Default `public`. */
  readonly schema?: string;
  /** The tenant column; every table that has it must be isolated. Default `tenant_id`. */
  readonly tenantColumn?: string;
  /** The tenant setting policies must read. Default `app.tenant_id`. */
  readonly setting?: string;
  /** An admin flag setting policies may read instead (see `rlsPolicySql`). */
  readonly adminSetting?: string;
  /** The role that should own tenant tables, used in fixes. Default `CURRENT_USER` (who runs the fix). */
  readonly ownerRole?: string;
}

const optionsSchema = z.strictObject({
  appRole: roleSchema,
  schema: identifierSchema.default("public"),
  tenantColumn: identifierSchema.default("tenant_id"),
  setting: settingSchema.default(DEFAULT_SETTINGS.tenant),
  adminSetting: settingSchema.optional(),
  ownerRole: roleSchema.optional(),
});

interface RoleRow {
  rolsuper: boolean;
  rolbypassrls: boolean;
}

interface TableRow {
  table: string;
  enabled: boolean;
  forced: boolean;
  owner: string;
  column_type: string;
  owned_directly: boolean | null;
  owner_privileges: boolean | null;
}

interface PolicyRow {
  table: string;
  policy: string;
  permissive: boolean;
  qual: string;
  with_check: string;
  applies: boolean;
}

const ROLE_SQL = "SELECT rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = $1";

const TABLES_SQL = `SELECT c.relname AS "table", c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
  pg_catalog.pg_get_userbyid(c.relowner) AS owner,
  pg_catalog.format_type(a.atttypid, NULL) AS column_type,
  (c.relowner = r.oid) AS owned_directly,
  pg_catalog.pg_has_role(r.oid, c.relowner, 'USAGE') AS owner_privileges
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_roles r ON r.rolname = $3
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY c.relname`;

const POLICIES_SQL = `SELECT c.relname AS "table", p.polname AS policy, p.polpermissive AS permissive,
  coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '') AS qual,
  coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '') AS with_check,
  (0::oid = ANY (p.polroles) OR (r.oid IS NOT NULL AND EXISTS (
    SELECT 1 FROM unnest(p.polroles) AS pr(oid) WHERE pg_catalog.pg_has_role(r.oid, pr.oid, 'MEMBER')))) AS applies
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_roles r ON r.rolname = $2
WHERE n.nspname = $1
ORDER BY c.relname, p.polname`;

/** One `current_setting(…)` call in a deparsed policy expression. */
export interface SettingCall {
  /** The setting name, when it is a literal. */
  readonly name: string | undefined;
  /** The `missing_ok` argument: `true`, `false`, or `undefined` when absent or not a literal. */
  readonly missingOk: boolean | undefined;
  /** Whether an enclosing parenthesis is a scalar subquery `(SELECT …)`. */
  readonly wrapped: boolean;
  /** Whether the call is the first argument of `NULLIF(`. */
  readonly inNullif: boolean;
}

const CALL_RE = /current_setting\(\s*(?:'((?:[^']|'')*)'(?:::text)?)?[^,)]*?(?:,\s*(true|false))?\s*\)/iy;

/**
 * Finds the `current_setting` calls in an expression as `pg_get_expr` prints it, noting for
 * each whether it sits in a `(SELECT …)` and in `NULLIF(`. String literals are skipped, so a
 * parenthesis or the word inside one is not mistaken for syntax.
 * @internal
 */
export function findSettingCalls(expr: string): SettingCall[] {
  const calls: SettingCall[] = [];
  const parens: boolean[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr.charAt(i);
    if (ch === "'") {
      i++;
      while (i < expr.length) {
        if (expr.charAt(i) === "'") {
          if (expr.charAt(i + 1) === "'") i += 2;
          else break;
        } else i++;
      }
      i++;
      continue;
    }
    if (ch === "(") {
      parens.push(/^\(\s*select\b/i.test(expr.slice(i, i + 16)));
    } else if (ch === ")") {
      parens.pop();
    } else if (/^current_setting\(/i.test(expr.slice(i, i + 16)) && !/[a-z0-9_]/i.test(expr.charAt(i - 1))) {
      CALL_RE.lastIndex = i;
      const m = CALL_RE.exec(expr);
      calls.push({
        name: m?.[1]?.replaceAll("''", "'"),
        missingOk: m?.[2] === undefined ? undefined : m[2].toLowerCase() === "true",
        wrapped: parens.includes(true),
        inNullif: /nullif\(\s*$/i.test(expr.slice(Math.max(0, i - 12), i)),
      });
    }
    i++;
  }
  return calls;
}

/**
 * Checks that every table with the tenant column in `schema` is isolated the way
 * {@link rlsPolicySql} isolates it, and that the app role cannot bypass RLS: RLS enabled and
 * forced; a permissive policy reading the tenant setting (or the admin flag) with
 * `missing_ok = true`; the app role neither superuser, nor BYPASSRLS, nor owner. Each finding
 * carries SQL that fixes it. Read-only: it only queries the catalog.
 *
 * Run it in CI and at start-up; `report.ok` is the exit status, {@link formatRlsReport} the
 * text to print.
 *
 * @throws MoatError `ERR_INVALID_INPUT` on bad options; `ERR_STORE` when the catalog queries fail.
 * @example
 * ```ts
 * import { checkRls, formatRlsReport } from "moatkit/tenant";
 * const report = await checkRls(db, { appRole: "app_user", adminSetting: "app.admin" });
 * console.log(formatRlsReport(report));
 * process.exitCode = report.ok ? 0 : 1;
 * ```
 */
export async function checkRls(client: SqlClient, options: CheckRlsOptions): Promise<RlsReport> {
  assertSqlClient(client);
  const o = parseInput(optionsSchema, options, "checkRls options");
  let role: RoleRow | undefined;
  let tables: TableRow[];
  let policies: PolicyRow[];
  try {
    role = (await client.query<RoleRow>(ROLE_SQL, [o.appRole])).rows[0];
    tables = (await client.query<TableRow>(TABLES_SQL, [o.schema, o.tenantColumn, o.appRole])).rows;
    policies = (await client.query<PolicyRow>(POLICIES_SQL, [o.schema, o.appRole])).rows;
  } catch (err) {
    throw new MoatError("ERR_STORE", { message: "checkRls could not read the catalog", cause: err });
  }

  const findings: RlsFinding[] = [];
  const appRole = quoteIdent(o.appRole);
  if (role === undefined) {
    findings.push({
      code: "app-role-missing",
      severity: "error",
      message: `role ${o.appRole} does not exist`,
      fix: `CREATE ROLE ${appRole} NOLOGIN NOSUPERUSER NOBYPASSRLS;`,
    });
  } else {
    if (role.rolsuper) {
      findings.push({
        code: "app-role-superuser",
        severity: "error",
        message: `role ${o.appRole} is a superuser, which bypasses every policy`,
        fix: `ALTER ROLE ${appRole} NOSUPERUSER;`,
      });
    }
    if (role.rolbypassrls) {
      findings.push({
        code: "app-role-bypassrls",
        severity: "error",
        message: `role ${o.appRole} has BYPASSRLS, which bypasses every policy`,
        fix: `ALTER ROLE ${appRole} NOBYPASSRLS;`,
      });
    }
  }
  if (tables.length === 0) {
    findings.push({
      code: "no-tenant-tables",
      severity: "error",
      message: `no table in schema ${o.schema} has a ${o.tenantColumn} column; check the schema and tenantColumn options`,
      fix: `-- nothing to run: point checkRls at the schema and tenant column your tables use`,
    });
  }

  const superuser = role?.rolsuper === true;
  for (const t of tables) {
    const name = `${o.schema}.${t.table}`;
    const table = qualifiedName(t.table, o.schema);
    const policySql = (): string => fullPolicySql(t, o);
    if (!t.enabled) {
      findings.push({
        code: "rls-disabled",
        severity: "error",
        table: name,
        message: `${name} has a ${o.tenantColumn} column but row-level security is disabled`,
        fix: `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;\nALTER TABLE ${table} FORCE ROW LEVEL SECURITY;`,
      });
    } else if (!t.forced) {
      findings.push({
        code: "rls-not-forced",
        severity: "error",
        table: name,
        message: `${name} has row-level security enabled but not forced, so its owner (${t.owner}) bypasses it`,
        fix: `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;`,
      });
    }
    // A superuser has every role's privileges; only direct ownership is worth a separate finding.
    if (t.owned_directly === true || (!superuser && t.owner_privileges === true)) {
      findings.push({
        code: "app-role-owns-table",
        severity: "error",
        table: name,
        message:
          t.owned_directly === true
            ? `${name} is owned by the app role ${o.appRole}, which can disable its row-level security`
            : `the app role ${o.appRole} has the privileges of ${name}'s owner (${t.owner}), which can disable its row-level security`,
        fix:
          t.owned_directly === true
            ? `ALTER TABLE ${table} OWNER TO ${o.ownerRole === undefined ? "CURRENT_USER" : quoteIdent(o.ownerRole)};`
            : `REVOKE ${quoteIdent(t.owner)} FROM ${appRole};`,
      });
    }

    const applicable = policies.filter((p) => p.table === t.table && p.permissive && p.applies);
    if (applicable.length === 0) {
      findings.push({
        code: "no-policy",
        severity: "error",
        table: name,
        message: `${name} has no permissive policy for ${o.appRole}: it sees no rows and cannot write`,
        fix: policySql(),
      });
    }
    for (const p of applicable) findings.push(...policyFindings(p, name, table, o, policySql));
  }

  return { ok: !findings.some((f) => f.severity === "error"), findings, tablesChecked: tables.map((t) => `${o.schema}.${t.table}`) };
}

type ParsedOptions = z.output<typeof optionsSchema>;

function fullPolicySql(t: TableRow, o: ParsedOptions): string {
  // format_type gives e.g. `uuid`, `text`, `character varying`. A table or type name that
  // rlsPolicySql does not accept (it needs quoting) gets no generated SQL, and no echo of the
  // name, which could hold a newline.
  if (!/^[a-z_][a-z0-9_]*(?: [a-z_][a-z0-9_]*)*$/.test(t.column_type) || !identifierSchema.safeParse(t.table).success) {
    return "-- this table's name or tenant column type needs quoting: write its policy by hand (see rlsPolicySql)";
  }
  return rlsPolicySql({
    table: t.table,
    schema: o.schema,
    tenantColumn: o.tenantColumn,
    tenantColumnType: t.column_type,
    setting: o.setting,
    ...(o.adminSetting === undefined ? {} : { adminSetting: o.adminSetting }),
  });
}

function policyFindings(p: PolicyRow, name: string, table: string, o: ParsedOptions, policySql: () => string): RlsFinding[] {
  const out: RlsFinding[] = [];
  const calls = [...findSettingCalls(p.qual), ...findSettingCalls(p.with_check)];
  const known = calls.filter((c) => c.name === o.setting || (o.adminSetting !== undefined && c.name === o.adminSetting));
  const recreate = (): string => `DROP POLICY IF EXISTS ${quoteIdent(p.policy)} ON ${table};\n${policySql()}`;
  const base = { table: name, policy: p.policy };
  if (known.length === 0) {
    out.push({
      ...base,
      code: "policy-without-setting",
      severity: "error",
      message: `policy ${p.policy} on ${name} does not read ${o.setting}${o.adminSetting === undefined ? "" : ` or ${o.adminSetting}`}, so it admits rows of every tenant`,
      fix: recreate(),
    });
  }
  if (calls.some((c) => c.missingOk !== true)) {
    out.push({
      ...base,
      code: "setting-without-missing-ok",
      severity: "error",
      message: `policy ${p.policy} on ${name} calls current_setting without missing_ok = true: it errors on connections that never set it and reads '' on those that did`,
      fix: recreate(),
    });
  }
  if (calls.some((c) => !c.wrapped)) {
    out.push({
      ...base,
      code: "setting-not-wrapped",
      severity: "warning",
      message: `policy ${p.policy} on ${name} calls current_setting once per row; wrap it as (SELECT current_setting(…)) to evaluate it once`,
      fix: recreate(),
    });
  }
  const tenantCalls = calls.filter((c) => c.name === o.setting);
  const comparesEmpty = `${p.qual} ${p.with_check}`.includes("''::text");
  if (tenantCalls.length > 0 && !comparesEmpty && tenantCalls.some((c) => !c.inNullif)) {
    out.push({
      ...base,
      code: "empty-setting-not-rejected",
      severity: "warning",
      message: `policy ${p.policy} on ${name} does not treat an empty ${o.setting} as unset (NULLIF(…, '')); after a rolled-back SET LOCAL it reads ''`,
      fix: recreate(),
    });
  }
  return out;
}

/**
 * Renders a {@link RlsReport} as text for a terminal or CI log: one block per finding with its
 * fix, then a summary line.
 *
 * @example
 * ```ts
 * console.log(formatRlsReport(await checkRls(db, { appRole: "app_user" })));
 * ```
 */
export function formatRlsReport(report: RlsReport): string {
  const candidate: unknown = report;
  if (typeof candidate !== "object" || candidate === null || !("findings" in candidate) || !Array.isArray(candidate.findings)) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "expected the report checkRls returned" });
  }
  const lines: string[] = [];
  for (const f of report.findings) {
    lines.push(`${f.severity === "error" ? "✗ error  " : "! warning"} ${f.code}${f.table === undefined ? "" : ` (${f.table})`}`);
    lines.push(`    ${f.message}`);
    lines.push(...f.fix.split("\n").map((l, i) => `    ${i === 0 ? "fix: " : "     "}${l}`));
  }
  const errors = report.findings.filter((f) => f.severity === "error").length;
  const warnings = report.findings.length - errors;
  const tables = report.tablesChecked.length;
  lines.push(
    `${report.ok ? "✓" : "✗"} RLS check: ${String(errors)} error${errors === 1 ? "" : "s"}, ${String(warnings)} warning${warnings === 1 ? "" : "s"} in ${String(tables)} table${tables === 1 ? "" : "s"}`,
  );
  return lines.join("\n");
}
