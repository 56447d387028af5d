import { createKeyedQueue } from "../../_internal/keyed-queue.js";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { createBoundedCache } from "../../_internal/bounded-cache.js";
import { parseOptions } from "../../_internal/options.js";
import { storeCall } from "../../_internal/store-error.js";
import {
  type AuditChainHead,
  EMPTY_CHAIN_HEAD,
  type StoredAuditEvent,
  isHashHex,
  isStoredAuditEventShape,
} from "../../audit/event.js";
import { type AuditScanOptions, type AuditStore, type AuditStoreQuery, checkSealed } from "../../audit/store.js";
import { MoatError } from "../../errors.js";
import {
  type MysqlPoolLike,
  type MysqlQueryable,
  type MysqlRow,
  execute,
  inTransaction,
  int,
  isDeadlock,
  isDuplicateKey,
  isMysqlPool,
  optStr,
  placeholders,
  selectOne,
  selectRows,
  str,
} from "./client.js";

/** Options for {@link createMysqlAuditStore}. */
export interface MysqlAuditStoreOptions {
  /**
   * A `mysql2/promise` pool, migrated with `migrateMysql`, whose account has SELECT and INSERT on
   * `moatkit_audit_events` and nothing more (check it with `inspectMysqlAuditGrants`). Pruning
   * needs an account that may also delete: give the prune job a store on its own pool.
   */
  readonly pool: MysqlPoolLike;
  /** Events per page when scanning (verify, export); default 1000. */
  readonly pageSize?: number;
}

const optionsSchema = z.strictObject({
  pool: z.custom<MysqlPoolLike>(isMysqlPool, "expected a mysql2/promise pool (query and getConnection)"),
  pageSize: z.int().min(1).max(100_000).optional(),
});

/** Appends that lose a race this many times in a row give up with ERR_STORE. */
const MAX_ATTEMPTS = 30;
/** Chain heads remembered per store, beyond which the least recently used are forgotten. */
const MAX_CACHED_HEADS = 10_000;

const COLUMNS = "org_id, seq, event_id, at_ms, actor_id, impersonator_id, action, target_type, target_id, body";
const SCAN_COLUMNS = `CAST(seq AS CHAR) AS seq_text, ${COLUMNS.replace("seq, ", "")}`;

function seqOf(row: MysqlRow): number {
  const n = Number(str(row, "seq_text"));
  if (!Number.isSafeInteger(n)) {
    throw new MoatError("ERR_STORE", { message: "audit store returned a sequence number out of range" });
  }
  return n;
}

function decode(row: MysqlRow): StoredAuditEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(str(row, "body"));
  } catch {
    parsed = undefined;
  }
  if (!isStoredAuditEventShape(parsed)) {
    throw new MoatError("ERR_INTEGRITY", {
      message: "an audit event row cannot be decoded",
      details: { seq: seqOf(row) },
    });
  }
  return parsed;
}

function member(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
}

/** The first query column of `row` that disagrees with its decoded body, or `null`. */
function columnMismatch(row: MysqlRow, event: StoredAuditEvent): string | null {
  if (str(row, "org_id") !== event.orgId) return "org_id";
  if (seqOf(row) !== event.seq) return "seq";
  if (str(row, "event_id") !== event.id) return "event_id";
  if (int(row, "at_ms") !== Date.parse(event.at)) return "at";
  if (str(row, "actor_id") !== member(event.actor, "userId")) return "actor_id";
  if (optStr(row, "impersonator_id") !== (member(event.actor, "impersonatorId") ?? null)) return "impersonator_id";
  if (str(row, "action") !== event.action) return "action";
  if (str(row, "target_type") !== member(event.target, "type")) return "target_type";
  if (str(row, "target_id") !== member(event.target, "id")) return "target_id";
  return null;
}

function insertParams(events: readonly StoredAuditEvent[]): unknown[] {
  return events.flatMap((e) => [
    e.orgId,
    e.seq,
    e.id,
    Date.parse(e.at),
    e.actor.userId,
    e.actor.impersonatorId ?? null,
    e.action,
    e.target.type,
    e.target.id,
    // JSON.stringify escapes lone surrogates and control characters, so the text is valid UTF-8.
    JSON.stringify(e),
  ]);
}

function timeParam(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new MoatError("ERR_INVALID_INPUT", { message: "audit query time is not a date" });
  return ms;
}

async function readHead(db: MysqlQueryable, orgId: string): Promise<AuditChainHead> {
  const last = await selectOne(
    db,
    "SELECT CAST(seq AS CHAR) AS seq_text, body FROM moatkit_audit_events WHERE org_id = ? ORDER BY seq DESC LIMIT 1",
    [orgId],
  );
  if (last !== null) return { seq: seqOf(last), hash: decode(last).hash };
  const anchor = await selectOne(
    db,
    "SELECT CAST(seq AS CHAR) AS seq_text, hash FROM moatkit_audit_anchors WHERE org_id = ? ORDER BY seq DESC LIMIT 1",
    [orgId],
  );
  return anchor === null ? EMPTY_CHAIN_HEAD : { seq: seqOf(anchor), hash: str(anchor, "hash") };
}

/**
 * An {@link AuditStore} in `moatkit_audit_events` and `moatkit_audit_anchors` (migration `audit`
 * v1) on MySQL 8.0+ or MariaDB 10.11+.
 *
 * Appends are optimistic: the events are sealed onto the organisation's head and inserted in one
 * multi-row INSERT (atomic: all or none); the primary key (org_id, seq) refuses a second event at
 * a seq, so a writer whose head was stale gets a duplicate-key error, re-reads the head and seals
 * again. No lock is ever taken before the insert, so an insert-only account suffices (a locking
 * read would need UPDATE or DELETE). Appends of one organisation through one store run one at a
 * time; across processes they retry with a short random back-off, at most 30 times.
 *
 * The log is append-only by grants, not triggers: run the writer as an account with SELECT and
 * INSERT only (`inspectMysqlAuditGrants` checks it at start-up). Whatever an account with more
 * rights edits, verification reports: the chain's hashes are recomputed from the rows.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createAuditLog } from "moatkit/audit";
 * import { createMysqlAuditStore, inspectMysqlAuditGrants } from "moatkit/adapters/mysql";
 * const writer = mysql.createPool(process.env.AUDIT_WRITER_URL!); // SELECT, INSERT only
 * if (!(await inspectMysqlAuditGrants(writer)).insertOnly) throw new Error("audit writer can rewrite the log");
 * const log = createAuditLog({ store: createMysqlAuditStore({ pool: writer }) });
 * ```
 */
export function createMysqlAuditStore(options: MysqlAuditStoreOptions): AuditStore {
  const opts = parseOptions(optionsSchema, options, "createMysqlAuditStore options");
  const pool = opts.pool;
  const pageSize = opts.pageSize ?? 1000;
  const heads = createBoundedCache<string, AuditChainHead>(MAX_CACHED_HEADS);
  const serialised = createKeyedQueue();
  // Events a scan returned whose query columns disagree with them, and the first such column.
  const mismatched = new WeakMap<object, string>();

  return {
    appendAuditEvents(orgId, seal) {
      return storeCall("audit", "appendAuditEvents", () =>
        serialised(orgId, async () => {
          for (let n = 0; n < MAX_ATTEMPTS; n++) {
            const head = heads.get(orgId) ?? (await readHead(pool, orgId));
            const events = seal(head);
            checkSealed(orgId, head, events);
            try {
              await execute(
                pool,
                `INSERT INTO moatkit_audit_events (${COLUMNS}) VALUES ${events.map(() => `(${placeholders(10)})`).join(", ")}`,
                insertParams(events),
              );
            } catch (err) {
              if (!isDuplicateKey(err) && !isDeadlock(err)) throw err;
              // Another writer took this seq: read the head again after a short random pause,
              // so writers of several processes do not keep colliding in step.
              heads.delete(orgId);
              await sleep(Math.floor(Math.random() * Math.min(100, 2 ** n)));
              continue;
            }
            const last = events[events.length - 1];
            if (last !== undefined) heads.set(orgId, { seq: last.seq, hash: last.hash });
            return events;
          }
          throw new MoatError("ERR_STORE", { message: "audit store failed during append: the chain head kept moving" });
        }),
      );
    },

    getAuditChainHead(orgId) {
      return storeCall("audit", "getAuditChainHead", () => readHead(pool, orgId));
    },

    async *scanAuditEvents(orgId: string, range: AuditScanOptions = {}) {
      let after = (range.fromSeq ?? 1) - 1;
      const to = range.toSeq ?? Number.MAX_SAFE_INTEGER;
      for (;;) {
        const rows = await storeCall("audit", "scanAuditEvents", () =>
          selectRows(
            pool,
            `SELECT ${SCAN_COLUMNS} FROM moatkit_audit_events
              WHERE org_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ${String(pageSize)}`,
            [orgId, after, to],
          ),
        );
        const page: StoredAuditEvent[] = [];
        for (const row of rows) {
          try {
            const event = decode(row);
            const column = columnMismatch(row, event);
            if (column !== null) mismatched.set(event, column);
            page.push(event);
          } catch (err) {
            if (page.length > 0) yield page;
            throw err;
          }
        }
        if (page.length > 0) yield page;
        const last = rows[rows.length - 1];
        if (last === undefined || rows.length < pageSize) return;
        after = seqOf(last);
      }
    },

    queryAuditEvents(q: AuditStoreQuery) {
      return storeCall("audit", "queryAuditEvents", async () => {
        const where = ["org_id = ?"];
        const values: unknown[] = [q.orgId];
        const add = (condition: string, ...bound: unknown[]): void => {
          where.push(condition);
          values.push(...bound);
        };
        if (q.actorId !== undefined) add("(actor_id = ? OR impersonator_id = ?)", q.actorId, q.actorId);
        if (q.action !== undefined) add("action = ?", q.action);
        if (q.targetId !== undefined) add("target_id = ?", q.targetId);
        if (q.fromTime !== undefined) add("at_ms >= ?", timeParam(q.fromTime));
        if (q.toTime !== undefined) add("at_ms < ?", timeParam(q.toTime));
        if (q.afterSeq !== undefined) add(`seq ${q.order === "asc" ? ">" : "<"} ?`, q.afterSeq);
        if (!Number.isSafeInteger(q.limit) || q.limit < 0) {
          throw new MoatError("ERR_INVALID_INPUT", { message: "audit query limit must be a non-negative integer" });
        }
        const rows = await selectRows(
          pool,
          `SELECT CAST(seq AS CHAR) AS seq_text, body FROM moatkit_audit_events WHERE ${where.join(" AND ")}
            ORDER BY seq ${q.order === "asc" ? "ASC" : "DESC"} LIMIT ${String(q.limit)}`,
          values,
        );
        return rows.map(decode);
      });
    },

    getLatestAuditAnchor(orgId) {
      return storeCall("audit", "getLatestAuditAnchor", async () => {
        const row = await selectOne(
          pool,
          "SELECT CAST(seq AS CHAR) AS seq_text, hash, jws FROM moatkit_audit_anchors WHERE org_id = ? ORDER BY seq DESC LIMIT 1",
          [orgId],
        );
        if (row === null) return null;
        const hash = str(row, "hash");
        if (!isHashHex(hash)) throw new MoatError("ERR_STORE", { message: "audit store returned a malformed anchor" });
        return { seq: seqOf(row), hash, jws: str(row, "jws") };
      });
    },

    checkAuditEventColumns(event) {
      return mismatched.get(event) ?? null;
    },

    pruneAuditEvents(orgId, anchor) {
      return storeCall("audit", "pruneAuditEvents", () =>
        inTransaction(pool, async (tx) => {
          const seen = await selectOne(tx, "SELECT 1 AS one FROM moatkit_audit_anchors WHERE org_id = ? AND seq = ?", [
            orgId,
            anchor.seq,
          ]);
          if (seen === null) {
            await execute(
              tx,
              "INSERT INTO moatkit_audit_anchors (org_id, seq, hash, jws, created_at) VALUES (?, ?, ?, ?, ?)",
              [orgId, anchor.seq, anchor.hash, anchor.jws, Date.now()],
            );
          }
          return execute(tx, "DELETE FROM moatkit_audit_events WHERE org_id = ? AND seq <= ?", [orgId, anchor.seq]);
        }),
      );
    },
  };
}
