/**
 * The password policy against NIST SP 800-63B revision 4, §3.1.1.2 ("Password Verifiers"). Each
 * case names the clause it comes from:
 * - LEN-MIN: "SHALL require passwords to be a minimum of eight characters" (15 when single-factor).
 * - LEN-MAX: "SHOULD permit a maximum password length of at least 64 characters".
 * - CHARS: "SHOULD accept all printing ASCII characters and the space character" and "SHOULD
 *   accept Unicode characters"; "each Unicode code point SHALL be counted as a single character".
 * - NORM: Unicode normalisation before hashing (NFC here).
 * - COMPOSE: "SHALL NOT impose other composition rules".
 * - BLOCK: compare against "a blocklist that contains known commonly used, expected, or
 *   compromised passwords" — dictionary words, repetitive or sequential characters (e.g.
 *   'aaaaaa', '1234abcd'), context-specific words such as the service name or the username.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MoatError } from "../../src/errors.js";
import { COMMON_PASSWORDS, COMMON_PASSWORD_COUNT } from "../../src/passwords/common-passwords.js";
import {
  createBreachedPasswordCheck,
  createPasswordPolicy,
  hashPassword,
  type PasswordPolicyReason,
  verifyPassword,
} from "../../src/passwords/index.js";
import { shippedList } from "../../scripts/generate-common-passwords.js";
import { type RangeServer, startRangeServer } from "./range-server.js";

const policy = createPasswordPolicy({ serviceName: "Moatbank" });
const context = { email: "alice.smith@acme-corp.io", name: "Alice Smith", username: "asmith" };

function reasons(password: unknown, ctx = context, p = policy): readonly PasswordPolicyReason[] {
  const r = p.checkLocal(password, ctx);
  return r.ok ? [] : r.reasons;
}

describe("createPasswordPolicy: NIST SP 800-63B table", () => {
  it.each([
    // [clause, password, expected reasons]
    ["LEN-MIN", "", ["too_short"]],
    ["LEN-MIN", "k7#Qz2!", ["too_short"]],
    ["LEN-MIN", "k7#Qz2!w", []],
    ["LEN-MIN code points", "😀🐉🌵🎲🚲🧭🪁", ["too_short"]], // 7 code points, 14 UTF-16 units
    ["LEN-MIN code points", "😀🐉🌵🎲🚲🧭🪁🎻", []],
    ["LEN-MAX", "river-otter-".repeat(5) + "glow", []], // exactly 64
    ["LEN-MAX", "river-otter-".repeat(5) + "glows", ["too_long"]],
    ["LEN-MAX bytes under reject", "καλημέρα-κόσμε-φως-θάλασσα-ουρανός-νύχτα", ["too_long"]], // 40 code points, 75 UTF-8 bytes
    ["CHARS space and punctuation", "  tangerine  ladder  ", []],
    ["CHARS unicode", "черепаха-летит-высоко", []],
    ["CHARS unicode", "猫は静かに眠っている夜", []],
    ["COMPOSE no rules", "lowercaseonlybutlong", []],
    ["COMPOSE no rules", "qwfpgjluyarstdhneio", []],
    ["BLOCK common", "password", ["common"]],
    ["BLOCK common any case", "PassWord", ["common"]],
    ["BLOCK common decorated", "Dragon2024!", ["common"]],
    ["BLOCK common decorated", "!!sunshine", ["common"]],
    ["BLOCK common", "iloveyou", ["common"]],
    ["BLOCK common", "qwertyuiop", ["common"]],
    ["BLOCK repetitive", "aaaaaaaaaa", ["repetitive"]],
    ["BLOCK repetitive", "zzzzzzzzzzzzzzzz", ["repetitive"]],
    ["BLOCK repetitive unit", "xkcdxkcdxkcd", ["repetitive"]],
    ["BLOCK sequential", "abcdefghijkl", ["repetitive"]],
    ["BLOCK sequential", "9876543210", ["repetitive"]],
    ["BLOCK sequential decorated", "lmnopqrs!!", ["repetitive"]],
    ["BLOCK context email local part", "alice.smith-rules", ["contains_context"]],
    ["BLOCK context name word", "SmithFamily1990", ["contains_context"]],
    ["BLOCK context username", "my-asmith-pass", ["contains_context"]],
    ["BLOCK context email domain", "acme-forever-2030", ["contains_context"]],
    ["BLOCK context service name", "MOATBANK-secure!", ["contains_context"]],
  ] as const)("%s: %j", (_clause, password, expected) => {
    expect(reasons(password)).toEqual(expected);
  });

  it("NORM: judges and returns the NFC form, so a decomposed and a composed password hash alike", async () => {
    const decomposed = "cafe\u0301-au-lait-noir";
    const composed = "caf\u00e9-au-lait-noir";
    const a = policy.checkLocal(decomposed);
    const b = policy.checkLocal(composed);
    expect(a).toEqual({ ok: true, password: composed });
    expect(b).toEqual({ ok: true, password: composed });
    if (!a.ok) throw new Error("unreachable");
    const hash = await hashPassword(a.password, { cost: 4 });
    expect(await verifyPassword(composed, hash)).toBe(true);
  });

  it("LEN-MAX under prehash: a long Unicode password within maxLength is accepted", () => {
    const p = createPasswordPolicy({ long: "prehash", maxLength: 128 });
    const greek = "καλημέρα-κόσμε-φως-θάλασσα-ουρανός-νύχτα";
    expect(p.checkLocal(greek)).toEqual({ ok: true, password: greek });
    expect(reasons("ü".repeat(129), undefined, p)).toContain("too_long");
  });

  it("refuses what no hash can hold: NUL, lone surrogates, and non-strings", () => {
    for (const bad of [
      "correct\0horse-battery",
      "abc\ud800defghijk",
      "\udfffxxxxxxxxxx",
      42,
      null,
      undefined,
      {},
      ["pw"],
    ]) {
      expect(reasons(bad), JSON.stringify(bad)).toEqual(["invalid"]);
    }
  });

  it("a megabyte password is too_long without being scanned", () => {
    expect(reasons("a".repeat(1 << 20))).toEqual(["too_long"]);
  });

  it("configurable minimum and blocklist", () => {
    const strict = createPasswordPolicy({ minLength: 15, blocklist: ["Moatbank Gold", "rocketship"] });
    expect(reasons("k7#Qz2!wplumage", undefined, strict)).toEqual([]);
    expect(reasons("k7#Qz2!wplumag", undefined, strict)).toEqual(["too_short"]);
    expect(reasons("moatbank gold", undefined, strict)).toEqual(["too_short", "common"]);
    expect(reasons("ROCKETSHIP2025", undefined, strict)).toEqual(["too_short", "common"]);
    const noList = createPasswordPolicy({ commonPasswords: false });
    expect(reasons("password", undefined, noList)).toEqual([]);
  });

  it("short context words (under three letters) do not refuse unrelated passwords", () => {
    expect(reasons("jovial-ember-kite", { email: "jo@x.io", name: "Jo Li", username: "jl" })).toEqual([]);
  });

  it("refuses bad options with ERR_CONFIG and a malformed context with ERR_INVALID_INPUT", () => {
    for (const bad of [
      { minLength: 7 },
      { minLength: 100, maxLength: 64 },
      { maxLength: 63 },
      { maxLength: 5000 },
      { long: "truncate" },
      { blocklist: [""] },
      { serviceName: "" },
      { breached: {} },
      { minLenght: 10 },
    ]) {
      expect(() => createPasswordPolicy(bad as never), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: "ERR_CONFIG" }),
      );
    }
    for (const ctx of [{ email: 42 }, { words: "x" }, { name: "x".repeat(2000) }, { phone: "1" }, "alice"]) {
      expect(() => policy.checkLocal("k7#Qz2!wplumage", ctx as never)).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_INPUT" }),
      );
    }
  });

  it("never throws on any string, and accepts only what hashPassword can hash", async () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), (s) => {
        const r = policy.checkLocal(s, context);
        if (r.ok) {
          expect(Array.from(r.password).length).toBeGreaterThanOrEqual(8);
          expect(new TextEncoder().encode(r.password).length).toBeLessThanOrEqual(72);
        } else {
          expect(r.reasons.length).toBeGreaterThan(0);
        }
      }),
    );
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(() => policy.checkLocal(v)).not.toThrow();
      }),
    );
  });

  it("error messages never carry the password", () => {
    try {
      policy.checkLocal("hunter2-hunter2", { email: "hunter2-hunter2" as unknown as string, words: [7 as never] });
    } catch (err) {
      expect(err).toBeInstanceOf(MoatError);
      expect(JSON.stringify(err) + String(err)).not.toContain("hunter2");
    }
  });
});

describe("the shipped common-password list", () => {
  it("is the top of @zxcvbn-ts/language-common's ranked list, unchanged (regenerate with scripts/generate-common-passwords.ts)", () => {
    expect(COMMON_PASSWORDS.split("\n")).toEqual(shippedList());
    expect(COMMON_PASSWORD_COUNT).toBe(shippedList().length);
    expect(COMMON_PASSWORD_COUNT).toBeGreaterThan(9900);
  });

  it("carries the source's licence notice", () => {
    const source = readFileSync(new URL("../../src/passwords/common-passwords.ts", import.meta.url), "utf8");
    expect(source).toContain("Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc.");
    expect(source).toContain("Permission is hereby granted, free of charge");
  });

  it("every entry of eight or more characters is refused as common", () => {
    const p = createPasswordPolicy({ maxLength: 64 });
    const long = COMMON_PASSWORDS.split("\n").filter((w) => w.length >= 8);
    expect(long.length).toBeGreaterThan(3000);
    for (const w of long) {
      const r = p.checkLocal(w);
      expect(r.ok ? [] : r.reasons, w).toContain("common");
    }
  });
});

describe("createPasswordPolicy with a breached-password check", () => {
  let server: RangeServer;
  beforeAll(async () => {
    server = await startRangeServer({ "velvet-thunder-42": 17, "Moatbank-velvet": 2 });
  });
  afterAll(async () => {
    await server.close();
  });

  it("refuses a breached password with its count and passes a clean one", async () => {
    server.mode = "normal";
    const p = createPasswordPolicy({
      breached: createBreachedPasswordCheck({ onUnavailable: "allow", endpoint: server.url }),
    });
    expect(await p.check("velvet-thunder-42")).toEqual({ ok: false, reasons: ["breached"], breachCount: 17 });
    expect(await p.check("quiet-lantern-meadow")).toEqual({ ok: true, password: "quiet-lantern-meadow" });
  });

  it("does not look up a password already refused for its length or form", async () => {
    server.mode = "normal";
    const p = createPasswordPolicy({
      breached: createBreachedPasswordCheck({ onUnavailable: "allow", endpoint: server.url, cacheSize: 0 }),
    });
    const before = server.requests.length;
    expect(await p.check("k7#Qz")).toEqual({ ok: false, reasons: ["too_short"] });
    expect(await p.check("bad\0password-here")).toEqual({ ok: false, reasons: ["invalid"] });
    expect(server.requests.length).toBe(before);
  });

  it("fails open or closed as configured when the service times out or is down", async () => {
    for (const mode of ["stall", "error"] as const) {
      server.mode = mode;
      try {
        const open = createPasswordPolicy({
          breached: createBreachedPasswordCheck({ onUnavailable: "allow", endpoint: server.url, timeoutMs: 80 }),
        });
        const closed = createPasswordPolicy({
          breached: createBreachedPasswordCheck({ onUnavailable: "refuse", endpoint: server.url, timeoutMs: 80 }),
        });
        expect(await open.check("quiet-lantern-meadow")).toEqual({ ok: true, password: "quiet-lantern-meadow" });
        expect(await closed.check("quiet-lantern-meadow")).toEqual({
          ok: false,
          reasons: ["breach_check_unavailable"],
        });
        // Fail-open still applies the local rules.
        expect(await open.check("password123")).toEqual({ ok: false, reasons: ["common"] });
      } finally {
        server.mode = "normal";
      }
    }
  });
});
