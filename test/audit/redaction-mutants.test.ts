import { describe, expect, it } from "vitest";
import { computeAuditDiff, createAuditEventBuilder } from "../../src/audit/index.js";
import { createRedaction } from "../../src/audit/redaction.js";
import { expectMoatError } from "../helpers/assertions.js";
import { BASE_EVENT, identityRedactor } from "./tamper.js";

const digitMasker = { redact: (t: string): string => t.replace(/\d/g, "#") };

describe("audit redaction (mutation survivors)", () => {
  it("passes text and numbers through unchanged without a text redactor", () => {
    const redaction = createRedaction(["password"], undefined);
    expect(redaction.text("mail a@x.io or call 555-0100")).toBe("mail a@x.io or call 555-0100");
    expect(redaction.value(4_111_111_111_111_111)).toBe(4_111_111_111_111_111);
    expect(redaction.object({ "a@x.io": "555-0100", password: "pw", n: 12_345_678 })).toEqual({
      "a@x.io": "555-0100",
      password: "[REDACTED]",
      n: 12_345_678,
    });
  });

  it("refuses a text redactor that returns something other than a string", () => {
    const builder = createAuditEventBuilder({ redactor: { redact: () => 5 as unknown as string } });
    const err = expectMoatError(() => builder.build({ ...BASE_EVENT, metadata: { note: "x" } }), "ERR_CONFIG");
    expect(err.message).toBe("the audit text redactor must return a string");
  });

  it("masks only safe integers of at least 1,000,000 in absolute value through the text redactor", () => {
    const event = createAuditEventBuilder({ redactor: digitMasker }).build({
      ...BASE_EVENT,
      metadata: {
        small: 42,
        below: 999_999,
        negBelow: -999_999,
        edge: 1_000_000,
        negEdge: -1_000_000,
        big: 12_345_678,
        fraction: 12_345_678.5,
        huge: 1e20,
      },
    });
    expect(event.metadata).toEqual({
      small: 42,
      below: 999_999,
      negBelow: -999_999,
      edge: "#######",
      negEdge: "-#######",
      big: "########",
      fraction: 12_345_678.5,
      huge: 1e20,
    });
  });

  it("keeps a large number a number when the text redactor leaves its digits alone", () => {
    const event = createAuditEventBuilder({ redactor: identityRedactor }).build({
      ...BASE_EVENT,
      metadata: { card: 4_111_111_111_111_111, count: 12_345_678 },
    });
    expect(event.metadata).toEqual({ card: 4_111_111_111_111_111, count: 12_345_678 });
  });

  it("numbers keys that masking made equal (2), (3) … in order", () => {
    const emails = { redact: (t: string): string => t.replace(/[a-z]+@x\.io/g, "[EMAIL]") };
    const event = createAuditEventBuilder({ redactor: emails }).build({
      ...BASE_EVENT,
      metadata: { "a@x.io": 1, "b@x.io": 2, "c@x.io": 3, "d@x.io": 4 },
    });
    expect(event.metadata).toEqual({ "[EMAIL]": 1, "[EMAIL] (2)": 2, "[EMAIL] (3)": 3, "[EMAIL] (4)": 4 });
    expect(Object.keys(event.metadata ?? {})).toEqual(["[EMAIL]", "[EMAIL] (2)", "[EMAIL] (3)", "[EMAIL] (4)"]);
  });

  it("returns redacted objects in a diff as ordinary objects: listed, writable and deletable keys", () => {
    const [entry] = computeAuditDiff({}, { profile: { name: "Ann", token: "t" } }, { redactor: identityRedactor });
    expect(entry).toEqual({ path: "/profile", op: "add", after: { name: "Ann", token: "[REDACTED]" } });
    const after = entry?.after as Record<string, unknown>;
    expect(Object.keys(after)).toEqual(["name", "token"]);
    expect(JSON.stringify(after)).toBe('{"name":"Ann","token":"[REDACTED]"}');
    after.name = "Bob";
    expect(after.name).toBe("Bob");
    delete after.token;
    expect(after).toEqual({ name: "Bob" });
  });
});
