import { wrapStore } from "../../_internal/store.js";
import { TOTP_STEP_STORE_METHODS, type TotpStepStore, requireTotpStep } from "../../mfa/store.js";
import { type MysqlStoreOptions, execute, int, isDuplicateKey, readMysqlPool, selectOne } from "./client.js";

/** Options for {@link createMysqlTotpStepStore}. */
export type MysqlTotpStepStoreOptions = MysqlStoreOptions;

const ADVANCE_SQL = "UPDATE moatkit_totp_steps SET last_step = ? WHERE user_id = ? AND last_step < ?";

/**
 * A {@link TotpStepStore} in `moatkit_totp_steps` (migration `mfa` v1).
 *
 * Advancing is a conditional UPDATE (`last_step < step`), judged by `affectedRows`; for a user
 * with no row yet, a plain INSERT, and when a concurrent caller inserted first (duplicate key)
 * the UPDATE once more, which is then authoritative because rows are never deleted. No
 * `INSERT … ON DUPLICATE KEY UPDATE`: its `affectedRows` reads 1 both for an insert and for an
 * update that changed nothing when the connection has the FOUND_ROWS flag (mysql2's default),
 * so it cannot tell a win from a loss; and no `INSERT IGNORE`, which would also swallow errors
 * such as an over-long id.
 *
 * @throws MoatError ERR_CONFIG when `pool` is missing.
 * @example
 * ```ts
 * import { createTotp } from "moatkit/mfa";
 * import { createMysqlTotpStepStore } from "moatkit/adapters/mysql";
 * const totp = createTotp({ issuer: "Acme", store: createMysqlTotpStepStore({ pool }) });
 * ```
 */
export function createMysqlTotpStepStore(options: MysqlTotpStepStoreOptions): TotpStepStore {
  const pool = readMysqlPool(options, "createMysqlTotpStepStore");
  const store: TotpStepStore = {
    async advanceTotpStep(userId, step) {
      requireTotpStep(step);
      // Steps travel as decimal strings: exact up to 2^53 - 1 whatever the driver does with numbers.
      const value = String(step);
      if ((await execute(pool, ADVANCE_SQL, [value, userId, value])) === 1) return true;
      try {
        await execute(pool, "INSERT INTO moatkit_totp_steps (user_id, last_step) VALUES (?, ?)", [userId, value]);
        return true;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      return (await execute(pool, ADVANCE_SQL, [value, userId, value])) === 1;
    },
    async getLastTotpStep(userId) {
      const row = await selectOne(
        pool,
        "SELECT CAST(last_step AS CHAR) AS last_step FROM moatkit_totp_steps WHERE user_id = ?",
        [userId],
      );
      return row === null ? null : int(row, "last_step");
    },
  };
  return wrapStore("mysql totpSteps", store, TOTP_STEP_STORE_METHODS);
}
