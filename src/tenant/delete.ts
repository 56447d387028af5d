import { z } from "zod";
import { parseInput } from "../_internal/options.js";
import type { SqlClient } from "../sql/sql-client.js";
import { MoatError } from "../errors.js";
import { assertSqlClient } from "./client.js";
import { idSchema } from "./context.js";
import { dataOptionsShape, enterTenantScope, type TenantDataOptions } from "./data-scope.js";
import { planTenantTables } from "./tenant-graph.js";

/** Options of {@link deleteTenant}. */
export interface DeleteTenantOptions extends TenantDataOptions {
  /** Count what would be deleted, in a read-only transaction, and change nothing. Default `false`. */
  readonly dryRun?: boolean;
}

/** Rows deleted (or, in a dry run, that would be) from one table. */
export interface DeletedTable {
  /** The table name. */
  readonly table: string;
  /** How many of the tenant's rows it held. */
  readonly rows: number;
}

/** What {@link deleteTenant} did. */
export interface TenantDeleteResult {
  /** Whether this was a dry run (nothing changed). */
  readonly dryRun: boolean;
  /** Every table of the tenant's data, in the order they were deleted (children first). */
  readonly tables: readonly DeletedTable[];
  /** The sum of `rows`. */
  readonly totalRows: number;
}

const optionsSchema = z.strictObject({ ...dataOptionsShape, dryRun: z.boolean().default(false) });

/**
 * Hard-deletes a tenant (GDPR erasure): every row of every table with the tenant column in
 * `schema`, and every row that references those rows through foreign keys, transitively. The
 * delete order comes from the foreign-key graph (children before parents), everything runs in
 * one transaction, and the result counts rows per table. `dryRun` counts the same rows in a
 * read-only transaction.
 *
 * Backups and logs still hold the tenant's data. Pair it with `shredTenant` from
 * `moatkit/crypto`, which destroys the tenant's data key so that encrypted copies anywhere
 * become unreadable.
 *
 * @throws MoatError `ERR_INVALID_INPUT` on a bad id or options; `ERR_UNSUPPORTED` when the
 *   tables' foreign keys form a cycle; `ERR_STORE` when a statement fails (nothing is deleted).
 * @example
 * ```ts
 * import { deleteTenant } from "moatkit/tenant";
 * const preview = await deleteTenant(db, "t_42", { dryRun: true });
 * const done = await deleteTenant(db, "t_42");
 * console.log(done.tables); // [{ table: "task_comments", rows: 12 }, { table: "tasks", rows: 4 }, …]
 * ```
 */
export async function deleteTenant(
  client: SqlClient,
  tenantId: string,
  options?: DeleteTenantOptions,
): Promise<TenantDeleteResult> {
  assertSqlClient(client);
  const id = parseInput(idSchema, tenantId, "tenant id");
  const o = parseInput(optionsSchema, options === undefined ? {} : options, "deleteTenant options");
  try {
    return await client.transaction(async (tx) => {
      if (o.dryRun) await tx.query("SET TRANSACTION READ ONLY");
      await enterTenantScope(tx, id, o);
      const plan = (await planTenantTables(tx, o.schema, o.tenantColumn)).reverse();
      const tables: DeletedTable[] = [];
      for (const t of plan) {
        const rows = o.dryRun
          ? ((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.sql} WHERE ${t.where}`, [id])).rows[0]
              ?.n ?? 0)
          : (await tx.query(`DELETE FROM ${t.sql} WHERE ${t.where}`, [id])).rowCount;
        tables.push({ table: t.table, rows });
      }
      return { dryRun: o.dryRun, tables, totalRows: tables.reduce((sum, t) => sum + t.rows, 0) };
    });
  } catch (err) {
    if (err instanceof MoatError) throw err;
    throw new MoatError("ERR_STORE", { message: "deleteTenant failed; nothing was deleted", cause: err });
  }
}
