/**
 * Reading rows of `moatkit_audit_events`: the body decoded, the columns queries filter on checked
 * against it, and the SELECT of one query page.
 */
import { MoatError } from "../../errors.js";
import { type StoredAuditEvent, isStoredAuditEventShape } from "../../audit/event.js";
import type { AuditStoreQuery } from "../../audit/store.js";

export function seqFromText(text: unknown): number {
  const n = typeof text === "string" ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw new MoatError("ERR_STORE", { message: "audit store returned a sequence number out of range" });
  return n;
}

export function decodeBody(seqText: unknown, body: unknown): StoredAuditEvent {
  let parsed: unknown;
  try {
    parsed = typeof body === "string" ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isStoredAuditEventShape(parsed)) {
    throw new MoatError("ERR_INTEGRITY", {
      message: "an audit event row cannot be decoded",
      details: { seq: seqFromText(seqText) },
    });
  }
  return parsed;
}

export interface EventRow {
  seq_text: string;
  body: string;
}

/** A scanned row: the body and the columns queries filter on, `at` as UTC text to the microsecond. */
export interface ScannedRow extends EventRow {
  org_id: string;
  event_id: string;
  at_text: string;
  actor_id: string;
  impersonator_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
}

export const SCAN_COLUMNS = `seq::text AS seq_text, org_id, event_id,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at_text,
  actor_id, impersonator_id, action, target_type, target_id, body`;

function member(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
}

/**
 * The first column of `row` that disagrees with its decoded body `event`, or `null`. Times are
 * compared to the microsecond: events carry milliseconds, so an intact row has `…sss000`.
 */
export function columnMismatch(row: ScannedRow, event: StoredAuditEvent): string | null {
  if (row.org_id !== event.orgId) return "org_id";
  if (seqFromText(row.seq_text) !== event.seq) return "seq";
  if (row.event_id !== event.id) return "event_id";
  if (!/Z$/.test(event.at) || row.at_text !== `${event.at.slice(0, -1)}000`) return "at";
  if (row.actor_id !== member(event.actor, "userId")) return "actor_id";
  if (row.impersonator_id !== (member(event.actor, "impersonatorId") ?? null)) return "impersonator_id";
  if (row.action !== event.action) return "action";
  if (row.target_type !== member(event.target, "type")) return "target_type";
  if (row.target_id !== member(event.target, "id")) return "target_id";
  return null;
}

/** The SELECT for one page of `queryAuditEvents`: only the filters given, all values bound. */
export function querySql(q: AuditStoreQuery): { text: string; params: unknown[] } {
  const where = ["org_id = $1"];
  const params: unknown[] = [q.orgId];
  const bind = (value: unknown, cast = ""): string => {
    params.push(value);
    return `$${String(params.length)}${cast}`;
  };
  if (q.actorId !== undefined) {
    const p = bind(q.actorId);
    where.push(`(actor_id = ${p} OR impersonator_id = ${p})`);
  }
  if (q.action !== undefined) where.push(`action = ${bind(q.action)}`);
  if (q.targetId !== undefined) where.push(`target_id = ${bind(q.targetId)}`);
  if (q.fromTime !== undefined) where.push(`at >= ${bind(q.fromTime, "::timestamptz")}`);
  if (q.toTime !== undefined) where.push(`at < ${bind(q.toTime, "::timestamptz")}`);
  if (q.afterSeq !== undefined) where.push(`seq ${q.order === "asc" ? ">" : "<"} ${bind(q.afterSeq, "::bigint")}`);
  const text = `SELECT seq::text AS seq_text, body FROM moatkit_audit_events WHERE ${where.join(" AND ")}
           ORDER BY seq ${q.order === "asc" ? "ASC" : "DESC"} LIMIT ${bind(q.limit, "::int")}`;
  return { text, params };
}
