/**
 * The binding options of every encrypt/decrypt call (src/crypto/context.ts): which contexts and
 * tenants are accepted, at which bounds they are refused, and that every refusal is
 * ERR_INVALID_INPUT with a message naming the field at fault and never the value.
 */
import { describe, expect, it } from "vitest";
import { type BindingOptions, type Envelope, createEnvelope } from "../../src/crypto/index.js";
import { readBinding } from "../../src/crypto/context.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const SECRET = "s3cr3t-value";

function envelope(): Envelope {
  return createEnvelope({ keyring: testKeyring(["k1"]) });
}

/** Encrypting under `options` is refused with ERR_INVALID_INPUT and exactly `message`. */
async function refused(options: unknown, message: string): Promise<void> {
  const env = envelope();
  const err = await expectMoatErrorAsync(env.encrypt("x", options as BindingOptions), "ERR_INVALID_INPUT");
  expect(err.message).toBe(message);
  expect(err.message).not.toContain(SECRET);
}

/** A context of `n` keys k0 … k(n-1). */
function contextOfKeys(n: number): Record<string, number> {
  const context: Record<string, number> = {};
  for (let i = 0; i < n; i++) context[`k${String(i)}`] = i;
  return context;
}

describe("context validation", () => {
  it("refuses options that are not an object, saying a context is required", async () => {
    for (const options of [undefined, null, "users", 42]) {
      await refused(options, "options with a context are required");
    }
    const err = expectMoatError(() => readBinding(null), "ERR_INVALID_INPUT");
    expect(err.message).toBe("options with a context are required");
  });

  it("refuses a context that is not an object, naming the context", async () => {
    for (const context of [undefined, null, SECRET, 42, true, [SECRET], [["table", "users"]]]) {
      await refused({ context }, "context must be a flat object, e.g. { table, column, rowId }");
    }
  });

  it("refuses a context with a prototype other than Object's, and accepts a null-prototype one", async () => {
    class Row {
      table = SECRET;
    }
    for (const context of [
      new Row(),
      new Map([["table", SECRET]]),
      new Date(0),
      Object.create({ table: SECRET }) as object,
    ]) {
      await refused({ context }, "context must be a plain object");
    }
    const bare = Object.assign(Object.create(null) as Record<string, string>, { table: "users" });
    expect(readBinding({ context: bare }).json).toBe('{"table":"users"}');
  });

  it("refuses values that are not strings, finite numbers, booleans or null, naming no value", async () => {
    const bad: unknown[] = [
      42n,
      { nested: SECRET },
      [SECRET],
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      () => SECRET,
      Symbol(SECRET),
      new Date(0),
    ];
    for (const value of bad) {
      await refused(
        { context: { table: "users", rowId: value } },
        "context values must be strings, finite numbers, booleans or null",
      );
    }
  });

  it("accepts every allowed value type, rowId as a number or a string", () => {
    const json = readBinding({
      context: { s: "users", n: 42, f: -1.5, big: 2 ** 53, t: true, f2: false, z: null, rowId: "42" },
    }).json;
    expect(json).toBe('{"big":9007199254740992,"f":-1.5,"f2":false,"n":42,"rowId":"42","s":"users","t":true,"z":null}');
  });

  it("accepts 64 keys and refuses 65", async () => {
    expect(readBinding({ context: contextOfKeys(64) }).json.startsWith('{"k0":0,"k1":1,"k10":10')).toBe(true);
    await refused({ context: contextOfKeys(65) }, "context has too many keys");
    // Counted before the values are looked at: 65 bad values still report the count.
    const bad: Record<string, unknown> = {};
    for (let i = 0; i < 65; i++) bad[`k${String(i)}`] = 1n;
    await refused({ context: bad }, "context has too many keys");
  });

  it("accepts a context whose JSON is 16384 UTF-16 units and refuses one unit more", async () => {
    // {"a":"…"} is 8 units around the value.
    const atLimit = { a: "x".repeat(16384 - 8) };
    expect(readBinding({ context: atLimit }).json).toHaveLength(16384);
    const env = envelope();
    const token = await env.encrypt("v", { context: atLimit });
    expect(await env.decryptString(token, { context: atLimit })).toBe("v");
    await refused({ context: { a: "x".repeat(16384 - 7) } }, "context is too large");
    // Escapes count as written: 8189 newlines are 16386 units of JSON.
    await refused({ context: { a: "\n".repeat(8189) } }, "context is too large");
  });

  it("refuses an unknown option key with ERR_INVALID_INPUT naming the key", async () => {
    const env = envelope();
    for (const options of [
      { context: {}, tenantID: "acme" },
      { context: {}, tenantId: "acme", extra: 1 },
      { tenantID: "acme" },
    ]) {
      const err = await expectMoatErrorAsync(
        env.encrypt("x", options as unknown as BindingOptions),
        "ERR_INVALID_INPUT",
      );
      expect(err.message).toMatch(/^encryption options: unknown key "(tenantID|extra)"/);
      expect(err.message).not.toContain("acme");
    }
    const err = expectMoatError(() => readBinding({ context: {}, tenantID: "acme" }), "ERR_INVALID_INPUT");
    expect(err.message).toBe('encryption options: unknown key "tenantID"; did you mean "tenantId"?');
  });

  it("refuses the empty string as an option key, with or without a context", () => {
    for (const options of [{ "": 1 }, { context: {}, "": 1 }, { tenantId: "acme", "": 1 }]) {
      const err = expectMoatError(() => readBinding(options), "ERR_INVALID_INPUT");
      expect(err.message).toMatch(/^encryption options: unknown key/);
    }
  });

  it("ignores inherited option keys and accepts exactly context and tenantId", () => {
    const inherited = Object.assign(Object.create({ extra: 1 }) as object, { context: { a: 1 } });
    expect(readBinding(inherited)).toEqual({ scope: "", json: '{"a":1}' });
    expect(readBinding({ context: { a: 1 }, tenantId: "acme" })).toEqual({ scope: "acme", json: '{"a":1}' });
    expect(readBinding({ context: {}, tenantId: undefined })).toEqual({ scope: "", json: "{}" });
  });

  it("refuses a bad tenantId with a message naming tenantId, never the value", async () => {
    const env = envelope();
    const cases: [unknown, string][] = [
      ["", "tenantId must not be empty"],
      [42, "tenantId must be a string"],
      [`${SECRET}\n`, "tenantId must not contain control characters"],
      [SECRET + "x".repeat(256), "tenantId must be at most 256 characters"],
      [`${SECRET}\ud800`, "tenantId must be well-formed Unicode"],
    ];
    for (const [tenantId, message] of cases) {
      const options = { context: {}, tenantId } as unknown as BindingOptions;
      const err = await expectMoatErrorAsync(env.encrypt("x", options), "ERR_INVALID_INPUT");
      expect(err.message).toBe(message);
      expect(err.message).not.toContain(SECRET);
    }
  });

  it("reads each context value once: a getter's first answer is the one bound", async () => {
    const env = envelope();
    let reads = 0;
    const context = Object.defineProperty({ table: "users" }, "rowId", {
      enumerable: true,
      get: () => (reads++ === 0 ? 42 : 43n),
    });
    const token = await env.encrypt("v", { context });
    expect(reads).toBe(1);
    expect(await env.decryptString(token, { context: { table: "users", rowId: 42 } })).toBe("v");
  });
});
