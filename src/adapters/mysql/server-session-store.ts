import { wrapStore } from "../../_internal/store.js";
import {
  SERVER_SESSION_STORE_METHODS,
  type ServerSessionRecord,
  type ServerSessionStore,
} from "../../sessions/server-session-store.js";
import {
  type MysqlQueryable,
  type MysqlRow,
  type MysqlStoreOptions,
  execute,
  inTransaction,
  int,
  optStr,
  placeholders,
  readMysqlPool,
  retryDeadlocks,
  selectOne,
  selectRows,
  str,
} from "./client.js";
import { deleteByKeys } from "./delete-by-keys.js";

/** Options for {@link createMysqlServerSessionStore}. */
export type MysqlServerSessionStoreOptions = MysqlStoreOptions;

const TABLE = "moatkit_server_sessions";
const COLUMNS =
  "id_hash, subject, created_at, last_seen_at, idle_expires_at, absolute_expires_at, ip, user_agent, data";
/** Live at the time given twice as parameters. */
const LIVE = "idle_expires_at > ? AND absolute_expires_at > ?";
/** Ids read and deleted per round. */
const BATCH = 500;

function toRecord(row: MysqlRow): ServerSessionRecord {
  return {
    idHash: str(row, "id_hash"),
    subject: str(row, "subject"),
    createdAt: int(row, "created_at"),
    lastSeenAt: int(row, "last_seen_at"),
    idleExpiresAt: int(row, "idle_expires_at"),
    absoluteExpiresAt: int(row, "absolute_expires_at"),
    ip: optStr(row, "ip"),
    userAgent: optStr(row, "user_agent"),
    dataJson: str(row, "data"),
  };
}

const isLive = (r: ServerSessionRecord, now: number): boolean => r.idleExpiresAt > now && r.absoluteExpiresAt > now;

/** The ids of `subject`'s sessions other than `except`, by a plain (unlocking) read. */
async function otherIds(db: MysqlQueryable, subject: string, except: string | null): Promise<unknown[]> {
  const rows = await selectRows(
    db,
    `SELECT id_hash FROM ${TABLE} WHERE subject = ?${except === null ? "" : " AND id_hash <> ?"}
      ORDER BY id_hash LIMIT ${String(BATCH)}`,
    except === null ? [subject] : [subject, except],
  );
  return rows.map((r) => r["id_hash"]);
}

/**
 * A {@link ServerSessionStore} in `moatkit_server_sessions` (migration `sessions` v2), keyed by
 * the SHA-256 of the session id.
 *
 * - A touch is one conditional UPDATE (`… AND idle_expires_at > now AND absolute_expires_at >
 *   now`) judged by `affectedRows`; InnoDB checks the condition on the latest row version under
 *   the row lock.
 * - A rekey reads the row without a lock (an unknown id returns null and locks nothing), then, in
 *   a transaction, locks it by primary key with `SELECT … FOR UPDATE`, decides on what that
 *   locking read returned, and moves it to the new key with an UPDATE by primary key. The losers
 *   of N concurrent rekeys wait on the row lock and then find the old key gone.
 * - "Delete the others" reads the user's ids without a lock, then locks them by primary key in id
 *   order with `SELECT … FOR UPDATE` and decides on what that returned: its own row must still be
 *   there, the user's and live. Every caller locks in the same order, so concurrent callers queue
 *   (no deadlock) and each later one finds its own row deleted: exactly one survives. Rows the
 *   first read missed (a login or a rekey that committed after it) are found by further rounds,
 *   each a fresh read, until a read finds none.
 * - Deleting a user's sessions and the clean-up read keys first and delete by primary key, so
 *   they lock only rows that exist, never a range a login could be waiting to insert into.
 *
 * @throws MoatError ERR_CONFIG when `pool` is missing.
 * @example
 * ```ts
 * import { createServerSessions } from "moatkit/sessions";
 * import { createMysqlServerSessionStore } from "moatkit/adapters/mysql";
 * const sessions = createServerSessions({ store: createMysqlServerSessionStore({ pool }), secrets: [cookieKey] });
 * ```
 */
export function createMysqlServerSessionStore(options: MysqlServerSessionStoreOptions): ServerSessionStore {
  const pool = readMysqlPool(options, "createMysqlServerSessionStore");

  /**
   * One round of "delete the others": locks `ids` and the kept row in id order, and deletes
   * the locked rows of the user but the kept one; null when the kept one is not the user's and
   * live any more.
   */
  const deleteOthersRound = (
    subject: string,
    keepIdHash: string,
    now: number,
    ids: readonly unknown[],
  ): Promise<number | null> =>
    retryDeadlocks(() =>
      inTransaction(pool, async (tx) => {
        const keys = [keepIdHash, ...ids];
        const locked = (
          await selectRows(
            tx,
            `SELECT ${COLUMNS} FROM ${TABLE} WHERE id_hash IN (${placeholders(keys.length)}) ORDER BY id_hash FOR UPDATE`,
            keys,
          )
        ).map(toRecord);
        const keep = locked.find((r) => r.idHash === keepIdHash);
        if (keep === undefined || keep.subject !== subject || !isLive(keep, now)) return null;
        const doomed = locked.filter((r) => r.subject === subject && r.idHash !== keepIdHash).map((r) => r.idHash);
        if (doomed.length === 0) return 0;
        return execute(tx, `DELETE FROM ${TABLE} WHERE id_hash IN (${placeholders(doomed.length)}) AND subject = ?`, [
          ...doomed,
          subject,
        ]);
      }),
    );

  const store: ServerSessionStore = {
    async createServerSession(r) {
      await execute(pool, `INSERT INTO ${TABLE} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        r.idHash,
        r.subject,
        r.createdAt,
        r.lastSeenAt,
        r.idleExpiresAt,
        r.absoluteExpiresAt,
        r.ip,
        r.userAgent,
        r.dataJson,
      ]);
    },

    async getServerSession(idHash) {
      const row = await selectOne(pool, `SELECT ${COLUMNS} FROM ${TABLE} WHERE id_hash = ?`, [idHash]);
      return row === null ? null : toRecord(row);
    },

    async touchServerSession(input) {
      const matched = await execute(
        pool,
        `UPDATE ${TABLE} SET last_seen_at = ?, idle_expires_at = ?, ip = ?, user_agent = ?
          WHERE id_hash = ? AND ${LIVE}`,
        [input.now, input.idleExpiresAt, input.ip, input.userAgent, input.idHash, input.now, input.now],
      );
      if (matched === 1) return true;
      // Without mysql2's FOUND_ROWS flag a touch that writes the values already there (a repeat
      // at the same millisecond) reports 0 rows. It matched only if the row holds exactly what
      // this touch wrote and is live: a session past its expiry never becomes live again under
      // the same id, so a row in that state cannot come from a refused touch.
      const row = await selectOne(pool, `SELECT ${COLUMNS} FROM ${TABLE} WHERE id_hash = ?`, [input.idHash]);
      if (row === null) return false;
      const r = toRecord(row);
      return (
        isLive(r, input.now) &&
        r.lastSeenAt === input.now &&
        r.idleExpiresAt === input.idleExpiresAt &&
        r.ip === input.ip &&
        r.userAgent === input.userAgent
      );
    },

    async rekeyServerSession(input) {
      // A plain read first, so an unknown id returns without locking the gap where it would be.
      const seen = await selectOne(pool, `SELECT id_hash FROM ${TABLE} WHERE id_hash = ?`, [input.idHash]);
      if (seen === null) return null;
      return retryDeadlocks(() =>
        inTransaction(pool, async (tx): Promise<ServerSessionRecord | null> => {
          const row = await selectOne(tx, `SELECT ${COLUMNS} FROM ${TABLE} WHERE id_hash = ? FOR UPDATE`, [
            input.idHash,
          ]);
          if (row === null) return null;
          const current = toRecord(row);
          if (!isLive(current, input.now)) return null;
          await execute(
            tx,
            `UPDATE ${TABLE} SET id_hash = ?, last_seen_at = ?, idle_expires_at = ?, data = ? WHERE id_hash = ?`,
            [input.newIdHash, input.now, input.idleExpiresAt, input.dataJson, input.idHash],
          );
          return {
            ...current,
            idHash: input.newIdHash,
            lastSeenAt: input.now,
            idleExpiresAt: input.idleExpiresAt,
            dataJson: input.dataJson,
          };
        }),
      );
    },

    async deleteServerSession(idHash) {
      return (await execute(pool, `DELETE FROM ${TABLE} WHERE id_hash = ?`, [idHash])) === 1;
    },

    async listSubjectServerSessions(subject, now) {
      const rows = await selectRows(
        pool,
        `SELECT ${COLUMNS} FROM ${TABLE} WHERE subject = ? AND ${LIVE} ORDER BY created_at, id_hash`,
        [subject, now, now],
      );
      return rows.map(toRecord);
    },

    async deleteSubjectServerSessions(subject) {
      // Rounds until a fresh read finds none, so a session moved to a new id (a rekey) while
      // this ran is deleted too rather than surviving a "sign out everywhere".
      let deleted = 0;
      for (;;) {
        const ids = await otherIds(pool, subject, null);
        if (ids.length === 0) return deleted;
        // A rekey holds its row while it moves it; InnoDB may pick this DELETE as the deadlock
        // victim, which rolls the statement back whole, so running it again is safe.
        deleted += await retryDeadlocks(() =>
          execute(pool, `DELETE FROM ${TABLE} WHERE id_hash IN (${placeholders(ids.length)}) AND subject = ?`, [
            ...ids,
            subject,
          ]),
        );
      }
    },

    async deleteOtherServerSessions(input) {
      const { subject, keepIdHash, now } = input;
      // The caller's own row must be there at all; an unknown id locks nothing.
      const seen = await selectOne(pool, `SELECT id_hash FROM ${TABLE} WHERE id_hash = ? AND subject = ?`, [
        keepIdHash,
        subject,
      ]);
      if (seen === null) return null;
      let deleted = 0;
      for (let round = 0; ; round++) {
        const ids = await otherIds(pool, subject, keepIdHash);
        if (ids.length === 0 && round > 0) return deleted;
        const n = await deleteOthersRound(subject, keepIdHash, now, ids);
        // The kept row went (or expired) after an earlier round had already deleted the others:
        // those deletions stand, and are what this call did.
        if (n === null) return round === 0 ? null : deleted;
        deleted += n;
        if (ids.length === 0) return deleted;
      }
    },

    deleteExpiredServerSessions(now) {
      return deleteByKeys(pool, {
        table: TABLE,
        key: "id_hash",
        where: "(idle_expires_at <= ? OR absolute_expires_at <= ?)",
        values: [now, now],
      });
    },
  };
  return wrapStore("mysql serverSessions", store, SERVER_SESSION_STORE_METHODS);
}
