import type { RecoveryCodeEntry, RecoveryCodeStore } from "../../mfa/store.js";
import { type PostgresStoreOptions, readPostgresStoreOptions } from "./store-options.js";

/** Options for {@link createPostgresRecoveryCodeStore}. */
export type PostgresRecoveryCodeStoreOptions = PostgresStoreOptions;

// The two-key advisory lock space is separate from the one-key space the migration runner
// uses; the first key ("mkrc") names this table, the second is the user.
const LOCK_SQL = "SELECT pg_advisory_xact_lock(1835758179, hashtext($1))";
const DELETE_SQL = "DELETE FROM moatkit_recovery_codes WHERE user_id = $1";
const FIND_SQL = "SELECT hash FROM moatkit_recovery_codes WHERE user_id = $1 AND selector = $2";
// The count reads the statement's snapshot, taken before the delete, hence `before - deleted`.
const CONSUME_SQL = `WITH deleted AS (
  DELETE FROM moatkit_recovery_codes WHERE user_id = $1 AND selector = $2 AND hash = $3 RETURNING 1
)
SELECT (SELECT count(*) FROM deleted)::int AS deleted,
       (SELECT count(*) FROM moatkit_recovery_codes WHERE user_id = $1)::int AS before`;
const COUNT_SQL = "SELECT count(*)::int AS n FROM moatkit_recovery_codes WHERE user_id = $1";

function insertSql(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => `($1, $${String(2 * i + 2)}, $${String(2 * i + 3)})`);
  return `INSERT INTO moatkit_recovery_codes (user_id, selector, hash) VALUES ${rows.join(", ")}`;
}

/**
 * A {@link RecoveryCodeStore} in Postgres (table `moatkit_recovery_codes`), for `pg.Pool` and
 * PGlite. Replacing a user's set takes a per-user advisory lock inside its transaction, so
 * concurrent replacements serialise instead of mixing.
 *
 * @example
 * ```ts
 * import { createPostgresRecoveryCodeStore, fromPgPool, migrate } from "moatkit/adapters/postgres";
 * const client = fromPgPool(pool);
 * await migrate(client);
 * const recovery = createRecoveryCodes({ store: createPostgresRecoveryCodeStore({ client }) });
 * ```
 */
export function createPostgresRecoveryCodeStore(options: PostgresRecoveryCodeStoreOptions): RecoveryCodeStore {
  const client = readPostgresStoreOptions(options, "createPostgresRecoveryCodeStore");
  return {
    async replaceRecoveryCodes(userId, entries: readonly RecoveryCodeEntry[]) {
      await client.transaction(async (tx) => {
        await tx.query(LOCK_SQL, [userId]);
        await tx.query(DELETE_SQL, [userId]);
        if (entries.length > 0) {
          await tx.query(insertSql(entries.length), [userId, ...entries.flatMap((e) => [e.selector, e.hash])]);
        }
      });
    },
    async findRecoveryCode(userId, selector) {
      const { rows } = await client.query<{ hash: string }>(FIND_SQL, [userId, selector]);
      return rows[0]?.hash ?? null;
    },
    async consumeRecoveryCode(userId, selector, hash) {
      const { rows } = await client.query<{ deleted: number; before: number }>(CONSUME_SQL, [userId, selector, hash]);
      const row = rows[0];
      if (row === undefined || row.deleted !== 1) return null;
      return row.before - 1;
    },
    async countRecoveryCodes(userId) {
      const { rows } = await client.query<{ n: number }>(COUNT_SQL, [userId]);
      return rows[0]?.n ?? 0;
    },
  };
}
