/**
 * `checkRls`: the RLS linter. Reads the catalog once (the app role, the tables with the tenant
 * column, their policies) and reports what would let one tenant see another's rows.
 */
import { z } from "zod";
import { escapeControl } from "../_internal/display.js";
import { parseInput } from "../_internal/options.js";
import type { SqlClient } from "../sql/sql-client.js";
import { MoatError } from "../errors.js";
import { assertSqlClient } from "./client.js";
import { identifierSchema, roleSchema, settingSchema } from "./identifiers.js";
import {
  type PolicyRow,
  type RlsFinding,
  type RoleRow,
  type TableRow,
  noTenantTablesFinding,
  roleFindings,
  tableFindings,
} from "./rls-findings.js";
import { moatkitTableReason } from "./moatkit-tables.js";
import { exposureFindings, readExposure, type ExposureRows } from "./rls-exposure.js";
import { DEFAULT_SETTINGS } from "./settings.js";

export type { RlsFinding, RlsFindingCode } from "./rls-findings.js";

/** The result of {@link checkRls}. */
export interface RlsReport {
  /** `true` when no finding has severity `error`: use it as the exit status of a CI step. */
  readonly ok: boolean;
  /** Every finding, role findings first, then by table. */
  readonly findings: readonly RlsFinding[];
  /** The tables (`schema.table`) that have the tenant column and were held to tenant isolation. */
  readonly tablesChecked: readonly string[];
  /**
   * Tables that have the tenant column but are not tenant tables, with the reason: moatkit's own
   * (`moatkit_api_keys` is read before the tenant is known) and those in `exclude`.
   */
  readonly tablesSkipped: readonly RlsSkippedTable[];
}

/** A table {@link checkRls} did not hold to tenant isolation, and why. */
export interface RlsSkippedTable {
  /** `schema.table`. */
  readonly table: string;
  /** Why it is not a tenant table. */
  readonly reason: string;
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
  /**
   * Tables of `schema` that have the tenant column but are not tenant data (a lookup table
   * shared by all tenants, say): they are reported in `tablesSkipped` instead of checked.
   * moatkit's own tables are skipped without being listed here. A name that matches no table
   * with the tenant column gives an `exclude-not-found` warning.
   */
  readonly exclude?: readonly string[];
}

const optionsSchema = z.strictObject({
  appRole: roleSchema,
  schema: identifierSchema.default("public"),
  tenantColumn: identifierSchema.default("tenant_id"),
  setting: settingSchema.default(DEFAULT_SETTINGS.tenant),
  adminSetting: settingSchema.optional(),
  ownerRole: roleSchema.optional(),
  exclude: z.array(identifierSchema).max(10_000).readonly().default([]),
});

const ROLE_SQL = "SELECT rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = $1";

const TABLES_SQL = `SELECT c.relname AS "table", c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
  pg_catalog.pg_get_userbyid(c.relowner) AS owner,
  pg_catalog.format_type(a.atttypid, NULL) AS column_type,
  (c.relowner = r.oid) AS owned_directly,
  pg_catalog.pg_has_role(r.oid, c.relowner, 'MEMBER') AS owner_privileges
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_roles r ON r.rolname = $3
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY c.relname`;

const POLICIES_SQL = `SELECT c.relname AS "table", p.polname AS policy, p.polcmd::text AS command, p.polpermissive AS permissive,
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

/**
 * Checks that every table with the tenant column in `schema` is isolated the way
 * {@link rlsPolicySql} isolates it, and that the app role cannot bypass RLS: RLS enabled and
 * forced; permissive policies whose every branch, for reads and for writes, compares the tenant
 * column with the tenant setting (or checks the admin flag), read with `missing_ok = true`; the
 * app role neither superuser, nor BYPASSRLS, nor owner (nor a member of the owner, even
 * NOINHERIT). It also reports what reaches a tenant table around its policies: views without
 * `security_invoker` and materialized views the app role can read, `SECURITY DEFINER` functions
 * it can execute that read one, and TRUNCATE, REFERENCES or TRIGGER granted to it. Each finding
 * carries SQL that fixes it. Read-only: it only queries the catalog.
 *
 * moatkit's own tables (`moatkit_api_keys` has a `tenant_id` but is read before the tenant is
 * known) and the tables in `exclude` are not tenant tables: they are listed in
 * `report.tablesSkipped` with the reason, and `migrate()` followed by `checkRls` is clean.
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
  const { role, tables, policies, exposure } = await readCatalog(client, o);
  const tenant = tables.filter((t) => skipReason(t.table, o.exclude) === undefined);
  const tenantNames = tenant.map((t) => t.table);

  const findings: RlsFinding[] = roleFindings(role, o);
  if (tables.length === 0) findings.push(noTenantTablesFinding(o));
  const superuser = role?.rolsuper === true;
  const exposed = exposureFindings(exposure, o, tenantNames);
  for (const t of tenant) {
    findings.push(...tableFindings(t, policies, o, superuser));
    findings.push(...exposed.filter((f) => f.table === `${o.schema}.${t.table}`));
  }
  for (const name of new Set(o.exclude)) {
    if (!tables.some((t) => t.table === name)) findings.push(excludeNotFoundFinding(name, o));
  }
  return {
    ok: !findings.some((f) => f.severity === "error"),
    findings,
    tablesChecked: tenantNames.map((t) => `${o.schema}.${t}`),
    tablesSkipped: tables.flatMap((t) => {
      const reason = skipReason(t.table, o.exclude);
      return reason === undefined ? [] : [{ table: `${o.schema}.${t.table}`, reason }];
    }),
  };
}

interface Catalog {
  readonly role: RoleRow | undefined;
  readonly tables: readonly TableRow[];
  readonly policies: readonly PolicyRow[];
  readonly exposure: ExposureRows;
}

async function readCatalog(client: SqlClient, o: z.output<typeof optionsSchema>): Promise<Catalog> {
  try {
    const role = (await client.query<RoleRow>(ROLE_SQL, [o.appRole])).rows[0];
    const tables = (await client.query<TableRow>(TABLES_SQL, [o.schema, o.tenantColumn, o.appRole])).rows;
    const policies = (await client.query<PolicyRow>(POLICIES_SQL, [o.schema, o.appRole])).rows;
    const tenantNames = tables.filter((t) => skipReason(t.table, o.exclude) === undefined).map((t) => t.table);
    const exposure = await readExposure(client, o, role === undefined ? [] : tenantNames);
    return { role, tables, policies, exposure };
  } catch (err) {
    throw new MoatError("ERR_STORE", { message: "checkRls could not read the catalog", cause: err });
  }
}

function skipReason(table: string, exclude: readonly string[]): string | undefined {
  return moatkitTableReason(table) ?? (exclude.includes(table) ? "excluded by the exclude option" : undefined);
}

function excludeNotFoundFinding(name: string, o: { schema: string; tenantColumn: string }): RlsFinding {
  return {
    code: "exclude-not-found",
    severity: "warning",
    table: `${o.schema}.${name}`,
    message: `exclude names ${o.schema}.${name}, but no table of that name has a ${o.tenantColumn} column`,
    fix: `-- nothing to run: remove ${name} from the exclude option`,
  };
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
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    !("findings" in candidate) ||
    !Array.isArray(candidate.findings)
  ) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "expected the report checkRls returned" });
  }
  const lines: string[] = [];
  for (const f of report.findings) {
    lines.push(
      `${f.severity === "error" ? "✗ error  " : "! warning"} ${f.code}${f.table === undefined ? "" : ` (${f.table})`}`,
    );
    lines.push(`    ${f.message}`);
    lines.push(...f.fix.split("\n").map((l, i) => `    ${i === 0 ? "fix: " : "     "}${l}`));
  }
  const skipped: unknown = Reflect.get(candidate, "tablesSkipped");
  for (const s of Array.isArray(skipped) ? (skipped as RlsSkippedTable[]) : []) {
    lines.push(`- skipped ${s.table}: ${s.reason}`);
  }
  const errors = report.findings.filter((f) => f.severity === "error").length;
  const warnings = report.findings.length - errors;
  const tables = report.tablesChecked.length;
  lines.push(
    `${report.ok ? "✓" : "✗"} RLS check: ${String(errors)} error${errors === 1 ? "" : "s"}, ${String(warnings)} warning${warnings === 1 ? "" : "s"} in ${String(tables)} table${tables === 1 ? "" : "s"}`,
  );
  // Names come from the catalog: a newline or an ANSI escape in one must not print a line of its own.
  return lines.map(escapeControl).join("\n");
}
