/**
 * What the context binds, through the public envelope API: key order does not matter, but every
 * other difference in the canonical bytes (type, extra or missing key, escaped characters,
 * tenant) makes a token made under one context fail to decrypt under the other.
 */
import { describe, expect, it } from "vitest";
import { type BindingOptions, type Envelope, createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

function envelope(): Envelope {
  return createEnvelope({ keyring: testKeyring(["k1"]) });
}

async function decryptsUnder(env: Envelope, token: string, options: BindingOptions): Promise<boolean> {
  try {
    return (await env.decryptString(token, options)) === "secret";
  } catch {
    return false;
  }
}

describe("context binding", () => {
  it("binds the context independently of key order", async () => {
    const env = envelope();
    const token = await env.encrypt("secret", { context: { table: "users", column: "ssn", rowId: 42 } });
    expect(await env.decryptString(token, { context: { rowId: 42, column: "ssn", table: "users" } })).toBe("secret");
    expect(await env.decryptString(token, { context: { column: "ssn", table: "users", rowId: 42 } })).toBe("secret");
  });

  it("refuses a context that differs in type, keys or characters", async () => {
    const env = envelope();
    const pairs: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ rowId: 42 }, { rowId: "42" }],
      [{ rowId: 1 }, { rowId: true }],
      [{ rowId: null }, { rowId: "null" }],
      [{ rowId: false }, { rowId: 0 }],
      [{ rowId: 42 }, { rowId: 43 }],
      [{}, { rowId: null }],
      [{ a: 1 }, { a: 1, b: 1 }],
      [
        { a: 1, b: 2 },
        { a: 2, b: 1 },
      ],
      [{ a: "x\ny" }, { a: "x\\ny" }],
      [{ a: "\u0080" }, { a: "\u00c2\u0080" }],
      [{ "a,b": 1 }, { a: 1, b: 1 }],
      [{ table: "users" }, { Table: "users" }],
    ];
    for (const [made, other] of pairs) {
      const token = await env.encrypt("secret", { context: made as BindingOptions["context"] });
      expect(await decryptsUnder(env, token, { context: made as BindingOptions["context"] })).toBe(true);
      expect(
        await decryptsUnder(env, token, { context: other as BindingOptions["context"] }),
        JSON.stringify(other),
      ).toBe(false);
      await expectMoatErrorAsync(env.decrypt(token, { context: other as BindingOptions["context"] }), "ERR_DECRYPT");
    }
  });

  it("binds numbers by value: 1, 1.0 and -0/0 are the same context", async () => {
    const env = envelope();
    const token = await env.encrypt("secret", { context: { rowId: 1, z: 0 } });
    expect(await decryptsUnder(env, token, { context: { rowId: 1.0, z: -0 } })).toBe(true);
  });

  it("binds the tenant separately from the context", async () => {
    const env = envelope();
    const token = await env.encrypt("secret", { context: { tenantId: "acme" } });
    expect(await decryptsUnder(env, token, { context: {}, tenantId: "acme" })).toBe(false);
    expect(await decryptsUnder(env, token, { context: { tenantId: "acme" }, tenantId: "acme" })).toBe(false);
    const tenantToken = await env.encrypt("secret", { context: {}, tenantId: "acme" });
    expect(await decryptsUnder(env, tenantToken, { context: {}, tenantId: "acme" })).toBe(true);
    expect(await decryptsUnder(env, tenantToken, { context: {}, tenantId: "acmé" })).toBe(false);
    expect(await decryptsUnder(env, tenantToken, { context: {} })).toBe(false);
  });

  it("binds control characters and non-ASCII in values as they are", async () => {
    const env = envelope();
    for (const value of ["\u0000", "\t", "\u001f", "\u007f", "\u0080", "\u009f", "é", "😀"]) {
      const token = await env.encrypt("secret", { context: { v: value } });
      expect(await decryptsUnder(env, token, { context: { v: value } })).toBe(true);
      expect(await decryptsUnder(env, token, { context: { v: `${value} ` } })).toBe(false);
    }
  });
});
