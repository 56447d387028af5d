/**
 * Nested transactions for the SqlClient adapters in this folder: `transaction` called inside a
 * transaction becomes a SAVEPOINT, so code that opens its own transaction composes with a caller's.
 */
import { MoatError } from "../../errors.js";
import type { SqlClient } from "../../sql/sql-client.js";

/**
 * Runs `fn` in a savepoint of an open transaction; used for nested `transaction` calls.
 * @internal
 */
export async function withSavepoint<T>(tx: SqlClient, depth: number, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
  // The savepoint name is derived from a nesting depth, never from user input.
  const name = `moatkit_sp_${String(depth)}`;
  await tx.query(`SAVEPOINT ${name}`);
  let result: T;
  try {
    result = await fn(tx);
  } catch (err) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw err;
  }
  try {
    await tx.query(`RELEASE SAVEPOINT ${name}`);
  } catch (err) {
    // RELEASE fails when `fn` swallowed a failed statement (the transaction is aborted): its writes
    // are lost, so the block must not look successful. Rolling back to the savepoint leaves the
    // outer transaction usable.
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw new MoatError("ERR_STORE", { message: "the nested transaction was aborted and rolled back", cause: err });
  }
  return result;
}
