/**
 * The ways around a tenant table's policies that `checkRls` looks for beyond the table itself:
 * views and materialized views over it, SECURITY DEFINER functions that read it, and the
 * privileges RLS does not govern (TRUNCATE, REFERENCES, TRIGGER). "The app role can" means
 * Postgres's MEMBER semantics: a grant to PUBLIC, to the app role, or to any role it is a member
 * of, with or without INHERIT, because a member can always `SET ROLE` to it.
 */
import { escapeControl, hasControl } from "../_internal/display.js";
import type { SqlClient } from "../sql/sql-client.js";
import { qualifiedName, quoteIdent } from "./identifiers.js";
import type { RlsCheckTarget, RlsFinding } from "./rls-findings.js";

/** A grantee in GRANT/REVOKE: null (grantee 0) is the PUBLIC keyword, every role is quoted. */
const grantee = (role: string | null): string => (role === null ? "PUBLIC" : quoteIdent(role));
const byName = (a: string | null, b: string | null): number => (a ?? "").localeCompare(b ?? "");

/** Roles whose grant gives the app role a privilege on `acl` (MEMBER semantics), owner excluded. */
const holders = (acl: string, privilege: string, owner: string): string => `coalesce((
  SELECT array_agg(DISTINCT CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END)
  FROM pg_catalog.aclexplode(${acl}) x
  WHERE x.privilege_type = '${privilege}' AND x.grantee <> ${owner}
    AND (x.grantee = 0 OR pg_catalog.pg_has_role(a.oid, x.grantee, 'MEMBER'))), '{}')`;

// Views reach tenant tables directly or through other views; pg_depend records each step.
const VIEWS_SQL = `WITH RECURSIVE deps AS (
  SELECT DISTINCT rw.ev_class AS view_oid, d.refobjid AS ref_oid
  FROM pg_catalog.pg_rewrite rw
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
   AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> rw.ev_class
), tenant AS (
  SELECT c.oid, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = ANY ($2::text[])
), reach (view_oid, table_name) AS (
  SELECT d.view_oid, t.relname::text FROM deps d JOIN tenant t ON t.oid = d.ref_oid
  UNION
  SELECT d.view_oid, r.table_name FROM deps d JOIN reach r ON d.ref_oid = r.view_oid
)
SELECT DISTINCT ON (v.oid) vn.nspname AS schema, v.relname AS view, v.relkind = 'm' AS materialized,
  r.table_name AS "table", pg_catalog.pg_get_userbyid(v.relowner) AS owner,
  EXISTS (SELECT 1 FROM pg_catalog.pg_options_to_table(v.reloptions) o
          WHERE o.option_name = 'security_invoker' AND o.option_value::boolean) AS invoker,
  pg_catalog.pg_has_role(a.oid, v.relowner, 'MEMBER') AS owner_member,
  ${holders("v.relacl", "SELECT", "v.relowner")} AS readers
FROM reach r
JOIN pg_catalog.pg_class v ON v.oid = r.view_oid AND v.relkind IN ('v', 'm')
JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_catalog.pg_roles a ON a.rolname = $3
ORDER BY v.oid, r.table_name`;

// Definer functions outside extensions that the app role may execute. A NULL proacl is the
// default: EXECUTE for PUBLIC.
const FUNCTIONS_SQL = `SELECT n.nspname AS schema, p.proname AS name, p.prokind AS kind,
  pg_catalog.pg_get_function_identity_arguments(p.oid) AS args, coalesce(p.prosrc, '') AS body,
  (o.rolsuper OR o.rolbypassrls) AS owner_bypasses, pg_catalog.pg_get_userbyid(p.proowner) AS owner,
  coalesce((SELECT array_agg(DISTINCT t.relname::text) FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_class t ON t.oid = d.refobjid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
    WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
      AND d.refclassid = 'pg_catalog.pg_class'::regclass AND tn.nspname = $1), '{}') AS depends_on
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_roles o ON o.oid = p.proowner
JOIN pg_catalog.pg_roles a ON a.rolname = $2
WHERE p.prosecdef AND p.prokind IN ('f', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
    WHERE e.classid = 'pg_catalog.pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
  AND (p.proacl IS NULL OR pg_catalog.pg_has_role(a.oid, p.proowner, 'MEMBER')
    OR cardinality(${holders("p.proacl", "EXECUTE", "p.proowner")}) > 0)
ORDER BY n.nspname, p.proname, 4`;

const GRANTEES = `array_agg(DISTINCT CASE WHEN x.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END)`;
const APP_HOLDS = `x.grantee <> c.relowner AND (x.grantee = 0 OR pg_catalog.pg_has_role(a.oid, x.grantee, 'MEMBER'))`;

// Table grants, and column grants of REFERENCES (the one of the three a column can carry).
const PRIVILEGES_SQL = `SELECT c.relname AS "table", x.privilege_type AS privilege, NULL::text AS "column", ${GRANTEES} AS grantees
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_roles a ON a.rolname = $3
CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) x
WHERE n.nspname = $1 AND c.relname = ANY ($2::text[])
  AND x.privilege_type IN ('TRUNCATE', 'REFERENCES', 'TRIGGER') AND ${APP_HOLDS}
GROUP BY c.relname, x.privilege_type
UNION ALL
SELECT c.relname, x.privilege_type, col.attname::text, ${GRANTEES}
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_roles a ON a.rolname = $3
JOIN pg_catalog.pg_attribute col ON col.attrelid = c.oid AND col.attnum > 0 AND NOT col.attisdropped
CROSS JOIN LATERAL pg_catalog.aclexplode(col.attacl) x
WHERE n.nspname = $1 AND c.relname = ANY ($2::text[]) AND x.privilege_type = 'REFERENCES' AND ${APP_HOLDS}
GROUP BY c.relname, x.privilege_type, col.attname
ORDER BY 1, 2, 3 NULLS FIRST`;

interface ViewRow {
  schema: string;
  view: string;
  materialized: boolean;
  table: string;
  owner: string;
  invoker: boolean;
  owner_member: boolean;
  /** Roles whose SELECT the app role has; null is PUBLIC. */
  readers: (string | null)[];
}

interface FunctionRow {
  schema: string;
  name: string;
  kind: string;
  args: string;
  body: string;
  owner_bypasses: boolean;
  owner: string;
  depends_on: string[];
}

interface PrivilegeRow {
  table: string;
  privilege: string;
  /** Set for a column grant. */
  column: string | null;
  /** null is PUBLIC. */
  grantees: (string | null)[];
}

/** The catalog rows the exposure findings need. */
export interface ExposureRows {
  readonly views: readonly ViewRow[];
  readonly functions: readonly FunctionRow[];
  readonly privileges: readonly PrivilegeRow[];
}

/** Reads views, definer functions and grants that concern `tables` (tenant tables of `schema`). */
export async function readExposure(
  client: SqlClient,
  o: RlsCheckTarget,
  tables: readonly string[],
): Promise<ExposureRows> {
  if (tables.length === 0) return { views: [], functions: [], privileges: [] };
  const views = (await client.query<ViewRow>(VIEWS_SQL, [o.schema, tables, o.appRole])).rows;
  const functions = (await client.query<FunctionRow>(FUNCTIONS_SQL, [o.schema, o.appRole])).rows;
  const privileges = (await client.query<PrivilegeRow>(PRIVILEGES_SQL, [o.schema, tables, o.appRole])).rows;
  return { views, functions, privileges };
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether `body` names `name` as a whole identifier (any case, quoted or not). */
function mentions(body: string, name: string): boolean {
  return new RegExp(`(?:^|[^A-Za-z0-9_$])${escapeRegExp(name)}(?:$|[^A-Za-z0-9_$])`, "i").test(body);
}

/**
 * The tenant table a definer function reads, if any: one it depends on (SQL-standard bodies),
 * or one its source names — unqualified only for functions in the checked schema, since a
 * function elsewhere naming `docs` means its own schema's table. A function in the checked
 * schema whose owner bypasses RLS (superuser, BYPASSRLS) counts even when its source names no
 * tenant table: dynamic SQL can read any of them.
 */
function tableReadBy(f: FunctionRow, o: RlsCheckTarget, tables: readonly string[]): string | undefined {
  const local = f.schema === o.schema;
  return (
    f.depends_on.find((t) => tables.includes(t)) ??
    tables.find(
      (t) =>
        (local && mentions(f.body, t)) ||
        mentions(f.body, `${o.schema}.${t}`) ||
        f.body.includes(qualifiedName(t, o.schema)),
    ) ??
    (local && f.owner_bypasses ? tables[0] : undefined)
  );
}

function viewFinding(v: ViewRow, o: RlsCheckTarget): RlsFinding | undefined {
  if (!v.materialized && v.invoker) return undefined;
  if (v.readers.length === 0 && !v.owner_member) return undefined;
  const view = qualifiedName(v.view, v.schema);
  const shown = escapeControl(`${v.schema}.${v.view}`);
  const table = escapeControl(`${o.schema}.${v.table}`);
  const newOwner = o.ownerRole === undefined ? "CURRENT_USER" : quoteIdent(o.ownerRole);
  const revokeOwner = !v.owner_member
    ? []
    : v.owner === o.appRole
      ? [`ALTER MATERIALIZED VIEW ${view} OWNER TO ${newOwner};`]
      : [`REVOKE ${quoteIdent(v.owner)} FROM ${quoteIdent(o.appRole)};`];
  return {
    code: "view-bypasses-rls",
    severity: "error",
    table: `${o.schema}.${v.table}`,
    message: v.materialized
      ? `materialized view ${shown} holds rows of ${table} from every tenant (RLS does not apply to it) and ${escapeControl(o.appRole)} can read it`
      : `view ${shown} reads ${table} with its owner's rights (no security_invoker) and ${escapeControl(o.appRole)} can read it`,
    fix: v.materialized
      ? [
          ...[...v.readers].sort(byName).map((r) => `REVOKE SELECT ON ${view} FROM ${grantee(r)};`),
          ...revokeOwner,
          "-- or drop it, and serve the data through a view WITH (security_invoker = true)",
        ].join("\n")
      : `ALTER VIEW ${view} SET (security_invoker = true);`,
  };
}

function functionFinding(f: FunctionRow, o: RlsCheckTarget, tables: readonly string[]): RlsFinding | undefined {
  // Owned by the app role itself, it runs with the rights (and under the policies) the app has.
  if (f.owner === o.appRole && !f.owner_bypasses) return undefined;
  const table = tableReadBy(f, o, tables);
  if (table === undefined) return undefined;
  const routine = `${qualifiedName(f.name, f.schema)}(${f.args})`;
  const shown = escapeControl(`${f.schema}.${f.name}(${f.args})`);
  return {
    code: "definer-function-bypasses-rls",
    severity: "error",
    table: `${o.schema}.${table}`,
    message: `SECURITY DEFINER function ${shown} runs as ${escapeControl(f.owner)}${f.owner_bypasses ? ", who bypasses RLS," : ""} and can read ${escapeControl(`${o.schema}.${table}`)}; ${escapeControl(o.appRole)} can execute it`,
    fix: hasControl(f.args)
      ? "-- this function's arguments need quoting: make it SECURITY INVOKER (ALTER FUNCTION … SECURITY INVOKER) by hand"
      : `ALTER ${f.kind === "p" ? "PROCEDURE" : "FUNCTION"} ${routine} SECURITY INVOKER;`,
  };
}

const PRIVILEGE_RISK: Readonly<Record<string, string>> = {
  TRUNCATE: "TRUNCATE empties the table for every tenant; RLS does not apply to it",
  REFERENCES: "REFERENCES lets a foreign key probe which values other tenants hold",
  TRIGGER: "TRIGGER lets it attach code that sees every tenant's rows as they are written",
};

/** Every exposure finding, keyed by the tenant table it exposes (`schema.table`). */
export function exposureFindings(rows: ExposureRows, o: RlsCheckTarget, tables: readonly string[]): RlsFinding[] {
  const out: RlsFinding[] = [];
  for (const v of rows.views) {
    const f = viewFinding(v, o);
    if (f !== undefined) out.push(f);
  }
  for (const fn of rows.functions) {
    const f = functionFinding(fn, o, tables);
    if (f !== undefined) out.push(f);
  }
  for (const p of rows.privileges) {
    const name = `${o.schema}.${p.table}`;
    const on = p.column === null ? "" : ` (column ${escapeControl(p.column)})`;
    out.push({
      code: "unsafe-table-privilege",
      severity: "error",
      table: name,
      message: `${escapeControl(o.appRole)} holds ${p.privilege} on ${escapeControl(name)}${on}: ${PRIVILEGE_RISK[p.privilege] ?? "RLS does not govern it"}`,
      fix: `REVOKE ${p.privilege}${p.column === null ? "" : ` (${quoteIdent(p.column)})`} ON ${qualifiedName(p.table, o.schema)} FROM ${[...p.grantees].sort(byName).map(grantee).join(", ")};`,
    });
  }
  return out;
}
