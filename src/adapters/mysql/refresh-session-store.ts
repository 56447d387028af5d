import { wrapStore } from "../../_internal/store.js";
import {
  REFRESH_SESSION_STORE_METHODS,
  type RefreshSessionRecord,
  type RefreshSessionStore,
  type RefreshTokenRotateOutcome,
} from "../../sessions/refresh-session-store.js";
import { planRotation } from "../../sessions/rotation-plan.js";
import {
  type MysqlRow,
  type MysqlStoreOptions,
  execute,
  inTransaction,
  int,
  optInt,
  optStr,
  placeholders,
  readMysqlPool,
  retryDeadlocks,
  selectOne,
  selectRows,
  str,
} from "./client.js";
import { deleteByKeys } from "./delete-by-keys.js";

/** Options for {@link createMysqlRefreshSessionStore}. */
export type MysqlRefreshSessionStoreOptions = MysqlStoreOptions;

const SESSION_COLUMNS =
  "session_id, subject, claims, created_at, revoked_at, generation, head_hash, head_expires_at, prev_hash, prev_used_at, prev_nonce";

function toRecord(row: MysqlRow): RefreshSessionRecord {
  return {
    sessionId: str(row, "session_id"),
    subject: str(row, "subject"),
    claimsJson: str(row, "claims"),
    createdAt: int(row, "created_at"),
    revokedAt: optInt(row, "revoked_at"),
    generation: int(row, "generation"),
    expiresAt: int(row, "head_expires_at"),
  };
}

/**
 * A {@link RefreshSessionStore} in `moatkit_refresh_sessions` and `moatkit_refresh_tokens`
 * (migration `sessions` v1).
 *
 * A rotation looks the presented token up without locking (a token row never changes once
 * written, and an unknown token must not lock the gap where it would be), then locks the
 * family's row by primary key with `SELECT … FOR UPDATE` and decides on what that locking read
 * returned. That matters at REPEATABLE READ, InnoDB's default: a plain SELECT there reads the
 * transaction's snapshot, which can predate a rotation that committed while this one waited for
 * the lock, and a store deciding (or answering an overlap's nonce) from it hands out a stale
 * successor. A locking read always returns the latest committed row, at either isolation level.
 * Every rotation and revocation of a family takes the family row first, so their locks are always
 * taken in the same order.
 *
 * @throws MoatError ERR_CONFIG when `pool` is missing.
 * @example
 * ```ts
 * import { createSessions } from "moatkit/sessions";
 * import { createMysqlRefreshSessionStore } from "moatkit/adapters/mysql";
 * const sessions = createSessions({ tokens, store: createMysqlRefreshSessionStore({ pool }) });
 * ```
 */
export function createMysqlRefreshSessionStore(options: MysqlRefreshSessionStoreOptions): RefreshSessionStore {
  const pool = readMysqlPool(options, "createMysqlRefreshSessionStore");

  const store: RefreshSessionStore = {
    async createRefreshSession(session) {
      await inTransaction(pool, async (tx) => {
        await execute(
          tx,
          `INSERT INTO moatkit_refresh_sessions (session_id, subject, claims, created_at, generation, head_hash, head_expires_at)
           VALUES (?, ?, ?, ?, 1, ?, ?)`,
          [
            session.sessionId,
            session.subject,
            session.claimsJson,
            session.createdAt,
            session.tokenHash,
            session.expiresAt,
          ],
        );
        await execute(tx, "INSERT INTO moatkit_refresh_tokens (token_hash, session_id, expires_at) VALUES (?, ?, ?)", [
          session.tokenHash,
          session.sessionId,
          session.expiresAt,
        ]);
      });
    },

    rotateRefreshToken(input) {
      return retryDeadlocks(() =>
        inTransaction(pool, async (tx): Promise<RefreshTokenRotateOutcome> => {
          const token = await selectOne(
            tx,
            "SELECT session_id, expires_at FROM moatkit_refresh_tokens WHERE token_hash = ?",
            [input.tokenHash],
          );
          if (token === null) return { status: "not_found" };
          const row = await selectOne(
            tx,
            `SELECT ${SESSION_COLUMNS} FROM moatkit_refresh_sessions WHERE session_id = ? FOR UPDATE`,
            [token["session_id"]],
          );
          if (row === null) return { status: "not_found" };
          const session = toRecord(row);
          const state = {
            revokedAt: session.revokedAt,
            headHash: str(row, "head_hash"),
            prevHash: optStr(row, "prev_hash"),
            prevUsedAt: optInt(row, "prev_used_at"),
          };
          switch (planRotation(state, input.tokenHash, int(token, "expires_at"), input)) {
            case "expired":
              return { status: "expired" };
            case "revoked":
              return { status: "revoked", session };
            case "overlap":
              return {
                status: "overlap",
                session,
                successorHash: state.headHash,
                successorNonce: optStr(row, "prev_nonce") ?? "",
              };
            case "reuse":
              await execute(tx, "UPDATE moatkit_refresh_sessions SET revoked_at = ? WHERE session_id = ?", [
                input.now,
                session.sessionId,
              ]);
              return { status: "reused", session: { ...session, revokedAt: input.now } };
            case "rotate": {
              const { successor } = input;
              await execute(
                tx,
                `UPDATE moatkit_refresh_sessions
                    SET generation = generation + 1, head_hash = ?, head_expires_at = ?,
                        prev_hash = ?, prev_used_at = ?, prev_nonce = ?
                  WHERE session_id = ?`,
                [
                  successor.tokenHash,
                  successor.expiresAt,
                  input.tokenHash,
                  input.now,
                  successor.nonce,
                  session.sessionId,
                ],
              );
              await execute(
                tx,
                "INSERT INTO moatkit_refresh_tokens (token_hash, session_id, expires_at) VALUES (?, ?, ?)",
                [successor.tokenHash, session.sessionId, successor.expiresAt],
              );
              return {
                status: "rotated",
                session: { ...session, generation: session.generation + 1, expiresAt: successor.expiresAt },
              };
            }
          }
        }),
      );
    },

    async getRefreshSession(sessionId) {
      const row = await selectOne(
        pool,
        `SELECT ${SESSION_COLUMNS} FROM moatkit_refresh_sessions WHERE session_id = ?`,
        [sessionId],
      );
      return row === null ? null : toRecord(row);
    },

    async revokeRefreshSession(sessionId, at) {
      const revoked = await execute(
        pool,
        "UPDATE moatkit_refresh_sessions SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL",
        [at, sessionId],
      );
      return revoked > 0;
    },

    async revokeSubjectRefreshSessions(subject, at) {
      // By primary key after a plain read of the subject's live sessions: no range lock on the
      // subject index, and each statement locks its rows in primary-key order.
      let revoked = 0;
      for (;;) {
        const rows = await selectRows(
          pool,
          "SELECT session_id FROM moatkit_refresh_sessions WHERE subject = ? AND revoked_at IS NULL ORDER BY session_id LIMIT 500",
          [subject],
        );
        if (rows.length === 0) return revoked;
        revoked += await execute(
          pool,
          `UPDATE moatkit_refresh_sessions SET revoked_at = ?
            WHERE session_id IN (${placeholders(rows.length)}) AND subject = ? AND revoked_at IS NULL`,
          [at, ...rows.map((r) => r["session_id"]), subject],
        );
      }
    },

    async deleteExpiredRefreshSessions(now) {
      const tokens = await deleteByKeys(pool, {
        table: "moatkit_refresh_tokens",
        key: "token_hash",
        where: "expires_at <= ?",
        values: [now],
      });
      // A family's remaining tokens go with it (ON DELETE CASCADE); all had expired anyway.
      const sessions = await deleteByKeys(pool, {
        table: "moatkit_refresh_sessions",
        key: "session_id",
        where: "head_expires_at <= ?",
        values: [now],
      });
      return tokens + sessions;
    },
  };
  return wrapStore("mysql refreshSessions", store, REFRESH_SESSION_STORE_METHODS);
}
