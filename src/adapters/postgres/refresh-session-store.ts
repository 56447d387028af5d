/**
 * Refresh sessions in Postgres. A rotation locks the family's row (`SELECT … FOR UPDATE`) and
 * decides inside that transaction, so concurrent refreshes of one family run one at a time and
 * exactly one of them rotates. Tables: `moatkit_refresh_sessions`, `moatkit_refresh_tokens`
 * (migration `sessions` v1).
 */
import { planRotation } from "../../sessions/rotation-plan.js";
import type {
  NewRefreshSession,
  RefreshSessionRecord,
  RefreshSessionStore,
  RefreshTokenRotateInput,
  RefreshTokenRotateOutcome,
} from "../../sessions/refresh-session-store.js";
import { epochMsSql, timestampParam } from "./sql-time.js";
import { type PostgresStoreOptions, readPostgresStoreOptions } from "./store-options.js";

/** Options for {@link createPostgresRefreshSessionStore}. */
export type PostgresRefreshSessionStoreOptions = PostgresStoreOptions;

interface SessionRow {
  session_id: string;
  subject: string;
  claims: string;
  created_at: number;
  revoked_at: number | null;
  generation: number;
  head_hash: string;
  head_expires_at: number;
  prev_hash: string | null;
  prev_used_at: number | null;
  prev_nonce: string | null;
}

const SESSION_COLUMNS = `session_id, subject, claims, ${epochMsSql("created_at")} AS created_at,
  ${epochMsSql("revoked_at")} AS revoked_at, generation, head_hash, ${epochMsSql("head_expires_at")} AS head_expires_at,
  prev_hash, ${epochMsSql("prev_used_at")} AS prev_used_at, prev_nonce`;

function toRecord(row: SessionRow): RefreshSessionRecord {
  return {
    sessionId: row.session_id,
    subject: row.subject,
    claimsJson: row.claims,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    generation: row.generation,
    expiresAt: row.head_expires_at,
  };
}

/**
 * A {@link RefreshSessionStore} on Postgres (or PGlite).
 *
 * @example
 * ```ts
 * import { createPostgresRefreshSessionStore, fromPgPool, migrate } from "moatkit/adapters/postgres";
 * const client = fromPgPool(pool);
 * await migrate(client);
 * const sessions = createSessions({ tokens, store: createPostgresRefreshSessionStore({ client }) });
 * ```
 */
export function createPostgresRefreshSessionStore(options: PostgresRefreshSessionStoreOptions): RefreshSessionStore {
  const client = readPostgresStoreOptions(options, "createPostgresRefreshSessionStore");

  return {
    async createRefreshSession(session: NewRefreshSession): Promise<void> {
      return client.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO moatkit_refresh_sessions (session_id, subject, claims, created_at, generation, head_hash, head_expires_at)
           VALUES ($1, $2, $3, $4::timestamptz, 1, $5, $6::timestamptz)`,
          [
            session.sessionId,
            session.subject,
            session.claimsJson,
            timestampParam(session.createdAt),
            session.tokenHash,
            timestampParam(session.expiresAt),
          ],
        );
        await tx.query(
          "INSERT INTO moatkit_refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3::timestamptz)",
          [session.tokenHash, session.sessionId, timestampParam(session.expiresAt)],
        );
      });
    },

    async rotateRefreshToken(input: RefreshTokenRotateInput): Promise<RefreshTokenRotateOutcome> {
      return client.transaction(async (tx): Promise<RefreshTokenRotateOutcome> => {
        const token = (
          await tx.query<{ session_id: string; expires_at: number }>(
            `SELECT session_id, ${epochMsSql("expires_at")} AS expires_at FROM moatkit_refresh_tokens WHERE token_hash = $1`,
            [input.tokenHash],
          )
        ).rows[0];
        if (token === undefined) return { status: "not_found" };
        // The row lock serialises every rotation and revocation of this family.
        const row = (
          await tx.query<SessionRow>(
            `SELECT ${SESSION_COLUMNS} FROM moatkit_refresh_sessions WHERE session_id = $1 FOR UPDATE`,
            [token.session_id],
          )
        ).rows[0];
        if (row === undefined) return { status: "not_found" };
        const state = {
          revokedAt: row.revoked_at,
          headHash: row.head_hash,
          prevHash: row.prev_hash,
          prevUsedAt: row.prev_used_at,
        };
        switch (planRotation(state, input.tokenHash, token.expires_at, input)) {
          case "expired":
            return { status: "expired" };
          case "revoked":
            return { status: "revoked", session: toRecord(row) };
          case "overlap":
            return {
              status: "overlap",
              session: toRecord(row),
              successorHash: row.head_hash,
              successorNonce: row.prev_nonce ?? "",
            };
          case "reuse": {
            await tx.query("UPDATE moatkit_refresh_sessions SET revoked_at = $2::timestamptz WHERE session_id = $1", [
              row.session_id,
              timestampParam(input.now),
            ]);
            return { status: "reused", session: { ...toRecord(row), revokedAt: input.now } };
          }
          case "rotate": {
            const { successor } = input;
            await tx.query(
              `UPDATE moatkit_refresh_sessions
               SET generation = generation + 1, head_hash = $2, head_expires_at = $3::timestamptz,
                   prev_hash = $4, prev_used_at = $5::timestamptz, prev_nonce = $6
               WHERE session_id = $1`,
              [
                row.session_id,
                successor.tokenHash,
                timestampParam(successor.expiresAt),
                input.tokenHash,
                timestampParam(input.now),
                successor.nonce,
              ],
            );
            await tx.query(
              "INSERT INTO moatkit_refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3::timestamptz)",
              [successor.tokenHash, row.session_id, timestampParam(successor.expiresAt)],
            );
            return {
              status: "rotated",
              session: { ...toRecord(row), generation: row.generation + 1, expiresAt: successor.expiresAt },
            };
          }
        }
      });
    },

    async getRefreshSession(sessionId: string): Promise<RefreshSessionRecord | null> {
      const row = (
        await client.query<SessionRow>(
          `SELECT ${SESSION_COLUMNS} FROM moatkit_refresh_sessions WHERE session_id = $1`,
          [sessionId],
        )
      ).rows[0];
      return row === undefined ? null : toRecord(row);
    },

    async revokeRefreshSession(sessionId: string, at: number): Promise<boolean> {
      const result = await client.query(
        "UPDATE moatkit_refresh_sessions SET revoked_at = $2::timestamptz WHERE session_id = $1 AND revoked_at IS NULL",
        [sessionId, timestampParam(at)],
      );
      return result.rowCount > 0;
    },

    async revokeSubjectRefreshSessions(subject: string, at: number): Promise<number> {
      const result = await client.query(
        "UPDATE moatkit_refresh_sessions SET revoked_at = $2::timestamptz WHERE subject = $1 AND revoked_at IS NULL",
        [subject, timestampParam(at)],
      );
      return result.rowCount;
    },

    async deleteExpiredRefreshSessions(now: number): Promise<number> {
      return client.transaction(async (tx) => {
        const cutoff = timestampParam(now);
        const tokens = await tx.query("DELETE FROM moatkit_refresh_tokens WHERE expires_at <= $1::timestamptz", [
          cutoff,
        ]);
        // Tokens of these sessions go with them (ON DELETE CASCADE); all had expired anyway.
        const sessions = await tx.query(
          "DELETE FROM moatkit_refresh_sessions WHERE head_expires_at <= $1::timestamptz",
          [cutoff],
        );
        return tokens.rowCount + sessions.rowCount;
      });
    },
  };
}
