/**
 * Deleting the rows that match a condition without range locks. A `DELETE … WHERE expires_at <=
 * ?` at REPEATABLE READ takes next-key locks on the whole scanned range and the gap after it,
 * which blocks (and can deadlock with) inserts and rotations that have nothing to do with the
 * clean-up. Instead the keys are read without locks, then deleted by primary key with the
 * condition checked again, so only rows that exist and still match are locked.
 */
import { type MysqlQueryable, execute, placeholders, selectRows } from "./client.js";

/** What {@link deleteByKeys} deletes. Table, key and condition are fixed SQL written by the store. */
export interface DeleteByKeys {
  /** The table. */
  readonly table: string;
  /** Its single-column primary key. */
  readonly key: string;
  /** The condition, with `?` placeholders. */
  readonly where: string;
  /** The condition's values. */
  readonly values: readonly unknown[];
}

/** Keys read and deleted per round. */
const BATCH = 500;

/** @internal Deletes every row matching `spec.where`, in batches by primary key; how many it deleted. */
export async function deleteByKeys(db: MysqlQueryable, spec: DeleteByKeys): Promise<number> {
  let deleted = 0;
  for (;;) {
    const rows = await selectRows(
      db,
      `SELECT ${spec.key} AS k FROM ${spec.table} WHERE ${spec.where} ORDER BY ${spec.key} LIMIT ${String(BATCH)}`,
      [...spec.values],
    );
    const keys = rows.map((r) => r["k"]);
    if (keys.length === 0) return deleted;
    deleted += await execute(
      db,
      `DELETE FROM ${spec.table} WHERE ${spec.key} IN (${placeholders(keys.length)}) AND ${spec.where}`,
      [...keys, ...spec.values],
    );
    if (keys.length < BATCH) return deleted;
  }
}
