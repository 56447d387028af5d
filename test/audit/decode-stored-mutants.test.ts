/**
 * decodeStoredAuditEvent: a stored event from JSON text or from the object a driver parsed, and
 * ERR_INTEGRITY naming the seq for a body that is neither.
 */
import { describe, expect, it } from "vitest";
import { createAuditEventBuilder } from "../../src/audit/builder.js";
import { decodeStoredAuditEvent } from "../../src/audit/decode-stored.js";
import { EMPTY_CHAIN_HEAD, sealAuditEvent } from "../../src/audit/event.js";
import { expectMoatError } from "../helpers/assertions.js";

function storedEvent() {
  const builder = createAuditEventBuilder({ now: () => Date.UTC(2026, 0, 1) });
  return sealAuditEvent(
    builder.build({ orgId: "org_1", actor: { userId: "u1" }, action: "a.b", target: { type: "t", id: "1" } }),
    EMPTY_CHAIN_HEAD,
  );
}

describe("decodeStoredAuditEvent", () => {
  it("decodes JSON text", () => {
    const stored = storedEvent();
    expect(decodeStoredAuditEvent(1, JSON.stringify(stored))).toEqual(stored);
  });

  it("decodes an object a driver parsed from a JSON column", () => {
    const stored = storedEvent();
    const parsed: unknown = JSON.parse(JSON.stringify(stored));
    expect(decodeStoredAuditEvent(1, parsed)).toEqual(stored);
  });

  it("throws ERR_INTEGRITY with the seq for text that is not JSON or not an event, and for other values", () => {
    const stored = storedEvent();
    for (const body of ["", "{", "null", JSON.stringify({ ...stored, seq: "1" }), null, undefined, 7, []]) {
      const err = expectMoatError(() => decodeStoredAuditEvent(17, body), "ERR_INTEGRITY");
      expect(err.message).toBe("an audit event row cannot be decoded");
      expect(err.details).toEqual({ seq: 17 });
    }
  });
});
