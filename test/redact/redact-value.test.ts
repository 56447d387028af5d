import { describe, expect, it } from "vitest";
import { Secret } from "../../src/_internal/secret.js";
import {
  DEFAULT_SENSITIVE_KEY_SUBSTRINGS,
  REDACTED as AUDIT_REDACTED,
  buildAuditEvent,
} from "../../src/audit/index.js";
import { createRedactor, DEFAULT_SENSITIVE_KEYS, REDACTED } from "../../src/redact/index.js";
import { compileKeyMatcher, keyWords } from "../../src/redact/sensitive-keys.js";
import { expectMoatError } from "../helpers/assertions.js";

const redactor = createRedactor();

describe("redactValue", () => {
  it("redacts every string in a nested value and never mutates the input", () => {
    const input = {
      user: { email: "alice@example.com", phones: ["(415) 555-0132", "+44 20 7946 0958"] },
      note: "paid with 4242 4242 4242 4242",
      count: 3,
      ok: true,
      none: null,
      missing: undefined,
    };
    const snapshot = structuredClone(input);
    const out = redactor.redactValue(input);
    expect(out).toEqual({
      user: { email: "[EMAIL]", phones: ["[PHONE]", "[PHONE]"] },
      note: "paid with [CREDIT_CARD]",
      count: 3,
      ok: true,
      none: null,
      missing: undefined,
    });
    expect(input).toEqual(snapshot);
    expect(out).not.toBe(input);
  });

  it("replaces sensitive keys whole, whatever their value", () => {
    const out = redactor.redactValue({
      password: "hunter2",
      dbPassword: { nested: "x" },
      apiKey: "sk_live_123",
      "X-API-Key": "abc",
      headers: { authorization: "Bearer abc", cookie: "sid=1", "set-cookie": ["a=b"] },
      refresh_token: "r",
      max_tokens: 256,
      tokenizer: "bpe",
      ssn_last4: "4781",
      passwordHint: null,
    });
    expect(out).toEqual({
      password: "[REDACTED]",
      dbPassword: "[REDACTED]",
      apiKey: "[REDACTED]",
      "X-API-Key": "[REDACTED]",
      headers: { authorization: "[REDACTED]", cookie: "[REDACTED]", "set-cookie": "[REDACTED]" },
      refresh_token: "[REDACTED]",
      max_tokens: 256,
      tokenizer: "bpe",
      ssn_last4: "[REDACTED]",
      passwordHint: null,
    });
  });

  it("takes the sensitive keys from the call or from the redactor", () => {
    expect(redactor.redactValue({ dob: "1990-01-01", password: "x" }, { keys: ["dob"] })).toEqual({
      dob: "[REDACTED]",
      password: "x",
    });
    expect(createRedactor({ sensitiveKeys: ["dob"] }).redactValue({ dob: "1990-01-01" })).toEqual({
      dob: "[REDACTED]",
    });
    expect(redactor.redactValue({ dob: "x" }, { keys: [...DEFAULT_SENSITIVE_KEYS, "dob"] })).toEqual({
      dob: "[REDACTED]",
    });
  });

  it("keeps cycles and shared references in the copy", () => {
    const shared = { email: "bob@example.com" };
    const input: Record<string, unknown> = { a: shared, b: shared };
    input.self = input;
    const out = redactor.redactValue(input) as Record<string, unknown>;
    expect(out.self).toBe(out);
    expect(out.a).toBe(out.b);
    expect(out.a).toEqual({ email: "[EMAIL]" });
    expect(input.self).toBe(input);
    expect(shared.email).toBe("bob@example.com");
  });

  it("copies Dates, Buffers, typed arrays, Maps and Sets", () => {
    const date = new Date("2024-01-15T00:00:00Z");
    const buffer = Buffer.from("alice@example.com");
    const bytes = new Uint16Array([1, 2, 3]);
    const map = new Map<unknown, unknown>([
      ["bob@example.com", { phone: "415-555-0132" }],
      ["token", "abc"],
      [1, "4242424242424242"],
    ]);
    const set = new Set(["carol@example.com", 7]);
    const out = redactor.redactValue({ date, buffer, bytes, map, set }) as Record<string, unknown>;
    expect(out.date).toEqual(date);
    expect(out.date).not.toBe(date);
    expect(Buffer.isBuffer(out.buffer)).toBe(true);
    expect(out.buffer).toEqual(buffer);
    expect(out.buffer).not.toBe(buffer);
    expect(out.bytes).toEqual(bytes);
    expect(out.bytes).not.toBe(bytes);
    expect(out.map).toEqual(
      new Map<unknown, unknown>([
        ["[EMAIL]", { phone: "[PHONE]" }],
        ["token", "[REDACTED]"],
        [1, "[CREDIT_CARD]"],
      ]),
    );
    expect(out.set).toEqual(new Set(["[EMAIL]", 7]));
    expect(map.get("token")).toBe("abc");
  });

  it("redacts errors, keeping their prototype and hiding message and stack as real errors do", () => {
    const err = new TypeError("no account for alice@example.com");
    Object.assign(err, { code: "E_NOACCOUNT", customer: "bob@example.com" });
    const out = redactor.redactValue(err);
    expect(out).toBeInstanceOf(TypeError);
    const e = out as TypeError & { code: string; customer: string };
    expect(e.message).toBe("no account for [EMAIL]");
    expect(e.stack).not.toContain("alice@example.com");
    expect(e.code).toBe("E_NOACCOUNT");
    expect(e.customer).toBe("[EMAIL]");
    expect(Object.keys(e)).toEqual(["code", "customer"]);
    expect(err.message).toBe("no account for alice@example.com");
  });

  it("redacts object keys, card numbers stored as numbers, and what toJSON returns", () => {
    class Money {
      readonly #cents = 1234;
      toJSON(): string {
        return `$${String(this.#cents / 100)} from 4242 4242 4242 4242`;
      }
    }
    const out = redactor.redactValue({
      "alice@example.com": 1,
      pan: 4242424242424242,
      panBig: 4242424242424242n,
      small: 12345,
      money: new Money(),
      secret: new Secret("x"),
      wrapped: new Secret("x"),
    });
    expect(out).toEqual({
      "[EMAIL]": 1,
      pan: "[CREDIT_CARD]",
      panBig: "[CREDIT_CARD]",
      small: 12345,
      money: "$12.34 from [CREDIT_CARD]",
      secret: "[REDACTED]",
      wrapped: "[secret]",
    });
  });

  it("passes primitives through and redacts a bare string", () => {
    expect(redactor.redactValue("mail alice@example.com")).toBe("mail [EMAIL]");
    for (const v of [undefined, null, 42, true, 10n, Symbol.for("s")]) expect(redactor.redactValue(v)).toBe(v);
    const fn = () => "alice@example.com";
    expect(redactor.redactValue(fn)).toBe(fn);
  });

  it("keeps null-prototype objects and class instances without toJSON", () => {
    const bare = Object.assign(Object.create(null) as object, { email: "alice@example.com" });
    const out = redactor.redactValue(bare) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(out.email).toBe("[EMAIL]");
    class Point {
      constructor(readonly label: string) {}
    }
    const p = redactor.redactValue(new Point("bob@example.com")) as Point;
    expect(p).toBeInstanceOf(Point);
    expect(p.label).toBe("[EMAIL]");
  });

  it("survives very deep nesting without overflowing the stack", () => {
    let deep: Record<string, unknown> = { email: "alice@example.com" };
    for (let i = 0; i < 100_000; i++) deep = { next: deep };
    let out = redactor.redactValue(deep) as Record<string, unknown>;
    for (let i = 0; i < 100_000; i++) out = out.next as Record<string, unknown>;
    expect(out.email).toBe("[EMAIL]");
  });

  it("rejects bad options", () => {
    expectMoatError(() => redactor.redactValue({}, { keys: "password" as never }), "ERR_INVALID_INPUT");
    expectMoatError(() => redactor.redactValue({}, { keys: [1] as never }), "ERR_INVALID_INPUT");
  });
});

describe("sensitive key matching", () => {
  it("splits keys into words", () => {
    expect(keyWords("xApiKey")).toEqual(["x", "api", "key"]);
    expect(keyWords("X-API-Key")).toEqual(["x", "api", "key"]);
    expect(keyWords("APIKey")).toEqual(["api", "key"]);
    expect(keyWords("refresh_token")).toEqual(["refresh", "token"]);
  });

  it("matches runs of words, not substrings", () => {
    const m = compileKeyMatcher(DEFAULT_SENSITIVE_KEYS);
    for (const key of [
      "password",
      "Password",
      "userPassword",
      "password_hash",
      "apikey",
      "api_key",
      "x-api-key",
      "clientSecret",
      "private_key",
      "sessionToken",
      "Cookie",
      "Authorization",
      "ssn",
    ]) {
      expect(m(key), key).toBe(true);
    }
    for (const key of ["max_tokens", "tokenizer", "lesson", "passage", "author", "cookies_accepted_at", "secretary"]) {
      expect(m(key), key).toBe(false);
    }
  });
});

describe("one redaction vocabulary", () => {
  it("writes the same placeholder from moatkit/redact and moatkit/audit", () => {
    expect(REDACTED).toBe("[REDACTED]");
    expect(AUDIT_REDACTED).toBe(REDACTED);
    expect(redactor.redactValue({ password: "hunter2" })).toEqual({ password: REDACTED });
    const event = buildAuditEvent({
      orgId: "o",
      actor: { userId: "u" },
      action: "a.b",
      target: { type: "t", id: "1" },
      metadata: { password: "x" },
    });
    expect(event.metadata).toEqual({ password: REDACTED });
  });

  it("freezes both default key lists, so one caller cannot weaken every other", () => {
    expect(Object.isFrozen(DEFAULT_SENSITIVE_KEYS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SENSITIVE_KEY_SUBSTRINGS)).toBe(true);
  });

  it("matches words in moatkit/redact and substrings in moatkit/audit", () => {
    const event = buildAuditEvent({
      orgId: "o",
      actor: { userId: "u" },
      action: "a.b",
      target: { type: "t", id: "1" },
      metadata: { max_tokens: 5 },
    });
    expect(event.metadata).toEqual({ max_tokens: REDACTED });
    expect(redactor.redactValue({ max_tokens: 5 })).toEqual({ max_tokens: 5 });
  });
});
