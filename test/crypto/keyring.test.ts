import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/_internal/secret.js";
import { createKeyring, generateMasterKey, keyringFromEnv, parseMasterKeys } from "../../src/crypto/index.js";
import { testKeyring, testMasterKeysValue } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

const K1 = Buffer.alloc(32, 1).toString("base64");
const K2 = Buffer.alloc(32, 2).toString("base64");

describe("parseMasterKeys", () => {
  it("takes the first key as primary and keeps the rest for decryption", () => {
    const keyring = parseMasterKeys(`k2025:${K2}, k2024:${K1}`);
    expect(keyring.primaryKeyId).toBe("k2025");
    expect(keyring.keyIds).toEqual(["k2025", "k2024"]);
    expect(keyring.has("k2024")).toBe(true);
    expect(keyring.has("k2023")).toBe(false);
  });

  it("gives a single bare key the id k0", () => {
    expect(parseMasterKeys(K1).keyIds).toEqual(["k0"]);
  });

  const bad: [string, string][] = [
    ["", "is empty"],
    ["   ", "is empty"],
    [`${K1},${K2}`, 'no "id:" prefix'],
    [`k1:${K1},k1:${K2}`, "appears twice"],
    [`k 1:${K1}`, "malformed key id"],
    [`:${K1}`, "malformed key id"],
    [`${"k".repeat(33)}:${K1}`, "malformed key id"],
    [`k1:${Buffer.alloc(16, 1).toString("base64")}`, "not 32 bytes"],
    [`k1:${Buffer.alloc(33, 1).toString("base64")}`, "not 32 bytes"],
    [`k1:${K1.slice(0, -1)}`, "not valid base64"],
    [`k1:${K1.replace("A", "*")}`, "not valid base64"],
    [`k1:${Buffer.alloc(32, 1).toString("base64url")}`, "not valid base64"],
    [`k1:${K1},`, "entry 2"],
  ];
  it.each(bad)("rejects %j with ERR_CONFIG naming the variable, never the value", (value, reason) => {
    const err = expectMoatError(() => parseMasterKeys(value, { variable: "APP_KEYS" }), "ERR_CONFIG");
    expect(err.message).toContain("APP_KEYS");
    expect(err.message).toContain(reason);
    for (const secret of [K1, K2, K1.slice(0, 20), K2.slice(0, 20)]) expect(err.message).not.toContain(secret);
    expect(inspect(err)).not.toContain(K1.slice(0, 20));
  });

  it("rejects a non-string value", () => {
    for (const v of WRONG_TYPES) expectMoatError(() => parseMasterKeys(v as never), "ERR_CONFIG");
  });
});

describe("keyringFromEnv", () => {
  it("reads MOATKIT_MASTER_KEYS by default, or another variable", () => {
    expect(keyringFromEnv(undefined, { MOATKIT_MASTER_KEYS: `a:${K1}` }).primaryKeyId).toBe("a");
    expect(keyringFromEnv("OTHER", { OTHER: `b:${K1}` }).primaryKeyId).toBe("b");
  });

  it("says which variable is missing", () => {
    const err = expectMoatError(() => keyringFromEnv("MOATKIT_MASTER_KEYS", {}), "ERR_CONFIG");
    expect(err.message).toBe("MOATKIT_MASTER_KEYS is not set");
    expectMoatError(() => keyringFromEnv("X", { X: "" }), "ERR_CONFIG");
  });

  it("refuses a value, a variable name or an env that is not a string (ERR_CONFIG, value not echoed)", () => {
    for (const value of [5, true, { toString: () => K1 }, [K1], Buffer.from(K1)]) {
      const err = expectMoatError(() => keyringFromEnv("X", { X: value } as never), "ERR_CONFIG");
      expect(err.message).toBe("X: must be a string");
    }
    expectMoatError(() => keyringFromEnv(5 as never, { X: K1 }), "ERR_CONFIG");
    expectMoatError(() => keyringFromEnv("X", null as never), "ERR_CONFIG");
    expectMoatError(() => keyringFromEnv("X", "X" as never), "ERR_CONFIG");
  });
});

describe("createKeyring", () => {
  it("copies key bytes and never shows them", () => {
    const bytes = new Uint8Array(32).fill(0xab);
    const keyring = createKeyring([{ id: "k1", key: bytes }]);
    bytes.fill(0);
    const shown = [
      inspect(keyring, { depth: 10, showHidden: true }),
      JSON.stringify(keyring),
      String(Object.values(keyring)),
    ].join("\n");
    expect(shown).not.toMatch(/abab|q6ur|171, 171/i);
    expect(shown).toContain("k1");
  });

  it("rejects bad keys with ERR_CONFIG", () => {
    for (const bad of [
      [],
      [{ id: "k1", key: new Uint8Array(31) }],
      [{ id: "k.1", key: new Uint8Array(32) }],
      [{ id: "k1", key: "x".repeat(32) }],
      [{ id: "k1", key: new Secret("x") }],
      [
        { id: "a", key: new Uint8Array(32) },
        { id: "a", key: new Uint8Array(32) },
      ],
      null,
      "k1",
    ]) {
      expectMoatError(() => createKeyring(bad as never), "ERR_CONFIG");
    }
  });
});

describe("generateMasterKey", () => {
  it("makes a dated id, 32 random bytes, and an env entry that parses back", () => {
    const generated = generateMasterKey({ now: () => Date.UTC(2026, 10, 23) });
    expect(generated.id).toMatch(/^k20261123[0-9A-Za-z]{4}$/);
    expect(generated.key.reveal()).toHaveLength(32);
    expect(String(generated.entry)).toBe("[secret]");
    const keyring = parseMasterKeys(`${generated.entry.reveal()},old:${K1}`);
    expect(keyring.keyIds).toEqual([generated.id, "old"]);
    expect(generateMasterKey().key.reveal()).not.toEqual(generated.key.reveal());
    expect(generateMasterKey({ id: "mine" }).id).toBe("mine");
    expectMoatError(() => generateMasterKey({ id: "not ok" }), "ERR_CONFIG");
  });
});

describe("testKeyring", () => {
  it("is deterministic, and its env value parses to the same keys", () => {
    const a = testKeyring(["k2", "k1"]);
    expect(a.keyIds).toEqual(["k2", "k1"]);
    expect(testKeyring().primaryKeyId).toBe("test-k1");
    expect(parseMasterKeys(testMasterKeysValue(["k2", "k1"])).keyIds).toEqual(["k2", "k1"]);
  });
});
