import { createKeyedQueue } from "../../_internal/keyed-queue.js";
import { z } from "zod";
import { createBoundedCache } from "../../_internal/bounded-cache.js";
import { sha256Hex } from "../../_internal/hash.js";
import { parseOptions } from "../../_internal/options.js";
import { storeCall } from "../../_internal/store-error.js";
import { type AuditChainHead, EMPTY_CHAIN_HEAD, type StoredAuditEvent, isHashHex } from "../../audit/event.js";
import {
  type AuditAnchor,
  type AuditScanOptions,
  type AuditSeal,
  type AuditStore,
  type AuditStoreQuery,
  checkSealed,
} from "../../audit/store.js";
import { MoatError } from "../../errors.js";
import type { SqlClient } from "../../sql/sql-client.js";
import {
  type EventRow,
  type ScannedRow,
  SCAN_COLUMNS,
  columnMismatch,
  decodeBody,
  querySql,
  seqFromText,
} from "./audit-rows.js";

/** Options for {@link createPostgresAuditStore}. */
export interface PostgresAuditStoreOptions {
  /** The database, from `fromPgPool(pool)` or `fromPglite(db)`, migrated with `migrate()`. */
  readonly client: SqlClient;
  /** Events per page when scanning (verify, export); default 1000. */
  readonly pageSize?: number;
  /**
   * The role `prune` switches to (`SET LOCAL ROLE`) before deleting, default
   * `"moatkit_audit_retention"`, the only role the append-only trigger lets delete. `null` when
   * the connection already is that role.
   */
  readonly retentionRole?: string | null;
}

const optionsSchema = z.strictObject({
  client: z.custom<SqlClient>(
    (v) =>
      typeof v === "object" &&
      v !== null &&
      ["query", "exec", "transaction"].every((m) => typeof Reflect.get(v, m) === "function"),
    "expected a SqlClient (fromPgPool or fromPglite)",
  ),
  pageSize: z.int().min(1).max(100_000).optional(),
  retentionRole: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "expected a role name")
    .nullable()
    .optional(),
});

// pg_advisory_xact_lock(int, int) key space for appends: "mkau" read as an int32, then the org.
const LOCK_CLASS = 0x6d6b6175;
/** Appends that lose a race this many times in a row give up with ERR_STORE. */
const MAX_ATTEMPTS = 20;
/** Chain heads remembered per store, beyond which the least recently used are forgotten. */
const MAX_CACHED_HEADS = 10_000;

const COLUMNS = "org_id, seq, event_id, at, actor_id, impersonator_id, action, target_type, target_id, body";

/** The ten typed values of event `r` of an insert, its parameters numbered from `$first`. */
function rowSql(r: number, first: number): string {
  const p = (i: number): string => `$${String(first + r * 10 + i)}`;
  return `${p(0)}::text, ${p(1)}::bigint, ${p(2)}::text, ${p(3)}::timestamptz, ${p(4)}::text, ${p(5)}::text, ${p(6)}::text, ${p(7)}::text, ${p(8)}::text, ${p(9)}::text`;
}

/** `VALUES (…), (…)` for `rows` events, their parameters numbered from `$first`. */
function valuesSql(rows: number, first: number): string {
  return `VALUES ${Array.from({ length: rows }, (_, r) => `(${rowSql(r, first)})`).join(", ")}`;
}

/** Inserts under the per-org lock, which the caller already holds. Parameters: the rows. */
function lockedInsertSql(rows: number): string {
  return `INSERT INTO moatkit_audit_events (${COLUMNS}) ${valuesSql(rows, 1)}`;
}

/**
 * Inserts only if the per-org lock is free right now ($1, $2: the lock key; then the rows): the
 * lock is held until the statement commits, so this races no locked writer, and a busy lock
 * inserts nothing rather than waiting. One row needs no more than a WHERE; several take the
 * lock once in a materialised CTE, so the rows go in all together or not at all.
 */
function tryLockInsertSql(rows: number): string {
  const tryLock = "pg_try_advisory_xact_lock($1::int, $2::int)";
  if (rows === 1) return `INSERT INTO moatkit_audit_events (${COLUMNS}) SELECT ${rowSql(0, 3)} WHERE ${tryLock}`;
  return `WITH lock AS MATERIALIZED (SELECT ${tryLock} AS free)
INSERT INTO moatkit_audit_events (${COLUMNS})
SELECT v.* FROM (${valuesSql(rows, 3)}) AS v (${COLUMNS}), lock WHERE lock.free`;
}

/**
 * The advisory lock key of an organisation (the second int of pg_advisory_xact_lock(int, int)):
 * the first 32 bits of its SHA-256. Two organisations sharing a key only queue behind each other.
 */
function lockKey(orgId: string): number {
  return Number.parseInt(sha256Hex(orgId).slice(0, 8), 16) | 0;
}

function insertParams(events: readonly StoredAuditEvent[]): unknown[] {
  const params: unknown[] = [];
  for (const e of events) {
    params.push(
      e.orgId,
      e.seq,
      e.id,
      e.at,
      e.actor.userId,
      e.actor.impersonatorId ?? null,
      e.action,
      e.target.type,
      e.target.id,
      // JSON.stringify escapes lone surrogates and control characters, so the text is valid UTF-8.
      JSON.stringify(e),
    );
  }
  return params;
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && Reflect.get(err, "code") === "23505";
}

async function readHead(client: SqlClient, orgId: string): Promise<AuditChainHead> {
  const last = await client.query<EventRow>(
    "SELECT seq::text AS seq_text, body FROM moatkit_audit_events WHERE org_id = $1 ORDER BY seq DESC LIMIT 1",
    [orgId],
  );
  const row = last.rows[0];
  if (row !== undefined) {
    const event = decodeBody(row.seq_text, row.body);
    return { seq: seqFromText(row.seq_text), hash: event.hash };
  }
  const anchor = await client.query<{ seq_text: string; hash: string }>(
    "SELECT seq::text AS seq_text, hash FROM moatkit_audit_anchors WHERE org_id = $1 ORDER BY seq DESC LIMIT 1",
    [orgId],
  );
  const a = anchor.rows[0];
  return a === undefined ? EMPTY_CHAIN_HEAD : { seq: seqFromText(a.seq_text), hash: a.hash };
}

/**
 * A Postgres audit store (table `moatkit_audit_events`, created by `migrate()`).
 *
 * Appends are serialised per organisation by a transaction-scoped advisory lock, with the primary
 * key (org_id, seq) as a second line of defence. The store remembers each organisation's head
 * after writing, so a steady writer appends with one statement (take the lock if free, insert);
 * a writer without a remembered head, or one that found the lock busy or its head stale, waits
 * for the lock in a transaction and reads the head under it. Contending writers (several
 * processes) therefore queue on the lock instead of racing, and none can be starved.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createAuditLog } from "moatkit/audit";
 * import { createPostgresAuditStore, fromPgPool, migrate } from "moatkit/adapters/postgres";
 * const db = fromPgPool(pool); // a pool whose login role is granted moatkit_audit_writer
 * await migrate(db);
 * const log = createAuditLog({ store: createPostgresAuditStore({ client: db }) });
 * ```
 */
export function createPostgresAuditStore(options: PostgresAuditStoreOptions): AuditStore {
  const opts = parseOptions(optionsSchema, options, "createPostgresAuditStore options");
  const client = opts.client;
  const pageSize = opts.pageSize ?? 1000;
  const retentionRole = opts.retentionRole === undefined ? "moatkit_audit_retention" : opts.retentionRole;
  const heads = createBoundedCache<string, AuditChainHead>(MAX_CACHED_HEADS);
  // Appends for one organisation through this store run one at a time; other processes are kept
  // in line by the key.
  const serialised = createKeyedQueue();
  // Events a scan returned whose query columns disagree with them, and the first such column.
  const mismatched = new WeakMap<object, string>();

  const sealOnto = (orgId: string, head: AuditChainHead, seal: AuditSeal): readonly StoredAuditEvent[] => {
    const events = seal(head);
    checkSealed(orgId, head, events);
    return events;
  };

  /**
   * One attempt; `null` when it must be tried again. Every insert happens under the org's
   * advisory lock. With a remembered head, one statement takes the lock if it is free and
   * inserts; otherwise a transaction waits for the lock and reads the head under it, which no
   * other writer can then move, so it cannot lose a race.
   */
  async function attempt(orgId: string, seal: AuditSeal): Promise<readonly StoredAuditEvent[] | null> {
    const cached = heads.get(orgId);
    try {
      if (cached !== undefined) {
        const events = sealOnto(orgId, cached, seal);
        const inserted = await client.query(tryLockInsertSql(events.length), [
          LOCK_CLASS,
          lockKey(orgId),
          ...insertParams(events),
        ]);
        if (inserted.rowCount === events.length) return events;
        // The lock was busy: another writer is appending, so the remembered head is stale too.
        heads.delete(orgId);
        return null;
      }
      return await client.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock($1::int, $2::int)", [LOCK_CLASS, lockKey(orgId)]);
        const events = sealOnto(orgId, await readHead(tx, orgId), seal);
        await tx.query(lockedInsertSql(events.length), insertParams(events));
        return events;
      });
    } catch (err) {
      // Another writer took the seq of a remembered head (or wrote without the lock).
      if (!isUniqueViolation(err)) throw err;
      heads.delete(orgId);
      return null;
    }
  }

  return {
    appendAuditEvents(orgId, seal) {
      return storeCall("audit", "appendAuditEvents", () =>
        serialised(orgId, async () => {
          for (let n = 0; n < MAX_ATTEMPTS; n++) {
            const events = await attempt(orgId, seal);
            const last = events?.[events.length - 1];
            if (events !== null && last !== undefined) {
              heads.set(orgId, { seq: last.seq, hash: last.hash });
              return events;
            }
          }
          throw new MoatError("ERR_STORE", { message: "audit store failed during append: the chain head kept moving" });
        }),
      );
    },

    getAuditChainHead(orgId) {
      return storeCall("audit", "getAuditChainHead", () => readHead(client, orgId));
    },

    async *scanAuditEvents(orgId: string, range: AuditScanOptions = {}) {
      let after = (range.fromSeq ?? 1) - 1;
      for (;;) {
        const { rows } = await storeCall("audit", "scanAuditEvents", () =>
          client.query<ScannedRow>(
            `SELECT ${SCAN_COLUMNS} FROM moatkit_audit_events
             WHERE org_id = $1 AND seq > $2::bigint AND ($3::bigint IS NULL OR seq <= $3::bigint)
             ORDER BY seq LIMIT $4::int`,
            [orgId, after, range.toSeq ?? null, pageSize],
          ),
        );
        const page: StoredAuditEvent[] = [];
        for (const row of rows) {
          try {
            const event = decodeBody(row.seq_text, row.body);
            const column = columnMismatch(row, event);
            if (column !== null) mismatched.set(event, column);
            page.push(event);
          } catch (err) {
            // Hand over the rows before the undecodable one, so they are verified first.
            if (page.length > 0) yield page;
            throw err;
          }
        }
        if (page.length > 0) yield page;
        const last = rows[rows.length - 1];
        if (last === undefined || rows.length < pageSize) return;
        after = seqFromText(last.seq_text);
      }
    },

    queryAuditEvents(q: AuditStoreQuery) {
      return storeCall("audit", "queryAuditEvents", async () => {
        const { text, params } = querySql(q);
        const { rows } = await client.query<EventRow>(text, params);
        return rows.map((row) => decodeBody(row.seq_text, row.body));
      });
    },

    getLatestAuditAnchor(orgId) {
      return storeCall("audit", "getLatestAuditAnchor", async () => {
        const { rows } = await client.query<{ seq_text: string; hash: string; jws: string }>(
          "SELECT seq::text AS seq_text, hash, jws FROM moatkit_audit_anchors WHERE org_id = $1 ORDER BY seq DESC LIMIT 1",
          [orgId],
        );
        const row = rows[0];
        if (row === undefined) return null;
        if (!isHashHex(row.hash) || typeof row.jws !== "string") {
          throw new MoatError("ERR_STORE", { message: "audit store returned a malformed anchor" });
        }
        return { seq: seqFromText(row.seq_text), hash: row.hash, jws: row.jws };
      });
    },

    checkAuditEventColumns(event) {
      return mismatched.get(event) ?? null;
    },

    pruneAuditEvents(orgId, anchor: AuditAnchor) {
      return storeCall("audit", "pruneAuditEvents", () =>
        client.transaction(async (tx) => {
          // set_config('role', …, true) is SET LOCAL ROLE with the name as a bound parameter.
          if (retentionRole !== null) await tx.query("SELECT set_config('role', $1, true)", [retentionRole]);
          await tx.query(
            "INSERT INTO moatkit_audit_anchors (org_id, seq, hash, jws) VALUES ($1, $2::bigint, $3, $4) ON CONFLICT DO NOTHING",
            [orgId, anchor.seq, anchor.hash, anchor.jws],
          );
          const deleted = await tx.query("DELETE FROM moatkit_audit_events WHERE org_id = $1 AND seq <= $2::bigint", [
            orgId,
            anchor.seq,
          ]);
          return deleted.rowCount;
        }),
      );
    },
  };
}
