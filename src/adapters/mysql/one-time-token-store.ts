import { wrapStore } from "../../_internal/store.js";
import {
  ONE_TIME_TOKEN_STORE_METHODS,
  type OneTimeTokenConsumeOutcome,
  type OneTimeTokenStore,
} from "../../sessions/one-time-token-store.js";
import { type MysqlStoreOptions, execute, int, readMysqlPool, selectOne, str } from "./client.js";
import { deleteByKeys } from "./delete-by-keys.js";

/** Options for {@link createMysqlOneTimeTokenStore}. */
export type MysqlOneTimeTokenStoreOptions = MysqlStoreOptions;

/**
 * A {@link OneTimeTokenStore} in `moatkit_one_time_tokens` (migration `sessions` v1). Consuming
 * is one conditional UPDATE (`used_at IS NULL AND expires_at > now`): InnoDB re-checks the
 * condition on the latest row version under the row lock, so of N concurrent consumers exactly
 * one sees `affectedRows = 1`; that one then reads the subject, which never changes. Clean-ups
 * read the doomed keys first and delete them by primary key, so they lock only rows that exist,
 * never a range an insert could be waiting on.
 *
 * @throws MoatError ERR_CONFIG when `pool` is missing.
 * @example
 * ```ts
 * import { createOneTimeTokens } from "moatkit/sessions";
 * import { createMysqlOneTimeTokenStore } from "moatkit/adapters/mysql";
 * const resets = createOneTimeTokens({ store: createMysqlOneTimeTokenStore({ pool }), purpose: "password-reset" });
 * ```
 */
export function createMysqlOneTimeTokenStore(options: MysqlOneTimeTokenStoreOptions): OneTimeTokenStore {
  const pool = readMysqlPool(options, "createMysqlOneTimeTokenStore");

  const store: OneTimeTokenStore = {
    async createOneTimeToken(record) {
      await execute(
        pool,
        "INSERT INTO moatkit_one_time_tokens (token_hash, purpose, subject, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [record.tokenHash, record.purpose, record.subject, record.createdAt, record.expiresAt],
      );
    },

    async consumeOneTimeToken(input): Promise<OneTimeTokenConsumeOutcome> {
      const won = await execute(
        pool,
        `UPDATE moatkit_one_time_tokens SET used_at = ?
          WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
        [input.now, input.tokenHash, input.purpose, input.now],
      );
      const row = await selectOne(
        pool,
        "SELECT subject, used_at IS NOT NULL AS used FROM moatkit_one_time_tokens WHERE token_hash = ? AND purpose = ?",
        [input.tokenHash, input.purpose],
      );
      if (won === 1) {
        // Deleted between the two statements (a clean-up of this subject): it was still ours.
        return row === null ? { status: "not_found" } : { status: "consumed", subject: str(row, "subject") };
      }
      if (row === null) return { status: "not_found" };
      // A used token never becomes unused, so this read cannot contradict the update.
      return int(row, "used") === 1 ? { status: "used" } : { status: "expired" };
    },

    deleteSubjectOneTimeTokens(purpose, subject) {
      return deleteByKeys(pool, {
        table: "moatkit_one_time_tokens",
        key: "token_hash",
        where: "purpose = ? AND subject = ?",
        values: [purpose, subject],
      });
    },

    deleteExpiredOneTimeTokens(now) {
      return deleteByKeys(pool, {
        table: "moatkit_one_time_tokens",
        key: "token_hash",
        where: "expires_at <= ?",
        values: [now],
      });
    },
  };
  return wrapStore("mysql oneTimeTokens", store, ONE_TIME_TOKEN_STORE_METHODS);
}
