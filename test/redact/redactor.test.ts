import { describe, expect, it } from "vitest";
import { Secret } from "../../src/_internal/secret.js";
import { createRedactor, redact, regexDetector, type Detector } from "../../src/redact/index.js";
import { expectMoatError, WRONG_TYPES } from "../helpers/assertions.js";

const TEXT = "alice@example.com paid 4242 4242 4242 4242, SSN 536-22-4781, call (415) 555-0132";

describe("createRedactor: findAll and redact", () => {
  const redactor = createRedactor();

  it("finds every type, sorted and non-overlapping", () => {
    const spans = redactor.findAll(TEXT);
    expect(spans.map((s) => [s.type, TEXT.slice(s.start, s.end)])).toEqual([
      ["email", "alice@example.com"],
      ["credit_card", "4242 4242 4242 4242"],
      ["ssn", "536-22-4781"],
      ["phone", "(415) 555-0132"],
    ]);
  });

  it("labels by default", () => {
    expect(redactor.redact(TEXT)).toBe("[EMAIL] paid [CREDIT_CARD], SSN [SSN], call [PHONE]");
    expect(redact(TEXT)).toBe("[EMAIL] paid [CREDIT_CARD], SSN [SSN], call [PHONE]");
  });

  it("returns text without PII unchanged, and the empty string as is", () => {
    expect(redactor.redact("nothing to see at 2024-01-15 12:00")).toBe("nothing to see at 2024-01-15 12:00");
    expect(redactor.redact("")).toBe("");
    expect(redactor.findAll("")).toEqual([]);
  });

  it("handles a large input in one call", () => {
    const big = `${"x".repeat(4 * 1024 * 1024)} alice@example.com`;
    expect(redactor.redact(big).endsWith(" [EMAIL]")).toBe(true);
  });

  it("rejects non-string text", () => {
    for (const bad of WRONG_TYPES) {
      expectMoatError(() => redactor.redact(bad as never), "ERR_INVALID_INPUT");
      expectMoatError(() => redactor.findAll(bad as never), "ERR_INVALID_INPUT");
    }
  });

  it("lists the types it finds", () => {
    expect([...redactor.types].sort()).toEqual(["credit_card", "email", "phone", "ssn"]);
    expect(createRedactor({ detectors: ["email"] }).types).toEqual(["email"]);
  });
});

describe("createRedactor: replacement modes", () => {
  it("masks, keeping punctuation and the last four digits of a card", () => {
    const masked = createRedactor({ replace: "mask" }).redact(TEXT);
    expect(masked).toBe("*****@*******.*** paid **** **** **** 4242, SSN ***-**-****, call (***) ***-****");
  });

  it("hashes with a keyed HMAC: equal values give equal tags, across formats", () => {
    const key = "k".repeat(32);
    const r = createRedactor({ replace: "hash", hashKey: key });
    const a = r.redact("call (415) 555-0132");
    const b = r.redact("call 415-555-0132");
    expect(a).toMatch(/^call \[PHONE:[0-9a-f]{12}\]$/);
    expect(a).toBe(b);
    expect(r.redact("ALICE@example.com")).toBe(r.redact("alice@EXAMPLE.com"));
    expect(r.redact("call (415) 555-0132")).not.toBe(r.redact("call (415) 555-0133"));
    const other = createRedactor({ replace: "hash", hashKey: "z".repeat(32) });
    expect(other.redact("call (415) 555-0132")).not.toBe(a);
    const fromSecret = createRedactor({ replace: "hash", hashKey: new Secret(new TextEncoder().encode(key)) });
    expect(fromSecret.redact("call (415) 555-0132")).toBe(a);
  });

  it("needs a hash key of at least 16 bytes", () => {
    expectMoatError(() => createRedactor({ replace: "hash" }), "ERR_CONFIG");
    expectMoatError(() => createRedactor({ replace: "hash", hashKey: "short" }), "ERR_CONFIG");
    expectMoatError(() => createRedactor({ replace: "hash", hashKey: new Uint8Array(15) }), "ERR_CONFIG");
    expectMoatError(() => createRedactor({ replace: "hash", hashKey: new Secret("short") }), "ERR_CONFIG");
  });

  it("calls a replacement function with each match", () => {
    const seen: string[] = [];
    const r = createRedactor({
      replace: (m) => {
        seen.push(`${m.type}:${m.value}:${String(m.start)}`);
        return `<${m.type}>`;
      },
    });
    expect(r.redact("a alice@example.com b")).toBe("a <email> b");
    expect(seen).toEqual(["email:alice@example.com:2"]);
  });

  it("refuses a replacement function that does not return a string", () => {
    const r = createRedactor({ replace: (() => 42) as never });
    expectMoatError(() => r.redact("alice@example.com"), "ERR_INVALID_INPUT");
  });
});

describe("createRedactor: detectors", () => {
  it("runs only the named detectors", () => {
    expect(createRedactor({ detectors: ["email", "ssn"] }).redact(TEXT)).toBe(
      "[EMAIL] paid 4242 4242 4242 4242, SSN [SSN], call (415) 555-0132",
    );
  });

  it("plugs in a custom detector object and a pattern with a validator", () => {
    const employee: Detector = {
      type: "employee_id",
      find: (text) => [...text.matchAll(/\bEMP-\d{6}\b/g)].map((m) => ({ start: m.index, end: m.index + m[0].length })),
      maxLength: 10,
    };
    const r = createRedactor({
      detectors: ["email", employee, { type: "ticket", pattern: /TCK-\d+/, validate: (v) => v.endsWith("7") }],
    });
    expect(r.redact("EMP-123456 filed TCK-107 and TCK-108 for bob@example.com")).toBe(
      "[EMPLOYEE_ID] filed [TICKET] and TCK-108 for [EMAIL]",
    );
    expect([...r.types].sort()).toEqual(["email", "employee_id", "ticket"]);
  });

  it("merges overlapping matches into one span of the more specific type", () => {
    const account: Detector = {
      type: "account",
      find: (t) =>
        t.includes("555-0132 ") ? [{ start: t.indexOf("555-0132 "), end: t.indexOf("555-0132 ") + 13 }] : [],
      priority: 15,
    };
    const r = createRedactor({ detectors: ["phone", account] });
    const text = "call (415) 555-0132 ext9 ok";
    expect(r.findAll(text)).toEqual([{ type: "account", start: 5, end: 24 }]);
    expect(r.redact(text)).toBe("call [ACCOUNT] ok");
    const weak: Detector = { ...account, priority: 5 };
    expect(createRedactor({ detectors: ["phone", weak] }).redact(text)).toBe("call [PHONE] ok");
  });

  it("merges glued addresses rather than leaving part of one in the clear", () => {
    expect(createRedactor().redact("a@b.io+c@d.io")).toBe("[EMAIL]");
  });

  it("sorts and merges unsorted, overlapping output of a custom detector", () => {
    const messy: Detector = {
      type: "x",
      find: () => [
        { start: 6, end: 8 },
        { start: 0, end: 2 },
        { start: 1, end: 3 },
      ],
    };
    expect(createRedactor({ detectors: [messy] }).findAll("abcdefghij")).toEqual([
      { type: "x", start: 0, end: 3 },
      { type: "x", start: 6, end: 8 },
    ]);
  });

  it("stays correct when a custom detector calls back into the same redactor", () => {
    const holder: { inner?: ReturnType<typeof createRedactor> } = {};
    let depth = 0;
    const reentrant: Detector = {
      type: "nested",
      find: (text) => {
        depth++;
        if (depth === 1) expect(holder.inner?.redact("bob@example.org (212) 555-0199")).toBe("[EMAIL] [PHONE]");
        depth--;
        return text.includes("NEST") ? [{ start: text.indexOf("NEST"), end: text.indexOf("NEST") + 4 }] : [];
      },
    };
    const inner = createRedactor({ detectors: ["email", "phone", reentrant] });
    holder.inner = inner;
    expect(inner.redact("alice@example.com NEST (415) 555-0132")).toBe("[EMAIL] [NESTED] [PHONE]");
  });

  it("rejects a custom detector that returns an invalid span", () => {
    for (const span of [
      { start: -1, end: 2 },
      { start: 3, end: 3 },
      { start: 0, end: 99 },
      { start: 0.5, end: 2 },
    ]) {
      const bad: Detector = { type: "bad", find: () => [span] };
      expectMoatError(() => createRedactor({ detectors: [bad] }).redact("abcdef"), "ERR_CONFIG");
    }
  });

  it("regexDetector adds the g flag, skips empty matches and validates its options", () => {
    const d = regexDetector({ type: "code", pattern: /x*/i });
    expect([...d.find("aXXa")]).toEqual([{ start: 1, end: 3 }]);
    expectMoatError(() => regexDetector({ type: "Bad", pattern: /x/ }), "ERR_CONFIG");
    expectMoatError(() => regexDetector({ type: "ok", pattern: "x" as never }), "ERR_CONFIG");
    expectMoatError(() => regexDetector({ type: "ok", pattern: /x/, maxLength: 0 }), "ERR_CONFIG");
    expectMoatError(() => regexDetector({ type: "ok", pattern: /x/, priority: Number.NaN }), "ERR_CONFIG");
    expectMoatError(() => regexDetector({ type: "ok", pattern: /x/, validate: 1 as never }), "ERR_CONFIG");
    expectMoatError(() => regexDetector(null as never), "ERR_CONFIG");
  });
});

describe("createRedactor: options", () => {
  it.each([
    ["not an object", 42],
    ["unknown option", { detector: ["email"] }],
    ["unknown detector name", { detectors: ["iban"] }],
    ["detector without find", { detectors: [{ type: "x" }] }],
    ["detector with a bad type name", { detectors: [{ type: "X Y", find: () => [] }] }],
    ["detector with a bad priority", { detectors: [{ type: "x", find: () => [], priority: "high" }] }],
    ["duplicate built-in", { detectors: ["email", "email"] }],
    ["unknown replace mode", { replace: "shred" }],
    ["sensitive keys not strings", { sensitiveKeys: [1] }],
    ["hash key of the wrong type", { replace: "hash", hashKey: 42 }],
  ])("rejects %s with ERR_CONFIG", (_why, options) => {
    const err = expectMoatError(() => createRedactor(options as never), "ERR_CONFIG");
    expect(err.message).not.toMatch(/alice|secret/);
  });

  it("creates the default redactor without re-compiling it", () => {
    const a = createRedactor();
    const b = createRedactor();
    expect(a).not.toBe(b);
    expect(a.redact(TEXT)).toBe(b.redact(TEXT));
  });
});
