import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeAuditDiff } from "../../src/audit/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

describe("computeAuditDiff", () => {
  it("reports nested changes with JSON Pointer paths", () => {
    const before = { name: "Acme", settings: { mfa: { required: false, methods: ["totp"] }, region: "eu" } };
    const after = { name: "Acme", settings: { mfa: { required: true, methods: ["totp"] }, region: "eu" } };
    expect(computeAuditDiff(before, after)).toEqual([
      { path: "/settings/mfa/required", op: "change", before: false, after: true },
    ]);
  });

  it("reports added and removed keys, with whole subtrees as values", () => {
    const before = { a: 1, gone: { deep: [1, 2] } };
    const after = { a: 1, added: { x: { y: "z" } } };
    expect(computeAuditDiff(before, after)).toEqual([
      { path: "/added", op: "add", after: { x: { y: "z" } } },
      { path: "/gone", op: "remove", before: { deep: [1, 2] } },
    ]);
  });

  it("compares arrays index by index", () => {
    expect(computeAuditDiff({ scopes: ["read", "write"] }, { scopes: ["read", "admin", "write"] })).toEqual([
      { path: "/scopes/1", op: "change", before: "write", after: "admin" },
      { path: "/scopes/2", op: "add", after: "write" },
    ]);
    expect(computeAuditDiff({ scopes: ["read", "write"] }, { scopes: ["read"] })).toEqual([
      { path: "/scopes/1", op: "remove", before: "write" },
    ]);
    expect(computeAuditDiff({ members: [{ id: 1, role: "member" }] }, { members: [{ id: 1, role: "admin" }] })).toEqual(
      [{ path: "/members/0/role", op: "change", before: "member", after: "admin" }],
    );
  });

  it("reports a change of type as one change", () => {
    expect(computeAuditDiff({ v: { a: 1 } }, { v: [1] })).toEqual([
      { path: "/v", op: "change", before: { a: 1 }, after: [1] },
    ]);
    expect(computeAuditDiff({ v: null }, { v: 0 })).toEqual([{ path: "/v", op: "change", before: null, after: 0 }]);
    expect(computeAuditDiff("a", "b")).toEqual([{ path: "", op: "change", before: "a", after: "b" }]);
  });

  it("treats a missing side as an empty object (creation and deletion)", () => {
    expect(computeAuditDiff(undefined, { role: "admin", password: "pw" })).toEqual([
      { path: "/password", op: "add", after: "[REDACTED]" },
      { path: "/role", op: "add", after: "admin" },
    ]);
    expect(computeAuditDiff({ role: "admin" }, undefined)).toEqual([{ path: "/role", op: "remove", before: "admin" }]);
    expect(computeAuditDiff(undefined, 5)).toEqual([{ path: "", op: "add", after: 5 }]);
  });

  it("escapes ~ and / in keys (RFC 6901)", () => {
    expect(computeAuditDiff({}, { "a/b": 1, "c~d": 2 })).toEqual([
      { path: "/a~1b", op: "add", after: 1 },
      { path: "/c~0d", op: "add", after: 2 },
    ]);
  });

  it("compares as JSON: undefined properties are absent, Dates are their ISO strings", () => {
    expect(computeAuditDiff({ a: undefined, at: new Date(0) }, { at: "1970-01-01T00:00:00.000Z" })).toEqual([]);
  });

  it("redacts values under sensitive keys in every spelling, reporting only that they changed", () => {
    const before = {
      password: "hunter2",
      apiKey: "k1",
      api_key: "k2",
      "X-Api-Key": "k3",
      totpSecret: "s1",
      nested: { refresh_token: "t1" },
      name: "n",
    };
    const after = {
      password: "hunter3",
      apiKey: "k1",
      api_key: "k2x",
      "X-Api-Key": "k3x",
      totpSecret: "s2",
      nested: { refresh_token: "t2" },
      name: "n",
    };
    const diff = computeAuditDiff(before, after);
    expect(diff).toEqual([
      { path: "/X-Api-Key", op: "change", before: "[REDACTED]", after: "[REDACTED]" },
      { path: "/api_key", op: "change", before: "[REDACTED]", after: "[REDACTED]" },
      { path: "/nested/refresh_token", op: "change", before: "[REDACTED]", after: "[REDACTED]" },
      { path: "/password", op: "change", before: "[REDACTED]", after: "[REDACTED]" },
      { path: "/totpSecret", op: "change", before: "[REDACTED]", after: "[REDACTED]" },
    ]);
  });

  it("hides a whole sensitive subtree, never where inside it the change was", () => {
    const diff = computeAuditDiff({ credentials: { user: "a", pass: "x" } }, { credentials: { user: "a", pass: "y" } });
    expect(diff).toEqual([{ path: "/credentials", op: "change", before: "[REDACTED]", after: "[REDACTED]" }]);
    expect(computeAuditDiff({ credentials: { user: "a" } }, { credentials: { user: "a" } })).toEqual([]);
  });

  it("redacts sensitive keys inside added and removed subtrees", () => {
    expect(computeAuditDiff({}, { integration: { url: "https://x", token: "abc" } })).toEqual([
      { path: "/integration", op: "add", after: { url: "https://x", token: "[REDACTED]" } },
    ]);
  });

  it("uses the configured sensitive keys and text redactor", () => {
    const redactor = { redact: (text: string) => text.replace(/[\w.]+@[\w.]+/g, "[EMAIL]") };
    const diff = computeAuditDiff(
      { ssn: "1", note: "mail bob@example.com" },
      { ssn: "2", note: "mail eve@example.com", "alice@example.com": "admin" },
      { sensitiveKeys: ["ssn"], redactor },
    );
    expect(diff).toEqual([
      { path: "/[EMAIL]", op: "add", after: "admin" },
      { path: "/note", op: "change", before: "mail [EMAIL]", after: "mail [EMAIL]" },
      { path: "/ssn", op: "change", before: "[REDACTED]", after: "[REDACTED]" },
    ]);
  });

  it("is empty for equal values and lists exactly the differing leaves", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(computeAuditDiff(v, structuredClone(v), { sensitiveKeys: ["zzzzz"] })).toEqual([]);
      }),
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => !/[~/]/.test(k)),
          fc.integer(),
        ),
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => !/[~/]/.test(k)),
          fc.integer(),
        ),
        (a, b) => {
          // This property is about which paths the diff lists, so free-text masking is switched off:
          // with the default redactor an email-shaped key such as "0@0.AA" would be masked in the path.
          const diff = computeAuditDiff(a, b, {
            sensitiveKeys: ["zzzzz"],
            redactor: { redact: (text: string) => text },
          });
          const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
          expect(diff.map((d) => d.path)).toEqual(changed.map((k) => `/${k}`));
        },
      ),
    );
  });

  it("never throws on JSON input and never shows a sensitive value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.stringMatching(/^[0-9a-f]{16}$/), (a, b, hex) => {
        const secret = `S3CR3T_${hex}`;
        const diff = computeAuditDiff(
          { x: a, password: secret, keep: [1] },
          { y: b, apiKey: { nested: secret }, keep: [{ token: secret }] },
        );
        expect(JSON.stringify(diff)).not.toContain(hex);
      }),
    );
  });

  it("rejects values that are not JSON or too large", () => {
    for (const bad of [1n, Number.NaN, () => 1, Symbol("s"), new Map()]) {
      const err = expectMoatError(() => computeAuditDiff({ a: bad }, {}), "ERR_INVALID_INPUT");
      expect(err.details?.issues).toEqual([expect.objectContaining({ path: ["before", "a"] })]);
    }
    expectMoatError(() => computeAuditDiff({}, { big: "x".repeat(128 * 1024) }), "ERR_INVALID_INPUT");
  });

  it("rejects bad options", () => {
    for (const bad of WRONG_TYPES.filter(
      (v) => v !== undefined && !(typeof v === "object" && v !== null && !Array.isArray(v)),
    )) {
      expectMoatError(() => computeAuditDiff({}, {}, bad as never), "ERR_CONFIG");
    }
    expectMoatError(() => computeAuditDiff({}, {}, { sensitiveKeys: ["id"] }), "ERR_CONFIG");
    expectMoatError(() => computeAuditDiff({}, {}, { redactor: { redact: 5 } as never }), "ERR_CONFIG");
    expectMoatError(() => computeAuditDiff({}, { a: "x" }, { redactor: { redact: () => 5 as never } }), "ERR_CONFIG");
  });
});
