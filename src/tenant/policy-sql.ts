import { z } from "zod";
import { sha256Hex } from "../_internal/hash.js";
import { parseInput } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import {
  identifierSchema,
  qualifiedName,
  quoteIdent,
  roleSchema,
  settingLiteral,
  settingSchema,
} from "./identifiers.js";
import { ADMIN_ON, DEFAULT_SETTINGS } from "./settings.js";

/** Options of {@link rlsPolicySql}. */
export interface RlsPolicyOptions {
  /** The table to protect. */
  readonly table: string;
  /** Its schema; unqualified (search_path) when omitted. */
  readonly schema?: string;
  /** The column holding the tenant id. Default `tenant_id`. */
  readonly tenantColumn?: string;
  /**
   * The column's type, which the setting (always text) is cast to: `text` (default), `uuid`,
   * `bigint`, `integer`, `character varying` …
   */
  readonly tenantColumnType?: string;
  /** The setting holding the current tenant id. Default `app.tenant_id`. */
  readonly setting?: string;
  /**
   * The admin flag setting (e.g. `app.admin`). When given, a second policy admits every row
   * while the flag is `on` — which only {@link TenantRls.withAdminAccess} sets, for one
   * transaction. Omit it to have no admin widening (and drop an earlier admin policy).
   */
  readonly adminSetting?: string;
  /** Roles the tenant policy applies to. Default `PUBLIC` (every role, including the owner under FORCE). */
  readonly roles?: readonly string[];
  /** Roles the admin policy applies to. Default: the same as `roles`. */
  readonly adminRoles?: readonly string[];
}

const TYPE_RE = /^[a-z_][a-z0-9_]*(?: [a-z_][a-z0-9_]*)*$/;

const optionsSchema = z.strictObject({
  table: identifierSchema,
  schema: identifierSchema.optional(),
  tenantColumn: identifierSchema.default("tenant_id"),
  tenantColumnType: z.string().max(63).regex(TYPE_RE).default("text"),
  setting: settingSchema.default(DEFAULT_SETTINGS.tenant),
  adminSetting: settingSchema.optional(),
  roles: z.array(roleSchema).min(1).max(32).optional(),
  adminRoles: z.array(roleSchema).min(1).max(32).optional(),
});

const MAX_IDENTIFIER = 63;

/**
 * The policy name for `table` with `suffix`, kept within Postgres's 63-byte limit: a long table
 * name is shortened and given a hash of the full name, so two long names never collide.
 */
export function policyName(table: string, suffix: "tenant_isolation" | "admin_access"): string {
  const full = `${table}_${suffix}`;
  if (full.length <= MAX_IDENTIFIER) return full;
  const hash = sha256Hex(table).slice(0, 8);
  return `${table.slice(0, MAX_IDENTIFIER - suffix.length - hash.length - 2)}_${hash}_${suffix}`;
}

/**
 * The tenant predicate: the row's tenant column equals the setting, where a missing setting
 * (NULL) and an empty one (`''`, what `current_setting(x, true)` returns once a rolled-back
 * `SET LOCAL` touched it) both become NULL, and `col = NULL` is never true. The scalar subquery
 * makes Postgres evaluate the setting once per statement instead of once per row.
 */
function tenantPredicate(column: string, columnType: string, setting: string): string {
  return `${quoteIdent(column)} = (SELECT NULLIF(current_setting(${settingLiteral(setting)}, true), '')::${columnType})`;
}

function roleList(roles: readonly string[] | undefined): string {
  return roles === undefined ? "PUBLIC" : roles.map(quoteIdent).join(", ");
}

/**
 * SQL that puts `table` under tenant isolation: it enables **and forces** row-level security
 * (so the table owner is subject to it too) and (re)creates a policy admitting only rows whose
 * tenant column equals `current_setting(setting, true)`, for reads (USING) and writes (WITH
 * CHECK). Without the setting, or with it empty, no row is visible and every write is refused.
 * With `adminSetting`, a second policy admits every row while that flag is `on`.
 *
 * The script is idempotent (policies are dropped and recreated) and holds no values: run it in
 * a migration. Every name is validated and quoted.
 *
 * Unique constraints are checked across tenants regardless of RLS: a unique `email` column tells
 * tenant A that tenant B uses an address. Make such constraints `UNIQUE (tenant_id, email)`.
 *
 * @throws MoatError `ERR_INVALID_INPUT` on an invalid name or type, or equal settings.
 * @example
 * ```ts
 * import { rlsPolicySql } from "moatkit/tenant";
 * await db.exec(rlsPolicySql({ table: "invoices", tenantColumnType: "uuid", adminSetting: "app.admin" }));
 * ```
 */
export function rlsPolicySql(options: RlsPolicyOptions): string {
  const o = parseInput(optionsSchema, options, "rlsPolicySql options");
  if (o.adminSetting === o.setting) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "adminSetting must differ from setting" });
  }
  const table = qualifiedName(o.table, o.schema);
  const tenantPolicy = quoteIdent(policyName(o.table, "tenant_isolation"));
  const adminPolicy = quoteIdent(policyName(o.table, "admin_access"));
  const predicate = tenantPredicate(o.tenantColumn, o.tenantColumnType, o.setting);
  const lines = [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;`,
    `DROP POLICY IF EXISTS ${tenantPolicy} ON ${table};`,
    `CREATE POLICY ${tenantPolicy} ON ${table} AS PERMISSIVE FOR ALL TO ${roleList(o.roles)}`,
    `  USING (${predicate})`,
    `  WITH CHECK (${predicate});`,
    `DROP POLICY IF EXISTS ${adminPolicy} ON ${table};`,
  ];
  if (o.adminSetting !== undefined) {
    const admin = `(SELECT current_setting(${settingLiteral(o.adminSetting)}, true)) = '${ADMIN_ON}'`;
    lines.push(
      `CREATE POLICY ${adminPolicy} ON ${table} AS PERMISSIVE FOR ALL TO ${roleList(o.adminRoles ?? o.roles)}`,
      `  USING (${admin})`,
      `  WITH CHECK (${admin});`,
    );
  }
  return `${lines.join("\n")}\n`;
}
