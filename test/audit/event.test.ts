import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, type AuditEvent, hashAuditEvent } from "../../src/audit/index.js";
import { auditEventSchema, sealAuditEvent } from "../../src/audit/event.js";
import { uuidv7 } from "../../src/audit/event-id.js";
import { toJsonValue } from "../../src/audit/json-value.js";
import { expectMoatError } from "../helpers/assertions.js";

const event: AuditEvent = {
  id: "01944f9a-6c00-7000-8000-000000000001",
  at: "2025-01-01T00:00:00.000Z",
  orgId: "org_1",
  actor: { userId: "user_1", impersonatorId: "staff_2" },
  action: "api_key.revoke",
  target: { type: "api_key", id: "key_9" },
  requestId: "req_1",
  ip: "203.0.113.7",
  userAgent: "curl/8.0",
  diff: [{ path: "/revoked", op: "change", before: false, after: true }],
  metadata: { reason: "rotated" },
};

describe("the audit event hash", () => {
  it("is SHA-256 over the canonical JSON of the whole event without hash", () => {
    // Written out by hand: keys sorted at every level, no whitespace.
    const canonical =
      '{"action":"api_key.revoke","actor":{"impersonatorId":"staff_2","userId":"user_1"},"at":"2025-01-01T00:00:00.000Z",' +
      '"diff":[{"after":true,"before":false,"op":"change","path":"/revoked"}],"id":"01944f9a-6c00-7000-8000-000000000001",' +
      '"ip":"203.0.113.7","metadata":{"reason":"rotated"},"orgId":"org_1",' +
      `"prevHash":"${GENESIS_HASH}","requestId":"req_1","seq":1,"target":{"id":"key_9","type":"api_key"},"userAgent":"curl/8.0"}`;
    const expected = createHash("sha256").update(canonical, "utf8").digest("hex");
    const sealed = sealAuditEvent(event, { seq: 0, hash: GENESIS_HASH });
    expect(sealed.hash).toBe(expected);
    expect(sealed).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    const { hash: _hash, ...unsealed } = sealed;
    expect(hashAuditEvent(unsealed)).toBe(expected);
  });

  it("changes when any leaf of the event changes (every field is covered)", () => {
    const sealed = sealAuditEvent(event, { seq: 41, hash: "a".repeat(64) });
    const { hash, ...base } = sealed;
    const leaves: string[][] = [];
    const walk = (value: unknown, path: string[]): void => {
      if (typeof value === "object" && value !== null)
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      else leaves.push(path);
    };
    walk(base, []);
    expect(leaves.length).toBeGreaterThan(15);
    for (const path of leaves) {
      const copy = structuredClone(base) as Record<string, unknown>;
      let target = copy;
      for (const p of path.slice(0, -1)) target = target[p] as Record<string, unknown>;
      const last = path[path.length - 1]!;
      target[last] = typeof target[last] === "number" ? target[last] + 1 : "changed";
      expect(hashAuditEvent(copy as unknown as typeof base), path.join(".")).not.toBe(hash);
    }
  });

  it("freezes sealed events, nested objects included", () => {
    const sealed = sealAuditEvent(auditEventSchema.parse(event), { seq: 0, hash: GENESIS_HASH });
    expect(Object.isFrozen(sealed)).toBe(true);
    expect(Object.isFrozen(sealed.actor)).toBe(true);
    expect(Object.isFrozen(sealed.diff?.[0])).toBe(true);
    expect(Object.isFrozen(sealed.metadata)).toBe(true);
  });
});

describe("auditEventSchema (what append accepts)", () => {
  it("accepts a built event and drops undefined optionals", () => {
    expect(auditEventSchema.parse({ ...event, metadata: { a: 1, b: undefined } })).toEqual({
      ...event,
      metadata: { a: 1 },
    });
  });

  it.each([
    ["an unknown top-level key", { ...event, seq: 5 }],
    ["an unknown actor key", { ...event, actor: { userId: "u", role: "admin" } }],
    ["a missing requestId", (({ requestId: _r, ...rest }) => rest)(event)],
    ["a bad time", { ...event, at: "2025-02-30T00:00:00.000Z" }],
    ["a time without milliseconds", { ...event, at: "2025-01-01T00:00:00Z" }],
    ["a bad ip", { ...event, ip: "999.1.1.1" }],
    ["a control character in the action", { ...event, action: "a\nb" }],
    ["an oversized user agent", { ...event, userAgent: "x".repeat(513) }],
    ["a diff entry that adds with a before", { ...event, diff: [{ path: "/a", op: "add", before: 1, after: 2 }] }],
    ["a diff entry with an unknown op", { ...event, diff: [{ path: "/a", op: "move", after: 2 }] }],
    ["metadata that is an array", { ...event, metadata: [1] }],
    ["metadata holding a BigInt", { ...event, metadata: { n: 1n } }],
    ["metadata over 64 KiB", { ...event, metadata: { big: "x".repeat(64 * 1024) } }],
  ])("rejects %s", (_name, value) => {
    expect(auditEventSchema.safeParse(value).success).toBe(false);
  });
});

describe("toJsonValue", () => {
  it("drops undefined properties, applies toJSON and normalizes -0", () => {
    const r = toJsonValue({ a: undefined, d: new Date(0), z: -0, nested: [{ b: undefined, c: 1 }] });
    expect(r).toEqual({ ok: true, value: { d: "1970-01-01T00:00:00.000Z", z: 0, nested: [{ c: 1 }] } });
    expect(r.ok && Object.is((r.value as { z: number }).z, 0)).toBe(true);
  });

  it.each([
    ["NaN", { a: Number.NaN }, ["a"]],
    ["Infinity", [1, Infinity], [1]],
    ["a BigInt", { a: { b: 1n } }, ["a", "b"]],
    ["a function", { f: () => 1 }, ["f"]],
    ["a symbol", { s: Symbol("s") }, ["s"]],
    ["a Map", { m: new Map() }, ["m"]],
    ["undefined in an array", [undefined], [0]],
    ["a sparse array", [1, , 3], [1]], // eslint-disable-line no-sparse-arrays
    ["a lone surrogate (canonical JSON has no form for it)", { a: ["x\ud800"] }, ["a", 0]],
    ["a lone surrogate in a key", { o: { "\udc00k": 1 } }, ["o", "\udc00k"]],
  ])("refuses %s, saying where", (_name, value, path) => {
    const r = toJsonValue(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.path).toEqual(path);
  });

  it("refuses cycles and excessive nesting", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(toJsonValue(cycle).ok).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(toJsonValue(deep).ok).toBe(false);
  });

  it("keeps a __proto__ key as data", () => {
    const input = JSON.parse('{"__proto__":{"polluted":true}}') as unknown;
    const r = toJsonValue(input);
    expect(r.ok && Object.keys(r.value as object)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("round-trips any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = toJsonValue(v);
        expect(r.ok).toBe(true);
        if (r.ok) expect(JSON.stringify(r.value)).toBe(JSON.stringify(v));
      }),
    );
  });

  it("never throws on garbage", () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withDate: true }),
        (v) => void toJsonValue(v),
      ),
    );
  });
});

describe("event ids", () => {
  it("are UUIDv7 with the time in the first 48 bits", () => {
    const id = uuidv7(Date.UTC(2026, 0, 1), (n) => new Uint8Array(n).fill(0xff));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(Date.UTC(2026, 0, 1));
  });

  it("reject a clock outside what 48 bits hold", () => {
    for (const t of [-1, 2 ** 48, 1.5, Number.NaN])
      expectMoatError(() => uuidv7(t, (n) => new Uint8Array(n)), "ERR_CONFIG");
  });
});
