/**
 * Nested transactions for the SqlClient adapters in this folder: `transaction` called inside a
 * transaction becomes a SAVEPOINT, so code that opens its own transaction composes with a caller's.
 */
import type { SqlClient } from "../../sql/sql-client.js";

/**
 * Runs `fn` in a savepoint of an open transaction; used for nested `transaction` calls.
 * @internal
 */
export async function withSavepoint<T>(tx: SqlClient, depth: number, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
  // The savepoint name is derived from a nesting depth, never from user input.
  const name = `moatkit_sp_${String(depth)}`;
  await tx.query(`SAVEPOINT ${name}`);
  try {
    const result = await fn(tx);
    await tx.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (err) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw err;
  }
}
