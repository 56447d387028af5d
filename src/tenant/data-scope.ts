/** Options and transaction setup shared by {@link exportTenant} and {@link deleteTenant}. */
import type { z } from "zod";
import type { SqlClient } from "../sql/sql-client.js";
import { MoatError } from "../errors.js";
import { sqlState } from "./client.js";
import { identifierSchema, quoteIdent, roleSchema, settingSchema } from "./identifiers.js";
import { DEFAULT_SETTINGS } from "./settings.js";

/** Where a tenant's data lives; options of {@link exportTenant} and {@link deleteTenant}. */
export interface TenantDataOptions {
  /** The schema to walk. Default `public`. Foreign keys from other schemas are not followed. */
  readonly schema?: string;
  /** The tenant column. Default `tenant_id`. */
  readonly tenantColumn?: string;
  /**
   * The tenant setting, set to the tenant id for the transaction so that tables under
   * forced RLS show the tenant's rows to their owner. Default `app.tenant_id`.
   */
  readonly setting?: string;
  /**
   * A role to `SET LOCAL ROLE` to first — the app role, so RLS itself confines the
   * operation to the tenant. Default: the connection's own role.
   */
  readonly role?: string;
}

/** The zod shape of {@link TenantDataOptions}, for the functions to extend. */
export const dataOptionsShape: {
  schema: z.ZodDefault<z.ZodString>;
  tenantColumn: z.ZodDefault<z.ZodString>;
  setting: z.ZodDefault<z.ZodType<string>>;
  role: z.ZodOptional<z.ZodType<string>>;
} = {
  schema: identifierSchema.default("public"),
  tenantColumn: identifierSchema.default("tenant_id"),
  setting: settingSchema.default(DEFAULT_SETTINGS.tenant),
  role: roleSchema.optional(),
};

/** Parsed {@link TenantDataOptions}. */
interface DataScope {
  readonly schema: string;
  readonly tenantColumn: string;
  readonly setting: string;
  readonly role?: string | undefined;
}

/** Switches role (if asked) and sets the tenant setting for the rest of the transaction. */
export async function enterTenantScope(tx: SqlClient, tenantId: string, scope: DataScope): Promise<void> {
  try {
    if (scope.role !== undefined) await tx.query(`SET LOCAL ROLE ${quoteIdent(scope.role)}`);
    await tx.query("SELECT set_config($1, $2, true)", [scope.setting, tenantId]);
  } catch (err) {
    const state = sqlState(err);
    const config = state === "22023" || state === "42704" || state === "42501";
    throw new MoatError(config ? "ERR_CONFIG" : "ERR_STORE", {
      message: config ? "cannot switch to the configured role" : "tenant data transaction setup failed",
      cause: err,
    });
  }
}
