/**
 * The database interface moatkit's Postgres-backed capabilities depend on. `moatkit/crypto`
 * (column rewrap), `moatkit/tenant` and the stores of `moatkit/adapters/postgres` take a
 * {@link SqlClient}; `fromPgPool` and `fromPglite` in `moatkit/adapters/postgres` make one, and
 * any driver that implements its three methods fits the same slot. This subpath holds types
 * only: importing it loads nothing.
 *
 * @example
 * ```ts
 * import type { SqlClient } from "moatkit/sql";
 * export async function countInvoices(db: SqlClient): Promise<number> {
 *   const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM invoices");
 *   return rows[0]?.n ?? 0;
 * }
 * ```
 *
 * @module
 */
export type { SqlClient, SqlResult } from "./sql-client.js";
