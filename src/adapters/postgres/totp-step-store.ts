import { type TotpStepStore, requireTotpStep } from "../../mfa/store.js";
import { type PostgresStoreOptions, readPostgresStoreOptions } from "./store-options.js";

/** Options for {@link createPostgresTotpStepStore}. */
export type PostgresTotpStepStoreOptions = PostgresStoreOptions;

// One statement: the upsert's WHERE is evaluated under the row lock, so of N concurrent
// advances to the same step exactly one updates (or inserts) the row.
const ADVANCE_SQL = `INSERT INTO moatkit_totp_steps (user_id, last_step) VALUES ($1, $2::bigint)
ON CONFLICT (user_id) DO UPDATE SET last_step = EXCLUDED.last_step, updated_at = now()
WHERE moatkit_totp_steps.last_step < EXCLUDED.last_step
RETURNING 1 AS advanced`;

// bigint as text: pg returns int8 as a string and PGlite as a BigInt; text reads the same in both.
const LAST_SQL = "SELECT last_step::text AS last_step FROM moatkit_totp_steps WHERE user_id = $1";

/**
 * A {@link TotpStepStore} in Postgres (table `moatkit_totp_steps`), for `pg.Pool` and PGlite.
 *
 * @example
 * ```ts
 * import { createPostgresTotpStepStore, fromPgPool, migrate } from "moatkit/adapters/postgres";
 * const client = fromPgPool(pool);
 * await migrate(client);
 * const totp = createTotp({ issuer: "Acme", store: createPostgresTotpStepStore({ client }) });
 * ```
 */
export function createPostgresTotpStepStore(options: PostgresTotpStepStoreOptions): TotpStepStore {
  const client = readPostgresStoreOptions(options, "createPostgresTotpStepStore");
  return {
    async advanceTotpStep(userId, step) {
      requireTotpStep(step);
      const { rows } = await client.query(ADVANCE_SQL, [userId, String(step)]);
      return rows.length === 1;
    },
    async getLastTotpStep(userId) {
      const { rows } = await client.query<{ last_step: string }>(LAST_SQL, [userId]);
      const row = rows[0];
      return row === undefined ? null : Number(row.last_step);
    },
  };
}
