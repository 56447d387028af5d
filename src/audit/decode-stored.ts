/**
 * Decoding a stored audit event from what a database returns, for audit stores that keep each
 * event as one JSON document (text, or a JSON column the driver parses).
 */
import { MoatError } from "../errors.js";
import { type StoredAuditEvent, isStoredAuditEventShape } from "./event.js";

/**
 * The event stored as `body` (JSON text, or the object a driver parsed from a JSON column), or
 * MoatError ERR_INTEGRITY with `details.seq` when it is not JSON or lacks the fields of a stored
 * event. The check is shallow (see {@link isStoredAuditEventShape}); whether the event is intact
 * only its hash can tell, and the log's verifier checks that. `scanAuditEvents` must throw this
 * for a row it cannot decode rather than skip the row.
 *
 * @param seq the row's sequence number, reported in the error.
 * @throws MoatError ERR_INTEGRITY for a body that cannot be decoded.
 * @example
 * ```ts
 * import { decodeStoredAuditEvent } from "moatkit/stores";
 * const event = decodeStoredAuditEvent(Number(row.seq), row.body);
 * ```
 */
export function decodeStoredAuditEvent(seq: number, body: unknown): StoredAuditEvent {
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  if (!isStoredAuditEventShape(parsed)) {
    throw new MoatError("ERR_INTEGRITY", { message: "an audit event row cannot be decoded", details: { seq } });
  }
  return parsed;
}
