/**
 * One-time tokens in Postgres. Consuming is one conditional UPDATE: under concurrency Postgres
 * re-checks `used_at IS NULL` on the locked row, so exactly one caller consumes. Table:
 * `moatkit_one_time_tokens` (migration `sessions` v1).
 */
import type {
  OneTimeTokenConsumeInput,
  OneTimeTokenConsumeOutcome,
  OneTimeTokenRecord,
  OneTimeTokenStore,
} from "../../sessions/one-time-token-store.js";
import { epochMsSql, timestampParam } from "./sql-time.js";
import { type PostgresStoreOptions, readPostgresStoreOptions } from "./store-options.js";

/** Options for {@link createPostgresOneTimeTokenStore}. */
export type PostgresOneTimeTokenStoreOptions = PostgresStoreOptions;

/**
 * A {@link OneTimeTokenStore} on Postgres (or PGlite).
 *
 * @example
 * ```ts
 * import { createPostgresOneTimeTokenStore } from "moatkit/adapters/postgres";
 * const resets = createOneTimeTokens({ store: createPostgresOneTimeTokenStore({ client }), purpose: "password-reset" });
 * ```
 */
export function createPostgresOneTimeTokenStore(options: PostgresOneTimeTokenStoreOptions): OneTimeTokenStore {
  const client = readPostgresStoreOptions(options, "createPostgresOneTimeTokenStore");

  return {
    async createOneTimeToken(record: OneTimeTokenRecord): Promise<void> {
      await client.query(
        `INSERT INTO moatkit_one_time_tokens (token_hash, purpose, subject, created_at, expires_at)
         VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz)`,
        [
          record.tokenHash,
          record.purpose,
          record.subject,
          timestampParam(record.createdAt),
          timestampParam(record.expiresAt),
        ],
      );
    },

    async consumeOneTimeToken(input: OneTimeTokenConsumeInput): Promise<OneTimeTokenConsumeOutcome> {
      const now = timestampParam(input.now);
      const consumed = await client.query<{ subject: string }>(
        `UPDATE moatkit_one_time_tokens SET used_at = $3::timestamptz
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3::timestamptz
         RETURNING subject`,
        [input.tokenHash, input.purpose, now],
      );
      const winner = consumed.rows[0];
      if (winner !== undefined) return { status: "consumed", subject: winner.subject };
      // Not consumed: say why. A used token never becomes unused, so this read cannot contradict the update.
      const row = (
        await client.query<{ used: boolean; expires_at: number }>(
          `SELECT used_at IS NOT NULL AS used, ${epochMsSql("expires_at")} AS expires_at
           FROM moatkit_one_time_tokens WHERE token_hash = $1 AND purpose = $2`,
          [input.tokenHash, input.purpose],
        )
      ).rows[0];
      if (row === undefined) return { status: "not_found" };
      if (row.used) return { status: "used" };
      return { status: "expired" };
    },

    async deleteSubjectOneTimeTokens(purpose: string, subject: string): Promise<number> {
      const result = await client.query("DELETE FROM moatkit_one_time_tokens WHERE purpose = $1 AND subject = $2", [
        purpose,
        subject,
      ]);
      return result.rowCount;
    },

    async deleteExpiredOneTimeTokens(now: number): Promise<number> {
      const result = await client.query("DELETE FROM moatkit_one_time_tokens WHERE expires_at <= $1::timestamptz", [
        timestampParam(now),
      ]);
      return result.rowCount;
    },
  };
}
