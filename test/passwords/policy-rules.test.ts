/**
 * The password policy's rules at their edges: where a length or byte bound lies, which inputs
 * the repetition rule does and does not cover, which parts of an email address, name, username,
 * context word or service name count, and how `check` passes its signal and skips the lookup.
 * policy.test.ts holds the NIST table; these pin the boundaries the table's examples sit well
 * inside of (each found by mutation testing, see docs/quality.md).
 */
import { describe, expect, it } from "vitest";
import { MoatError } from "../../src/errors.js";
import {
  type BreachedPasswordCheck,
  createPasswordPolicy,
  type PasswordContext,
  type PasswordPolicy,
  type PasswordPolicyReason,
} from "../../src/passwords/index.js";

function reasons(p: PasswordPolicy, password: string, ctx?: PasswordContext): readonly PasswordPolicyReason[] {
  const r = p.checkLocal(password, ctx);
  return r.ok ? [] : r.reasons;
}

describe("length and byte bounds", () => {
  it("accepts exactly 72 UTF-8 bytes under reject and refuses 73", () => {
    const p = createPasswordPolicy();
    const at = "καλημέρα-quiet lantern by the old mill pond at dusk 47 ferns oak";
    expect([new TextEncoder().encode(at).length, Array.from(at).length]).toEqual([72, 64]);
    expect(reasons(p, at)).toEqual([]);
    expect(reasons(p, `${at.slice(0, -1)}é`)).toEqual(["too_long"]);
  });

  it("counts astral characters as one: 64 of them (128 UTF-16 units) fit maxLength 64 under prehash", () => {
    const p = createPasswordPolicy({ long: "prehash" });
    // Emoji in an order with no repeated unit and no steady step, so only the length rule applies.
    const sixtyFour = Array.from({ length: 64 }, (_, i) => String.fromCodePoint(0x1f600 + ((i * 7) % 50))).join("");
    expect(sixtyFour).toHaveLength(128);
    expect(p.checkLocal(sixtyFour)).toEqual({ ok: true, password: sixtyFour });
    expect(reasons(p, `${sixtyFour}🦊`)).toEqual(["too_long"]);
  });

  it("allows minLength equal to maxLength", () => {
    const p = createPasswordPolicy({ minLength: 64, maxLength: 64 });
    const exact = "river-otter-".repeat(5) + "glow";
    expect(p.checkLocal(exact)).toEqual({ ok: true, password: exact });
    expect(reasons(p, exact.slice(1))).toEqual(["too_short"]);
  });
});

// Policies are made inside each test, not at collection time: a mutation run (docs/quality.md)
// attributes the factory's code to the test that ran it.
const plain = (): PasswordPolicy => createPasswordPolicy({ commonPasswords: false });

describe("the repetition rule", () => {
  it.each([
    ["a unit of two repeated, then a suffix", "xyxy2024", ["repetitive"]],
    ["a unit of three repeated, then a suffix", "kqmkqm!!", ["repetitive"]],
    ["a bare form of exactly four repeated code points", "abab2024", ["repetitive"]],
    ["a unit of five repeated (units stop at four)", "plumbplumb", []],
    ["four code points whose last repeats the first", "kqmk2024", []],
    ["a bare form under four code points, even repeated", "qq2024!!", []],
    ["a run that stops after two steps", "abqzmrtw", []],
    ["a run falling after a first rising step", "bcbazqmw", []],
    ["a steady step of two (not a run)", "acegikmoq", []],
  ] as const)("%s: %j", (_label, password, expected) => {
    expect(reasons(plain(), password)).toEqual(expected);
  });

  it("judges every rule independently: a password too short to accept is still named repetitive", () => {
    const p = plain();
    expect(reasons(p, "aaa")).toEqual(["too_short", "repetitive"]);
    expect(reasons(p, "ab")).toEqual(["too_short", "repetitive"]);
    expect(reasons(p, "a")).toEqual(["too_short"]);
    // One code point is no run, even U+0001, whose step from a missing predecessor (0) is 1.
    expect(reasons(p, "\u0001")).toEqual(["too_short"]);
  });
});

describe("context words", () => {
  it("refuses a three-letter name, and a name whose words are each too short but whole is not", () => {
    const p = plain();
    expect(reasons(p, "ada-rides-bikes", { name: "Ada" })).toEqual(["contains_context"]);
    expect(reasons(p, "quietly bo li rowing", { name: "Bo Li" })).toEqual(["contains_context"]);
    expect(reasons(p, "quietly-bo-li-rowing", { name: "Bo Li" })).toEqual([]);
  });

  it("reads an email as its local part and the first label of its domain", () => {
    const p = plain();
    expect(reasons(p, "mountain-j.w-river", { email: "j.w@qz.io" })).toEqual(["contains_context"]);
    expect(reasons(p, "sunny-cd-ef-days", { email: "ab@cd-ef.io" })).toEqual(["contains_context"]);
    // The last @ splits: a quoted local part may hold one.
    expect(reasons(p, "sunny-cd-ef-days", { email: '"x@y"@cd-ef.io' })).toEqual(["contains_context"]);
    expect(reasons(p, "sunny-ab-cd-days", { email: "ab@cd-ef.io" })).toEqual([]);
  });

  it("reads a username like an email, each field on its own", () => {
    const p = plain();
    expect(reasons(p, "mountain-j.w-river", { username: "j.w@qz.io" })).toEqual(["contains_context"]);
    expect(reasons(p, "zebra-asmith-crossing", { username: "asmith" })).toEqual(["contains_context"]);
    expect(reasons(p, "zebra-ardent-crossing", { name: "Ardent" })).toEqual(["contains_context"]);
    expect(reasons(p, "zebra-ardent-crossing", { words: ["ardent"] })).toEqual(["contains_context"]);
    expect(reasons(p, "zebra-ardent-crossing", { words: ["other", "words"] })).toEqual([]);
    // A value without an @ is taken whole: no local part is cut from it.
    expect(reasons(p, "zebra-asmit-crossing", { username: "asmith" })).toEqual([]);
    expect(reasons(p, "zebra-arden-crossing", { name: "Ardent" })).toEqual([]);
  });

  it("ignores a context value of only spaces", () => {
    const p = plain();
    expect(reasons(p, "tangerine   ladder", { name: "   " })).toEqual([]);
  });

  it("refuses the service name, given as a string or a list, and has no service words without one", () => {
    const one = createPasswordPolicy({ serviceName: "Lumenbank", commonPasswords: false });
    const two = createPasswordPolicy({ serviceName: ["Lumenbank", "Orbitpay"], commonPasswords: false });
    expect(reasons(one, "my-LUMENBANK-login")).toEqual(["contains_context"]);
    expect(reasons(two, "orbitpay-forever-x")).toEqual(["contains_context"]);
    expect(reasons(plain(), "somewhere-it-was-here")).toEqual([]);
  });
});

describe("options", () => {
  it("refuses a breached option that is null, a string or a function, with ERR_CONFIG", () => {
    const withCheck = Object.assign(() => undefined, { check: () => undefined });
    for (const breached of [null, "check", withCheck]) {
      let caught: unknown;
      try {
        createPasswordPolicy({ breached: breached as never });
      } catch (err) {
        caught = err;
      }
      expect(caught, String(breached)).toBeInstanceOf(MoatError);
      expect((caught as MoatError).code).toBe("ERR_CONFIG");
    }
  });
});

describe("check", () => {
  function recording(): { check: BreachedPasswordCheck; calls: { password: string; signal?: AbortSignal }[] } {
    const calls: { password: string; signal?: AbortSignal }[] = [];
    return {
      calls,
      check: {
        check(password, options) {
          calls.push({ password, ...(options?.signal === undefined ? {} : { signal: options.signal }) });
          return Promise.resolve({ ok: true, breached: false, count: 0 });
        },
      },
    };
  }

  it("without a breached check answers from the local rules alone", async () => {
    const p = createPasswordPolicy();
    expect(await p.check("quiet-lantern-meadow")).toEqual({ ok: true, password: "quiet-lantern-meadow" });
    expect(await p.check("password")).toEqual({ ok: false, reasons: ["common"] });
  });

  it("passes the caller's signal to the lookup, and none when the caller gave none", async () => {
    const { check, calls } = recording();
    const p = createPasswordPolicy({ breached: check });
    const signal = new AbortController().signal;
    expect(await p.check("quiet-lantern-meadow", undefined, { signal })).toEqual({
      ok: true,
      password: "quiet-lantern-meadow",
    });
    await p.check("quiet-lantern-meadow");
    expect(calls).toEqual([{ password: "quiet-lantern-meadow", signal }, { password: "quiet-lantern-meadow" }]);
  });

  it("does not look up a password that is too long", async () => {
    const { check, calls } = recording();
    const p = createPasswordPolicy({ breached: check });
    expect(await p.check("river-otter-".repeat(6))).toEqual({ ok: false, reasons: ["too_long"] });
    expect(calls).toEqual([]);
  });
});
