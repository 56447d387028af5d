import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type AuditEvent,
  GENESIS_HASH,
  auditEventSchema,
  isHashHex,
  isStoredAuditEventShape,
  isValidated,
  isoTimeSchema,
  jsonSchema,
  markValidated,
  normalizeIp,
  sealAuditEvent,
  stripControlCharacters,
} from "../../src/audit/event.js";

const MAX_DIFF_BYTES = 1024 * 1024;

function makeEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "01944f9a-6c00-7000-8000-000000000001",
    at: "2025-01-01T00:00:00.000Z",
    orgId: "org_1",
    actor: { userId: "user_1" },
    action: "api_key.revoke",
    target: { type: "api_key", id: "key_9" },
    requestId: "req_1",
    ip: "203.0.113.7",
    userAgent: "curl/8.0",
    ...overrides,
  };
}

function issuesOf(result: { success: boolean; error?: { issues: readonly unknown[] } }): Record<string, unknown>[] {
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []) as Record<string, unknown>[];
}

describe("isHashHex (mutation survivors)", () => {
  it("accepts only strings, not values that stringify to 64 hex digits", () => {
    const hex = "a".repeat(64);
    expect(isHashHex(hex)).toBe(true);
    expect(isHashHex([hex])).toBe(false);
    expect(isHashHex({ toString: () => hex })).toBe(false);
  });
});

describe("control characters (mutation survivors)", () => {
  it("stripControlCharacters removes DEL, keeps spaces", () => {
    expect(stripControlCharacters("a\u007fb")).toBe("ab");
    expect(stripControlCharacters("a\u0000b\u007fc")).toBe("abc");
    expect(stripControlCharacters("a b")).toBe("a b");
  });

  it("a user agent may contain spaces but not DEL", () => {
    const ok = auditEventSchema.safeParse(makeEvent({ userAgent: "Mozilla/5.0 (X11; Linux)" }));
    expect(ok.success).toBe(true);
    const del = issuesOf(auditEventSchema.safeParse(makeEvent({ userAgent: "curl\u007f" })));
    expect(del.map((i) => i.message)).toContain("must not contain control characters");
  });
});

describe("normalizeIp (mutation survivors)", () => {
  it("lower-cases IPv6 and leaves anything without a colon unchanged", () => {
    expect(normalizeIp("2001:DB8::1")).toBe("2001:db8::1");
    expect(normalizeIp("::FFFF:203.0.113.7")).toBe("203.0.113.7");
    expect(normalizeIp("Not-An-Address")).toBe("Not-An-Address");
  });
});

describe("jsonSchema (mutation survivors)", () => {
  it("reports a value JSON cannot hold as a custom issue at its path", () => {
    const issues = issuesOf(jsonSchema(1000, false).safeParse({ a: 1n }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "custom", path: ["a"] });
  });

  it("reports a non-object where an object is required", () => {
    const issues = issuesOf(jsonSchema(1000, true).safeParse([1]));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "custom", message: "expected a plain object" });
  });

  it("accepts a value of exactly maxBytes and reports one byte more as too big", () => {
    // "abcde" is 7 bytes as JSON (with its quotes)
    expect(jsonSchema(7, false).parse("abcde")).toBe("abcde");
    const issues = issuesOf(jsonSchema(7, false).safeParse("abcdef"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: "too_big",
      origin: "string",
      maximum: 7,
      message: "must be at most 7 bytes as JSON",
    });
  });
});

describe("isoTimeSchema (mutation survivors)", () => {
  it("refuses an extended-year time even though it round-trips through Date", () => {
    const extended = "+010000-01-01T00:00:00.000Z";
    expect(new Date(Date.parse(extended)).toISOString()).toBe(extended);
    expect(isoTimeSchema.safeParse(extended).success).toBe(false);
    expect(isoTimeSchema.safeParse("2025-01-01T00:00:00.000Z").success).toBe(true);
  });

  it("refuses a non-string without trying to read it as text", () => {
    expect(isoTimeSchema.safeParse(Symbol("t")).success).toBe(false);
    expect(isoTimeSchema.safeParse(5).success).toBe(false);
  });
});

describe("diff entries in auditEventSchema (mutation survivors)", () => {
  it("accepts add with only after, remove with only before, change with both; keeps no undefined keys", () => {
    const diff = [
      { path: "/a", op: "add", after: 1 },
      { path: "/b", op: "remove", before: 2 },
      { path: "/c", op: "change", before: 3, after: 4 },
    ];
    const parsed = auditEventSchema.safeParse(makeEvent({ diff }));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.diff).toStrictEqual(diff);
    expect(parsed.data?.diff?.map((e) => Object.keys(e))).toEqual([
      ["path", "op", "after"],
      ["path", "op", "before"],
      ["path", "op", "before", "after"],
    ]);
  });

  it.each([
    ["add without after", { path: "/a", op: "add" }],
    ["add with before", { path: "/a", op: "add", before: 1, after: 2 }],
    ["remove without before", { path: "/a", op: "remove" }],
    ["remove with after", { path: "/a", op: "remove", before: 1, after: 2 }],
    ["change with only after", { path: "/a", op: "change", after: 2 }],
    ["change with only before", { path: "/a", op: "change", before: 1 }],
    ["change with neither", { path: "/a", op: "change" }],
  ])("rejects %s", (_name, entry) => {
    const issues = issuesOf(auditEventSchema.safeParse(makeEvent({ diff: [entry] })));
    expect(issues.map((i) => i.message)).toContain("add has only after, remove only before, change both");
  });

  it("rejects a diff over 1 MiB as JSON whose entries are each within the limit", () => {
    const half = "x".repeat(600 * 1024);
    const diff = [
      { path: "/a", op: "add", after: half },
      { path: "/b", op: "add", after: half },
    ];
    const issues = issuesOf(auditEventSchema.safeParse(makeEvent({ diff })));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: "too_big",
      origin: "array",
      maximum: MAX_DIFF_BYTES,
      message: "diff is too large as JSON",
      path: ["diff"],
    });
  });

  it("accepts a diff of exactly 1 MiB as JSON", () => {
    const overhead = JSON.stringify([{ path: "/a", op: "add", after: "" }]).length;
    const diff = [{ path: "/a", op: "add", after: "x".repeat(MAX_DIFF_BYTES - overhead) }];
    expect(JSON.stringify(diff).length).toBe(MAX_DIFF_BYTES);
    expect(auditEventSchema.safeParse(makeEvent({ diff })).success).toBe(true);
  });
});

describe("auditEventSchema output (mutation survivors)", () => {
  it("has no impersonatorId, diff or metadata keys when none were given", () => {
    const parsed = auditEventSchema.parse(makeEvent());
    expect(parsed).toStrictEqual(makeEvent());
    expect(Object.keys(parsed.actor)).toEqual(["userId"]);
    expect("diff" in parsed).toBe(false);
    expect("metadata" in parsed).toBe(false);
  });
});

describe("sealAuditEvent (mutation survivors)", () => {
  it("seals a remove entry with no after key, hashing the canonical JSON", () => {
    const event = auditEventSchema.parse(makeEvent({ diff: [{ path: "/k", op: "remove", before: { b: 1, a: 2 } }] }));
    const sealed = sealAuditEvent(event, { seq: 0, hash: GENESIS_HASH });
    expect(Object.keys(sealed.diff?.[0] ?? {})).toEqual(["before", "op", "path"]);
    const canonical =
      '{"action":"api_key.revoke","actor":{"userId":"user_1"},"at":"2025-01-01T00:00:00.000Z",' +
      '"diff":[{"before":{"a":2,"b":1},"op":"remove","path":"/k"}],"id":"01944f9a-6c00-7000-8000-000000000001",' +
      `"ip":"203.0.113.7","orgId":"org_1","prevHash":"${GENESIS_HASH}","requestId":"req_1","seq":1,` +
      '"target":{"id":"key_9","type":"api_key"},"userAgent":"curl/8.0"}';
    expect(sealed.hash).toBe(createHash("sha256").update(canonical, "utf8").digest("hex"));
  });
});

describe("isStoredAuditEventShape (mutation survivors)", () => {
  function stored(): Record<string, unknown> {
    const event = auditEventSchema.parse(makeEvent());
    return { ...sealAuditEvent(event, { seq: 0, hash: GENESIS_HASH }) };
  }

  it("accepts a sealed event, with null request fields too", () => {
    expect(isStoredAuditEventShape(stored())).toBe(true);
    expect(isStoredAuditEventShape({ ...stored(), requestId: null, ip: null, userAgent: null })).toBe(true);
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a string", "event"],
    ["a number", 42],
    ["a boolean", true],
  ])("is false for %s", (_name, value) => {
    expect(isStoredAuditEventShape(value)).toBe(false);
  });

  it("is false for an array carrying every field", () => {
    expect(isStoredAuditEventShape(Object.assign([], stored()))).toBe(false);
  });

  it.each([
    ["seq", "1"],
    ["hash", 1],
    ["prevHash", 1],
    ["id", 1],
    ["at", 1],
    ["orgId", 1],
    ["action", 1],
    ["actor", null],
    ["actor", "user_1"],
    ["actor", ["user_1"]],
    ["target", null],
    ["target", "key_9"],
    ["target", ["key_9"]],
    ["requestId", 1],
    ["ip", 1],
    ["userAgent", 1],
    ["requestId", undefined],
  ])("is false when %s is %o", (key, value) => {
    expect(isStoredAuditEventShape({ ...stored(), [key]: value })).toBe(false);
  });
});

describe("markValidated / isValidated (mutation survivors)", () => {
  it("recognises an event it marked, and nothing else", () => {
    const event: AuditEvent = auditEventSchema.parse(makeEvent());
    expect(isValidated(event)).toBe(false);
    expect(markValidated(event)).toBe(event);
    expect(isValidated(event)).toBe(true);
    expect(Object.isFrozen(event)).toBe(true);
    expect(isValidated({ ...event })).toBe(false);
    expect(isValidated(null)).toBe(false);
    expect(isValidated("event")).toBe(false);
  });
});
