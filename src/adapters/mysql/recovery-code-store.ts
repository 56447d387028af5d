import { wrapStore } from "../../_internal/store.js";
import { RECOVERY_CODE_STORE_METHODS, type RecoveryCodeStore } from "../../mfa/store.js";
import {
  type MysqlStoreOptions,
  execute,
  inTransaction,
  int,
  placeholders,
  readMysqlPool,
  retryDeadlocks,
  selectOne,
  selectRows,
  str,
} from "./client.js";

/** Options for {@link createMysqlRecoveryCodeStore}. */
export type MysqlRecoveryCodeStoreOptions = MysqlStoreOptions;

/**
 * A {@link RecoveryCodeStore} in `moatkit_recovery_codes` (migration `mfa` v1).
 *
 * - Consuming is one `DELETE … WHERE user_id, selector AND hash` by primary key: of N concurrent
 *   callers exactly one sees `affectedRows = 1`.
 * - Replacing a set locks the user's row in `moatkit_recovery_code_sets` first (an
 *   `INSERT … ON DUPLICATE KEY UPDATE`, which takes an exclusive row lock whether the row is new
 *   or not, so concurrent replacements queue instead of deadlocking on shared locks), then
 *   deletes the old codes by primary key and inserts the new ones, all in one transaction:
 *   concurrent replacements leave exactly one whole set.
 *
 * @throws MoatError ERR_CONFIG when `pool` is missing.
 * @example
 * ```ts
 * import { createRecoveryCodes } from "moatkit/mfa";
 * import { createMysqlRecoveryCodeStore } from "moatkit/adapters/mysql";
 * const recovery = createRecoveryCodes({ store: createMysqlRecoveryCodeStore({ pool }) });
 * ```
 */
export function createMysqlRecoveryCodeStore(options: MysqlRecoveryCodeStoreOptions): RecoveryCodeStore {
  const pool = readMysqlPool(options, "createMysqlRecoveryCodeStore");
  const count = async (userId: string): Promise<number> => {
    const row = await selectOne(pool, "SELECT COUNT(*) AS n FROM moatkit_recovery_codes WHERE user_id = ?", [userId]);
    return row === null ? 0 : int(row, "n");
  };

  const store: RecoveryCodeStore = {
    async replaceRecoveryCodes(userId, entries) {
      await retryDeadlocks(() =>
        inTransaction(pool, async (tx) => {
          await execute(
            tx,
            "INSERT INTO moatkit_recovery_code_sets (user_id, generation) VALUES (?, 1) ON DUPLICATE KEY UPDATE generation = generation + 1",
            [userId],
          );
          // Under the set lock no other replacement runs, and this transaction's first read comes
          // after the lock, so a plain read sees every code the previous replacement wrote. It
          // locks nothing: the DELETE below locks only the rows it names, never the key range
          // (a locking range read would hold the gap after this user's codes, where another
          // user's codes are inserted).
          const old = await selectRows(tx, "SELECT selector FROM moatkit_recovery_codes WHERE user_id = ?", [userId]);
          if (old.length > 0) {
            await execute(
              tx,
              `DELETE FROM moatkit_recovery_codes WHERE user_id = ? AND selector IN (${placeholders(old.length)})`,
              [userId, ...old.map((r) => r["selector"])],
            );
          }
          if (entries.length > 0) {
            await execute(
              tx,
              `INSERT INTO moatkit_recovery_codes (user_id, selector, hash) VALUES ${entries.map(() => "(?, ?, ?)").join(", ")}`,
              entries.flatMap((e) => [userId, e.selector, e.hash]),
            );
          }
        }),
      );
    },
    async findRecoveryCode(userId, selector) {
      const row = await selectOne(pool, "SELECT hash FROM moatkit_recovery_codes WHERE user_id = ? AND selector = ?", [
        userId,
        selector,
      ]);
      return row === null ? null : str(row, "hash");
    },
    async consumeRecoveryCode(userId, selector, hash) {
      const deleted = await execute(
        pool,
        "DELETE FROM moatkit_recovery_codes WHERE user_id = ? AND selector = ? AND hash = ?",
        [userId, selector, hash],
      );
      if (deleted !== 1) return null;
      return count(userId);
    },
    countRecoveryCodes: count,
  };
  return wrapStore("mysql recoveryCodes", store, RECOVERY_CODE_STORE_METHODS);
}
