/**
 * Server-side sessions in Postgres. Table `moatkit_server_sessions` (migration `sessions` v2),
 * keyed by the SHA-256 of the session id. Conditional single statements make touch and rekey
 * atomic; "delete the others" locks the user's rows in id order first, so concurrent callers
 * queue up instead of deadlocking, and each later caller finds its own session already gone.
 */
import type {
  ServerSessionDeleteOthersInput,
  ServerSessionRecord,
  ServerSessionRekeyInput,
  ServerSessionStore,
  ServerSessionTouchInput,
} from "../../sessions/server-session-store.js";
import { epochMsSql, timestampParam } from "./sql-time.js";
import { type PostgresStoreOptions, readPostgresStoreOptions } from "./store-options.js";

/** Options for {@link createPostgresServerSessionStore}. */
export type PostgresServerSessionStoreOptions = PostgresStoreOptions;

interface Row {
  id_hash: string;
  subject: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  ip: string | null;
  user_agent: string | null;
  data: string;
}

const COLUMNS = `id_hash, subject, ${epochMsSql("created_at")} AS created_at, ${epochMsSql("last_seen_at")} AS last_seen_at,
  ${epochMsSql("idle_expires_at")} AS idle_expires_at, ${epochMsSql("absolute_expires_at")} AS absolute_expires_at,
  ip, user_agent, data`;
const LIVE = "idle_expires_at > $NOW::timestamptz AND absolute_expires_at > $NOW::timestamptz";
const live = (n: number): string => LIVE.replaceAll("$NOW", `$${String(n)}`);

function toRecord(row: Row): ServerSessionRecord {
  return {
    idHash: row.id_hash,
    subject: row.subject,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    ip: row.ip,
    userAgent: row.user_agent,
    dataJson: row.data,
  };
}

/**
 * A {@link ServerSessionStore} on Postgres (or PGlite).
 *
 * @example
 * ```ts
 * import { createPostgresServerSessionStore } from "moatkit/adapters/postgres";
 * const sessions = createServerSessions({ store: createPostgresServerSessionStore({ client }), secrets: [cookieKey] });
 * ```
 */
export function createPostgresServerSessionStore(options: PostgresServerSessionStoreOptions): ServerSessionStore {
  const client = readPostgresStoreOptions(options, "createPostgresServerSessionStore");

  return {
    async createServerSession(r: ServerSessionRecord): Promise<void> {
      await client.query(
        `INSERT INTO moatkit_server_sessions
           (id_hash, subject, created_at, last_seen_at, idle_expires_at, absolute_expires_at, ip, user_agent, data)
         VALUES ($1, $2, $3::timestamptz, $4::timestamptz, $5::timestamptz, $6::timestamptz, $7, $8, $9)`,
        [
          r.idHash,
          r.subject,
          timestampParam(r.createdAt),
          timestampParam(r.lastSeenAt),
          timestampParam(r.idleExpiresAt),
          timestampParam(r.absoluteExpiresAt),
          r.ip,
          r.userAgent,
          r.dataJson,
        ],
      );
    },

    async getServerSession(idHash: string): Promise<ServerSessionRecord | null> {
      const row = (
        await client.query<Row>(`SELECT ${COLUMNS} FROM moatkit_server_sessions WHERE id_hash = $1`, [idHash])
      ).rows[0];
      return row === undefined ? null : toRecord(row);
    },

    async touchServerSession(input: ServerSessionTouchInput): Promise<boolean> {
      const result = await client.query(
        `UPDATE moatkit_server_sessions
         SET last_seen_at = $2::timestamptz, idle_expires_at = $3::timestamptz, ip = $4, user_agent = $5
         WHERE id_hash = $1 AND ${live(2)}`,
        [input.idHash, timestampParam(input.now), timestampParam(input.idleExpiresAt), input.ip, input.userAgent],
      );
      return result.rowCount === 1;
    },

    async rekeyServerSession(input: ServerSessionRekeyInput): Promise<ServerSessionRecord | null> {
      // Changing the key in place: one statement, so the old id stops working as the new one starts.
      const row = (
        await client.query<Row>(
          `UPDATE moatkit_server_sessions
           SET id_hash = $2, last_seen_at = $3::timestamptz, idle_expires_at = $4::timestamptz, data = $5
           WHERE id_hash = $1 AND ${live(3)}
           RETURNING ${COLUMNS}`,
          [
            input.idHash,
            input.newIdHash,
            timestampParam(input.now),
            timestampParam(input.idleExpiresAt),
            input.dataJson,
          ],
        )
      ).rows[0];
      return row === undefined ? null : toRecord(row);
    },

    async deleteServerSession(idHash: string): Promise<boolean> {
      return (await client.query("DELETE FROM moatkit_server_sessions WHERE id_hash = $1", [idHash])).rowCount === 1;
    },

    async listSubjectServerSessions(subject: string, now: number): Promise<ServerSessionRecord[]> {
      const rows = await client.query<Row>(
        `SELECT ${COLUMNS} FROM moatkit_server_sessions WHERE subject = $1 AND ${live(2)}
         ORDER BY created_at, id_hash`,
        [subject, timestampParam(now)],
      );
      return rows.rows.map(toRecord);
    },

    async deleteSubjectServerSessions(subject: string): Promise<number> {
      return (await client.query("DELETE FROM moatkit_server_sessions WHERE subject = $1", [subject])).rowCount;
    },

    async deleteOtherServerSessions(input: ServerSessionDeleteOthersInput): Promise<number | null> {
      return client.transaction(async (tx) => {
        // Every caller locks the user's rows in the same order, so they queue instead of
        // deadlocking; a caller whose own row was deleted meanwhile no longer sees it.
        const locked = await tx.query<{ id_hash: string; live: boolean }>(
          `SELECT id_hash, (${live(2)}) AS live FROM moatkit_server_sessions
           WHERE subject = $1 ORDER BY id_hash FOR UPDATE`,
          [input.subject, timestampParam(input.now)],
        );
        const keep = locked.rows.find((r) => r.id_hash === input.keepIdHash);
        if (keep?.live !== true) return null;
        return (
          await tx.query("DELETE FROM moatkit_server_sessions WHERE subject = $1 AND id_hash <> $2", [
            input.subject,
            input.keepIdHash,
          ])
        ).rowCount;
      });
    },

    async deleteExpiredServerSessions(now: number): Promise<number> {
      return (await client.query(`DELETE FROM moatkit_server_sessions WHERE NOT (${live(1)})`, [timestampParam(now)]))
        .rowCount;
    },
  };
}
