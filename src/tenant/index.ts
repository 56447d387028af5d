/**
 * Tenant isolation: a tenant context carried through async calls, Postgres row-level security
 * applied per transaction with `SET LOCAL`, the policy SQL and a linter for it, audited admin
 * widening, impersonation that records both identities, and tenant export and hard delete.
 * The Kysely query guard is in `moatkit/tenant/kysely`, so this subpath never loads Kysely.
 *
 * @example
 * ```ts
 * import { createTenantRls, rlsPolicySql, runWithTenant } from "moatkit/tenant";
 * await db.exec(rlsPolicySql({ table: "invoices" }));            // in a migration
 * const rls = createTenantRls({ appRole: "app_user" });
 * await runWithTenant({ tenantId: "t_42", userId: "u_7" }, () =>
 *   rls.withTenantTransaction(db, (tx) => tx.query("SELECT * FROM invoices")), // t_42's rows only
 * );
 * ```
 *
 * @module
 */
export { runWithTenant, currentTenant, type TenantContext } from "./context.js";
export { impersonate, type ImpersonateInput } from "./impersonation.js";
export {
  createTenantRls,
  type TenantRls,
  type TenantRlsOptions,
  type AdminAccessRequest,
  type AdminAccessEvent,
} from "./transaction.js";
export { DEFAULT_SETTINGS, type TenantSettings } from "./settings.js";
export { rlsPolicySql, type RlsPolicyOptions } from "./policy-sql.js";
export {
  checkRls,
  formatRlsReport,
  type CheckRlsOptions,
  type RlsReport,
  type RlsSkippedTable,
  type RlsFinding,
  type RlsFindingCode,
} from "./rls-check.js";
export { exportTenant, type ExportTenantOptions } from "./export.js";
export { deleteTenant, type DeleteTenantOptions, type TenantDeleteResult, type DeletedTable } from "./delete.js";
export type { TenantDataOptions } from "./data-scope.js";
