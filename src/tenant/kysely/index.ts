/**
 * The Kysely query guard for tenant tables, kept apart from `moatkit/tenant` so that importing
 * the tenant module never loads Kysely (an optional peer dependency).
 *
 * @example
 * ```ts
 * import { tenantGuard } from "moatkit/tenant/kysely";
 * const db = new Kysely<DB>({ dialect, plugins: [tenantGuard({ tables: ["projects", "tasks"] })] });
 * ```
 *
 * @module
 */
export { tenantGuard, type TenantGuardOptions } from "./tenant-guard.js";
