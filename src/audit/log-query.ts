/** `AuditLog.query` (filtered pages with keyset cursors) and `AuditLog.exportNdjson`. */
import { z } from "zod";
import { canonicalJson } from "../_internal/canonical-json.js";
import { base64urlDecode, base64urlEncode, utf8Decode, utf8Encode } from "../_internal/encoding.js";
import { parseInput } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import { type StoredAuditEvent, idSchema, nameSchema } from "./event.js";
import { type AuditLogContext, seqSchema } from "./log-context.js";

/** A time: a `Date`, milliseconds since the epoch, or an ISO 8601 string. */
export type AuditTime = Date | number | string;

/** Filters and paging for {@link AuditLog.query}. */
export interface AuditQuery {
  /** The organisation. */
  readonly orgId: string;
  /** Events by this user, directly or through impersonation (`actor.userId` or `impersonatorId`). */
  readonly actorId?: string;
  /** Events with this action. */
  readonly action?: string;
  /** Events on this target id. */
  readonly targetId?: string;
  /** Events at or after this time. */
  readonly from?: AuditTime;
  /** Events before this time. */
  readonly to?: AuditTime;
  /** Page size, 1–1000. */
  readonly limit: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** `desc` (default): newest first; `asc`: oldest first. */
  readonly order?: "asc" | "desc";
}

/** One page of {@link AuditLog.query}. */
export interface AuditPage {
  /** The events. */
  readonly events: readonly StoredAuditEvent[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** Options for {@link AuditLog.exportNdjson}. */
export interface AuditExportOptions {
  /** First sequence number (default: the first stored). */
  readonly fromSeq?: number;
  /** Last sequence number (default: the last). */
  readonly toSeq?: number;
}

/** An {@link AuditTime}, as the ISO 8601 UTC string events store. */
export const timeSchema: z.ZodType<string, AuditTime> = z
  .union([z.date(), z.number(), z.string()])
  .transform((value, ctx) => {
    const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
      ctx.addIssue({ code: "custom", message: "expected a valid time" });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

const querySchema = z.strictObject({
  orgId: idSchema,
  actorId: idSchema.optional(),
  action: nameSchema.optional(),
  targetId: idSchema.optional(),
  from: timeSchema.optional(),
  to: timeSchema.optional(),
  limit: z.int().min(1).max(1000),
  cursor: z.string().max(200).optional(),
  order: z.enum(["asc", "desc"]).optional(),
});

const exportSchema = z.strictObject({ fromSeq: seqSchema.optional(), toSeq: seqSchema.optional() });

const cursorSchema = z.strictObject({ v: z.literal(1), o: z.enum(["asc", "desc"]), s: seqSchema });

function encodeCursor(order: "asc" | "desc", seq: number): string {
  return base64urlEncode(utf8Encode(canonicalJson({ v: 1, o: order, s: seq })));
}

function decodeCursor(cursor: string, order: "asc" | "desc"): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decode(base64urlDecode(cursor)));
  } catch {
    parsed = undefined;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || result.data.o !== order) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "invalid audit query cursor" });
  }
  return result.data.s;
}

/** One page of events matching `q`; one more than asked is fetched to know whether there is a next page. */
export async function queryAuditLog(ctx: AuditLogContext, q: AuditQuery): Promise<AuditPage> {
  const o = parseInput(querySchema, q, "audit query");
  const order = o.order ?? "desc";
  const afterSeq = o.cursor === undefined ? undefined : decodeCursor(o.cursor, order);
  const rows = await ctx.store.queryAuditEvents({
    orgId: o.orgId,
    order,
    limit: o.limit + 1,
    ...(o.actorId === undefined ? {} : { actorId: o.actorId }),
    ...(o.action === undefined ? {} : { action: o.action }),
    ...(o.targetId === undefined ? {} : { targetId: o.targetId }),
    ...(o.from === undefined ? {} : { fromTime: o.from }),
    ...(o.to === undefined ? {} : { toTime: o.to }),
    ...(afterSeq === undefined ? {} : { afterSeq }),
  });
  const events = rows.slice(0, o.limit);
  const last = events[events.length - 1];
  return { events, nextCursor: rows.length > o.limit && last !== undefined ? encodeCursor(order, last.seq) : null };
}

/** The organisation's events as NDJSON bytes, one store page per chunk. */
export function exportAuditLog(
  ctx: AuditLogContext,
  orgId: string,
  options: AuditExportOptions = {},
): ReadableStream<Uint8Array> {
  const id = parseInput(idSchema, orgId, "audit org id");
  const o = parseInput(exportSchema, options, "audit export options");
  let pages: AsyncIterator<readonly StoredAuditEvent[]> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      pages ??= ctx.scan(id, o)[Symbol.asyncIterator]();
      for (;;) {
        const next = await pages.next();
        if (next.done === true) {
          controller.close();
          return;
        }
        if (next.value.length === 0) continue;
        let text = "";
        for (const event of next.value) text += `${canonicalJson(event)}\n`;
        controller.enqueue(utf8Encode(text));
        return;
      }
    },
    async cancel() {
      await pages?.return?.();
    },
  });
}
