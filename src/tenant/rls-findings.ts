/**
 * The findings of the RLS linter: what is wrong with the app role, a tenant table, or one of
 * its policies, each with SQL that fixes it. The catalog rows come from `checkRls`.
 */
import { escapeControl } from "../_internal/display.js";
import { identifierSchema, qualifiedName, quoteIdent } from "./identifiers.js";
import { isTenantBound } from "./policy-expr.js";
import { rlsPolicySql } from "./policy-sql.js";
import { findSettingCalls } from "./setting-calls.js";

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
  /**
   * A permissive policy reads the setting, but one branch of its USING (an `OR`) admits rows
   * without it, or the linter cannot tell that every branch is tied to it.
   */
  | "policy-branch-without-setting"
  /** A permissive policy lets the app role write rows of any tenant (`WITH CHECK (true)`, an open INSERT/UPDATE policy). */
  | "write-check-open"
  /** A view (without `security_invoker`) or a materialized view over a tenant table is readable by the app role. */
  | "view-bypasses-rls"
  /** A `SECURITY DEFINER` function the app role can execute reads a tenant table as its owner. */
  | "definer-function-bypasses-rls"
  /** The app role holds TRUNCATE, REFERENCES or TRIGGER on a tenant table, which RLS does not govern. */
  | "unsafe-table-privilege"
  /** A table in the `exclude` option has no tenant column in the schema (a typo, or it was dropped). */
  | "exclude-not-found"
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

/** What the linter checks against: `checkRls` options, defaults applied. */
export interface RlsCheckTarget {
  readonly appRole: string;
  readonly schema: string;
  readonly tenantColumn: string;
  readonly setting: string;
  readonly adminSetting?: string | undefined;
  readonly ownerRole?: string | undefined;
}

/** The app role's row in `pg_roles` (absent when the role does not exist). */
export interface RoleRow {
  rolsuper: boolean;
  rolbypassrls: boolean;
}

/** A table that has the tenant column, with its RLS flags and who owns it. */
export interface TableRow {
  table: string;
  enabled: boolean;
  forced: boolean;
  owner: string;
  column_type: string;
  owned_directly: boolean | null;
  owner_privileges: boolean | null;
}

/** A policy on a table of the schema, deparsed, and whether it applies to the app role. */
export interface PolicyRow {
  table: string;
  policy: string;
  /** `r` SELECT, `a` INSERT, `w` UPDATE, `d` DELETE, `*` ALL. */
  command: string;
  permissive: boolean;
  qual: string;
  with_check: string;
  applies: boolean;
}

/** Findings about the app role itself: missing, superuser, BYPASSRLS. */
export function roleFindings(role: RoleRow | undefined, o: RlsCheckTarget): RlsFinding[] {
  const appRole = quoteIdent(o.appRole);
  if (role === undefined) {
    return [
      {
        code: "app-role-missing",
        severity: "error",
        message: `role ${escapeControl(o.appRole)} does not exist`,
        fix: `CREATE ROLE ${appRole} NOLOGIN NOSUPERUSER NOBYPASSRLS;`,
      },
    ];
  }
  const out: RlsFinding[] = [];
  if (role.rolsuper) {
    out.push({
      code: "app-role-superuser",
      severity: "error",
      message: `role ${escapeControl(o.appRole)} is a superuser, which bypasses every policy`,
      fix: `ALTER ROLE ${appRole} NOSUPERUSER;`,
    });
  }
  if (role.rolbypassrls) {
    out.push({
      code: "app-role-bypassrls",
      severity: "error",
      message: `role ${escapeControl(o.appRole)} has BYPASSRLS, which bypasses every policy`,
      fix: `ALTER ROLE ${appRole} NOBYPASSRLS;`,
    });
  }
  return out;
}

/** The finding for a schema where no table has the tenant column (likely a wrong option). */
export function noTenantTablesFinding(o: RlsCheckTarget): RlsFinding {
  return {
    code: "no-tenant-tables",
    severity: "error",
    message: `no table in schema ${o.schema} has a ${o.tenantColumn} column; check the schema and tenantColumn options`,
    fix: `-- nothing to run: point checkRls at the schema and tenant column your tables use`,
  };
}

/** Findings about a table's RLS flags and its owner. */
function tableSettingsFindings(t: TableRow, o: RlsCheckTarget, superuser: boolean): RlsFinding[] {
  const out: RlsFinding[] = [];
  const name = `${o.schema}.${t.table}`;
  const shown = escapeControl(name);
  const owner = escapeControl(t.owner);
  const table = qualifiedName(t.table, o.schema);
  if (!t.enabled) {
    out.push({
      code: "rls-disabled",
      severity: "error",
      table: name,
      message: `${shown} has a ${o.tenantColumn} column but row-level security is disabled`,
      fix: `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;\nALTER TABLE ${table} FORCE ROW LEVEL SECURITY;`,
    });
  } else if (!t.forced) {
    out.push({
      code: "rls-not-forced",
      severity: "error",
      table: name,
      message: `${shown} has row-level security enabled but not forced, so its owner (${owner}) bypasses it`,
      fix: `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;`,
    });
  }
  // A superuser has every role's privileges; only direct ownership is worth a separate finding.
  if (t.owned_directly === true || (!superuser && t.owner_privileges === true)) {
    out.push({
      code: "app-role-owns-table",
      severity: "error",
      table: name,
      message:
        t.owned_directly === true
          ? `${shown} is owned by the app role ${o.appRole}, which can disable its row-level security`
          : `the app role ${o.appRole} is a member of ${shown}'s owner (${owner}): it can SET ROLE to it and disable its row-level security`,
      fix:
        t.owned_directly === true
          ? `ALTER TABLE ${table} OWNER TO ${o.ownerRole === undefined ? "CURRENT_USER" : quoteIdent(o.ownerRole)};`
          : `REVOKE ${quoteIdent(t.owner)} FROM ${quoteIdent(o.appRole)};`,
    });
  }
  return out;
}

/** Every finding about one tenant table: its flags, its owner, and the policies that apply to the app role. */
export function tableFindings(
  t: TableRow,
  policies: readonly PolicyRow[],
  o: RlsCheckTarget,
  superuser: boolean,
): RlsFinding[] {
  const out = tableSettingsFindings(t, o, superuser);
  const name = `${o.schema}.${t.table}`;
  const table = qualifiedName(t.table, o.schema);
  const policySql = (): string => fullPolicySql(t, o);
  const applicable = policies.filter((p) => p.table === t.table && p.permissive && p.applies);
  if (applicable.length === 0) {
    out.push({
      code: "no-policy",
      severity: "error",
      table: name,
      message: `${escapeControl(name)} has no permissive policy for ${escapeControl(o.appRole)}: it sees no rows and cannot write`,
      fix: policySql(),
    });
  }
  for (const p of applicable) out.push(...policyFindings(p, name, table, o, policySql));
  return out;
}

function fullPolicySql(t: TableRow, o: RlsCheckTarget): string {
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

const READS = new Set(["r", "w", "d", "*"]);
const WRITES = new Set(["a", "w", "*"]);

/**
 * Findings about what a policy admits: reads (its USING, for SELECT/UPDATE/DELETE/ALL) and
 * writes (its WITH CHECK, or its USING when it has none, for INSERT/UPDATE/ALL). A write side
 * that is the very expression already reported for reads is not reported twice.
 */
function tieFindings(p: PolicyRow, o: RlsCheckTarget, base: FindingBase, recreate: () => string): RlsFinding[] {
  const out: RlsFinding[] = [];
  const binding = { column: o.tenantColumn, setting: o.setting, adminSetting: o.adminSetting };
  const readsKnown = (expr: string): boolean =>
    findSettingCalls(expr).some(
      (c) => c.name === o.setting || (o.adminSetting !== undefined && c.name === o.adminSetting),
    );
  const settings = `${o.setting}${o.adminSetting === undefined ? "" : ` or ${o.adminSetting}`}`;
  const using = READS.has(p.command) ? p.qual : undefined;
  const check = WRITES.has(p.command) ? (p.with_check === "" ? p.qual : p.with_check) : undefined;
  const usingOpen = using !== undefined && !isTenantBound(using, binding);
  if (usingOpen) {
    const ignores = !readsKnown(using);
    out.push({
      ...base,
      code: ignores ? "policy-without-setting" : "policy-branch-without-setting",
      severity: "error",
      message: ignores
        ? `policy ${base.shown} on ${base.tableShown} does not read ${settings}, so it admits rows of every tenant`
        : `policy ${base.shown} on ${base.tableShown} has a branch (OR) that does not compare ${o.tenantColumn} with ${settings}, so it admits rows of other tenants`,
      fix: recreate(),
    });
  }
  if (check !== undefined && !(usingOpen && check === using) && !isTenantBound(check, binding)) {
    out.push({
      ...base,
      code: "write-check-open",
      severity: "error",
      message: `policy ${base.shown} on ${base.tableShown} lets ${escapeControl(o.appRole)} write rows whose ${o.tenantColumn} is not ${o.setting} (its WITH CHECK is not tied to the tenant)`,
      fix: recreate(),
    });
  }
  return out;
}

interface FindingBase {
  readonly table: string;
  readonly policy: string;
  /** The policy name and table, escaped for messages. */
  readonly shown: string;
  readonly tableShown: string;
}

function policyFindings(
  p: PolicyRow,
  name: string,
  table: string,
  o: RlsCheckTarget,
  policySql: () => string,
): RlsFinding[] {
  const calls = [...findSettingCalls(p.qual), ...findSettingCalls(p.with_check)];
  const recreate = (): string => `DROP POLICY IF EXISTS ${quoteIdent(p.policy)} ON ${table};\n${policySql()}`;
  const full: FindingBase = {
    table: name,
    policy: p.policy,
    shown: escapeControl(p.policy),
    tableShown: escapeControl(name),
  };
  const out = tieFindings(p, o, full, recreate);
  const base = { table: name, policy: p.policy };
  const named = `policy ${full.shown} on ${full.tableShown}`;
  if (calls.some((c) => c.missingOk !== true)) {
    out.push({
      ...base,
      code: "setting-without-missing-ok",
      severity: "error",
      message: `${named} calls current_setting without missing_ok = true: it errors on connections that never set it and reads '' on those that did`,
      fix: recreate(),
    });
  }
  if (calls.some((c) => !c.wrapped)) {
    out.push({
      ...base,
      code: "setting-not-wrapped",
      severity: "warning",
      message: `${named} calls current_setting once per row; wrap it as (SELECT current_setting(…)) to evaluate it once`,
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
      message: `${named} does not treat an empty ${o.setting} as unset (NULLIF(…, '')); after a rolled-back SET LOCAL it reads ''`,
      fix: recreate(),
    });
  }
  return out;
}
