import { inspect } from "node:util";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bcryptWorkers } from "../../src/_internal/bcrypt-pool.js";
import { createMemoryRecoveryCodeStore } from "../../src/adapters/memory/index.js";
import { Secret, isMoatError } from "../../src/index.js";
import { configurePasswordWorkers } from "../../src/passwords/index.js";
import { createRecoveryCodes, type RecoveryCodeStore, type RecoveryCodesOptions } from "../../src/mfa/index.js";
import {
  CROCKFORD_ALPHABET,
  formatRecoveryCode,
  normalizeRecoveryCode,
  randomRecoveryCode,
} from "../../src/mfa/recovery-code-format.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

// Cost 4 keeps the suite fast; the cost-12 default is checked once below.
function setup(overrides: Partial<RecoveryCodesOptions> = {}) {
  const store = createMemoryRecoveryCodeStore();
  const codes = createRecoveryCodes({ store, cost: 4, ...overrides });
  return { store, codes };
}

/** A random source that replays `bytes` cyclically (for forcing collisions). */
function cyclic(bytes: readonly number[]) {
  let i = 0;
  return (n: number) => Uint8Array.from({ length: n }, () => bytes[i++ % bytes.length] ?? 0);
}

afterEach(() => {
  vi.restoreAllMocks();
});

const CODE_RE = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;

describe("recovery code format", () => {
  it("uses Crockford's 32-symbol alphabet (no I, L, O, U), so each character carries 5 bits", () => {
    expect(CROCKFORD_ALPHABET).toHaveLength(32);
    expect(new Set(CROCKFORD_ALPHABET).size).toBe(32);
    for (const c of "ILOU") expect(CROCKFORD_ALPHABET).not.toContain(c);
  });

  it("draws every symbol uniformly from the low five bits of each random byte", () => {
    const all = Array.from({ length: 32 }, (_, i) => i + 32 * (i % 8)); // high bits vary, low five bits 0..31
    const code = randomRecoveryCode(cyclic(all));
    expect(code).toBe(CROCKFORD_ALPHABET.slice(0, 10));
  });

  it.each([
    ["ABCDE-FGHJK", "ABCDEFGHJK"],
    ["abcde-fghjk", "ABCDEFGHJK"],
    ["ABCDEFGHJK", "ABCDEFGHJK"],
    [" abcde fghjk ", "ABCDEFGHJK"],
    ["AB-CD-EF-GH-JK", "ABCDEFGHJK"],
    ["O0OOO-00000", "0000000000"],
    ["o0ooo-00000", "0000000000"],
    ["IL1il-11111", "1111111111"],
    ["1-2-3-4-5-6-7-8-9-0", "1234567890"],
  ])("normalizes %j to %s", (input, expected) => {
    expect(normalizeRecoveryCode(input)).toBe(expected);
  });

  it.each([
    "",
    "ABCDE-FGHJ",
    "ABCDE-FGHJKM",
    "ABCDE-FGHJU",
    "ABCDE_FGHJK",
    "ABCDE.FGHJK",
    "ÄBCDE-FGHJK",
    "ßBCDE-FGHJ",
    "ıBCDE-FGHJK",
    "ABCDE\tFGHJK",
    "-".repeat(80),
  ])("refuses %j", (input) => {
    expect(normalizeRecoveryCode(input)).toBeNull();
  });

  it("round-trips: every formatted code normalizes back to itself, from any case", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), fc.boolean(), (bytes, lower) => {
        const code = randomRecoveryCode(() => bytes);
        const shown = formatRecoveryCode(code);
        expect(shown).toMatch(CODE_RE);
        expect(normalizeRecoveryCode(lower ? shown.toLowerCase() : shown)).toBe(code);
      }),
    );
  });
});

describe("createRecoveryCodes generate", () => {
  it("returns 10 distinct XXXXX-XXXXX codes once, as a Secret that never prints", async () => {
    const { codes } = setup();
    const set = await codes.generate("u1");
    expect(set).toBeInstanceOf(Secret);
    const list = set.reveal();
    expect(list).toHaveLength(10);
    expect(new Set(list).size).toBe(10);
    for (const c of list) expect(c).toMatch(CODE_RE);
    const printed = `${inspect(set)} ${JSON.stringify({ set })} ${String(set)}`;
    for (const c of list) expect(printed).not.toContain(c);
    expect(Object.isFrozen(list)).toBe(true);
  });

  it("stores only a 4-hex-digit selector and a bcrypt hash per code, never the code", async () => {
    const entries: { selector: string; hash: string }[] = [];
    const store = createMemoryRecoveryCodeStore();
    const spyStore: RecoveryCodeStore = {
      ...store,
      replaceRecoveryCodes: (userId, e) => {
        entries.push(...e);
        return store.replaceRecoveryCodes(userId, e);
      },
    };
    const { codes } = setup({ store: spyStore, count: 5 });
    const list = (await codes.generate("u1")).reveal();
    expect(entries).toHaveLength(5);
    for (const e of entries) {
      expect(e.selector).toMatch(/^[0-9a-f]{4}$/);
      expect(e.hash).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}$/);
      for (const c of list) {
        expect(e.hash).not.toContain(c.replace("-", ""));
        expect(e.selector).not.toContain(c.replace("-", "").toLowerCase());
      }
    }
  });

  it("honours count and uses cost 12 by default", async () => {
    const entries: string[] = [];
    const store = createMemoryRecoveryCodeStore();
    const codes = createRecoveryCodes({
      store: {
        ...store,
        replaceRecoveryCodes: (u, e) => (entries.push(...e.map((x) => x.hash)), store.replaceRecoveryCodes(u, e)),
      },
      count: 1,
    });
    expect((await codes.generate("u1")).reveal()).toHaveLength(1);
    expect(entries[0]).toMatch(/^\$2b\$12\$/);
  }, 30_000);

  it("replaces the previous set atomically: old codes stop working, new ones work", async () => {
    const { codes } = setup();
    const first = (await codes.generate("u1")).reveal();
    const second = (await codes.generate("u1")).reveal();
    expect(await codes.remaining("u1")).toBe(10);
    for (const c of first.slice(0, 3)) {
      if (second.includes(c)) continue;
      await expect(codes.redeem("u1", c)).resolves.toEqual({ ok: false, reason: "invalid" });
    }
    await expect(codes.redeem("u1", second[0] ?? "")).resolves.toEqual({ ok: true, remaining: 9 });
  });

  it("redraws codes whose selectors collide, so every stored selector is unique", async () => {
    // The source repeats the same 10 bytes for the first codes, forcing identical codes (and so
    // identical selectors) until it moves on.
    const repeated = Array.from({ length: 30 }, () => 7);
    const rest = Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff);
    const source = cyclic([...repeated, ...rest]);
    const { codes, store } = setup({ count: 5, random: source });
    const list = (await codes.generate("u1")).reveal();
    expect(new Set(list).size).toBe(5);
    expect(await store.countRecoveryCodes("u1")).toBe(5);
  });

  it("refuses a random source that keeps repeating itself instead of looping forever", async () => {
    const { codes } = setup({ count: 2, random: (n) => new Uint8Array(n) });
    await expectMoatErrorAsync(codes.generate("u1"), "ERR_CONFIG");
  });
});

describe("createRecoveryCodes redeem", () => {
  it("accepts each code once, counting down, and refuses it the second time it is used", async () => {
    const { codes } = setup({ count: 3 });
    const [a, b, c] = (await codes.generate("u1")).reveal();
    await expect(codes.redeem("u1", a ?? "")).resolves.toEqual({ ok: true, remaining: 2 });
    await expect(codes.redeem("u1", a ?? "")).resolves.toEqual({ ok: false, reason: "invalid" });
    await expect(codes.redeem("u1", (b ?? "").toLowerCase().replace("-", ""))).resolves.toEqual({
      ok: true,
      remaining: 1,
    });
    await expect(codes.redeem("u1", c ?? "")).resolves.toEqual({ ok: true, remaining: 0 });
    expect(await codes.remaining("u1")).toBe(0);
  });

  it("accepts what a user reads back: lower case, no dash, O for 0, I or L for 1", async () => {
    const zeros = cyclic([0]); // every code character is "0"… until the selector check redraws
    const { codes } = setup({ count: 1, random: zeros });
    const [code] = (await codes.generate("u1")).reveal();
    expect(code).toBe("00000-00000");
    await expect(codes.redeem("u1", "oOoOo oOoOo")).resolves.toEqual({ ok: true, remaining: 0 });
    const { codes: ones } = setup({ count: 1, random: cyclic([1]) });
    expect((await ones.generate("u2")).reveal()).toEqual(["11111-11111"]);
    await expect(ones.redeem("u2", "iIlL1-LLiI1")).resolves.toEqual({ ok: true, remaining: 0 });
  });

  it("refuses another user's code", async () => {
    const { codes } = setup();
    const [code] = (await codes.generate("alice")).reveal();
    await codes.generate("bob");
    await expect(codes.redeem("bob", code ?? "")).resolves.toEqual({ ok: false, reason: "invalid" });
    await expect(codes.redeem("alice", code ?? "")).resolves.toMatchObject({ ok: true });
  });

  it.each(["", "ABCD", "ABCDE-FGHJU", "not a code at all", "x".repeat(1000)])(
    "refuses %j as malformed without any bcrypt work",
    async (input) => {
      const { codes } = setup();
      await codes.generate("u1");
      const compare = vi.spyOn(bcryptWorkers, "compare");
      await expect(codes.redeem("u1", input)).resolves.toEqual({ ok: false, reason: "malformed" });
      expect(compare).not.toHaveBeenCalled();
    },
  );

  describe("runs exactly one bcrypt compare per well-formed redemption", () => {
    it.each([
      ["a valid code", "valid"],
      ["a valid code used a second time", "reused"],
      ["a wrong code", "wrong"],
      ["a code of an unknown user", "unknown"],
      ["another user's code", "other"],
    ] as const)("%s", async (_label, kind) => {
      const { codes } = setup();
      const mine = (await codes.generate("me")).reveal();
      const theirs = (await codes.generate("them")).reveal();
      if (kind === "reused") await codes.redeem("me", mine[0] ?? "");
      const input = kind === "other" ? theirs[0] : kind === "wrong" ? "ZZZZZ-ZZZZZ" : mine[0];
      const user = kind === "unknown" ? "nobody" : "me";
      const compare = vi.spyOn(bcryptWorkers, "compare");
      const result = await codes.redeem(user, input ?? "");
      expect(result.ok).toBe(kind === "valid");
      expect(compare).toHaveBeenCalledTimes(1);
    });

    it("with 50 codes in the set as with one", async () => {
      const { codes } = setup({ count: 50 });
      const list = (await codes.generate("me")).reveal();
      const compare = vi.spyOn(bcryptWorkers, "compare");
      await codes.redeem("me", list[49] ?? "");
      await codes.redeem("me", "ZZZZZ-ZZZZZ");
      expect(compare).toHaveBeenCalledTimes(2);
    });
  });

  it("gives identical results for a wrong code and an unknown user", async () => {
    const { codes } = setup();
    await codes.generate("me");
    expect(await codes.redeem("me", "ZZZZZ-ZZZZZ")).toEqual(await codes.redeem("nobody", "ZZZZZ-ZZZZZ"));
  });

  it("allows exactly one of 50 concurrent redemptions of one code", async () => {
    const { codes } = setup();
    const [code] = (await codes.generate("u1")).reveal();
    // The race is the store's to settle: let all 50 into the bcrypt queue (one user's share is 16).
    configurePasswordWorkers({ maxQueuedPerKey: 64 });
    try {
      const results = await Promise.all(Array.from({ length: 50 }, () => codes.redeem("u1", code ?? "")));
      expect(results.filter((r) => r.ok)).toEqual([{ ok: true, remaining: 9 }]);
    } finally {
      configurePasswordWorkers({ maxQueuedPerKey: 16 });
    }
    expect(await codes.remaining("u1")).toBe(9);
  }, 30_000);

  it("queues redemptions under the user: beyond its share of the bcrypt queue they fail with ERR_OVERLOADED", async () => {
    const { codes } = setup();
    const [code] = (await codes.generate("u1")).reveal();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        codes.redeem("u1", "ZZZZZ-ZZZZZ").then(
          (r) => r.ok,
          (e: unknown) => (isMoatError(e, "ERR_OVERLOADED") ? "overloaded" : e),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === false)).toHaveLength(16);
    expect(outcomes.filter((o) => o === "overloaded")).toHaveLength(4);
    // Another user is not affected, and this one can redeem once the flood is over.
    await expect(codes.redeem("u2", "ZZZZZ-ZZZZZ")).resolves.toEqual({ ok: false, reason: "invalid" });
    await expect(codes.redeem("u1", code ?? "")).resolves.toEqual({ ok: true, remaining: 9 });
  }, 30_000);

  it("derives different selectors with a server key, and the key is needed to redeem", async () => {
    const seen: string[][] = [];
    const store = createMemoryRecoveryCodeStore();
    const recording: RecoveryCodeStore = {
      ...store,
      replaceRecoveryCodes: (u, e) => (seen.push(e.map((x) => x.selector)), store.replaceRecoveryCodes(u, e)),
    };
    // The same code for the same user, once without and once with a key.
    const random = () => cyclic([3, 9, 27, 81, 243, 217, 139, 161, 227, 169]);
    const unkeyed = createRecoveryCodes({ store: recording, cost: 4, count: 1, random: random() });
    const keyed = createRecoveryCodes({
      store: recording,
      cost: 4,
      count: 1,
      random: random(),
      selectorKey: "k".repeat(32),
    });
    const [same] = (await unkeyed.generate("u2")).reveal();
    const [code] = (await keyed.generate("u2")).reveal();
    expect(code).toBe(same);
    expect(seen[0]).not.toEqual(seen[1]);
    const wrongKey = createRecoveryCodes({ store: recording, cost: 4, selectorKey: "j".repeat(32) });
    await expect(wrongKey.redeem("u2", code ?? "")).resolves.toEqual({ ok: false, reason: "invalid" });
    await expect(keyed.redeem("u2", code ?? "")).resolves.toMatchObject({ ok: true });
  });

  it("never throws on arbitrary strings", async () => {
    const { codes } = setup({ count: 1 });
    await codes.generate("fuzz");
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (input) => {
        const r = await codes.redeem("fuzz", input);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

describe("createRecoveryCodes input and store checks", () => {
  it("rejects wrong-typed, empty and oversized user ids and codes with ERR_INVALID_INPUT", async () => {
    const { codes } = setup();
    for (const id of [...WRONG_TYPES, "", "u".repeat(257)]) {
      await expectMoatErrorAsync(codes.generate(id as never), "ERR_INVALID_INPUT");
      await expectMoatErrorAsync(codes.redeem(id as never, "ABCDE-FGHJK"), "ERR_INVALID_INPUT");
      await expectMoatErrorAsync(codes.remaining(id as never), "ERR_INVALID_INPUT");
      await expectMoatErrorAsync(codes.clear(id as never), "ERR_INVALID_INPUT");
    }
    for (const code of WRONG_TYPES) await expectMoatErrorAsync(codes.redeem("u", code as never), "ERR_INVALID_INPUT");
  });

  it("clear removes every code", async () => {
    const { codes } = setup();
    const [code] = (await codes.generate("u1")).reveal();
    await codes.clear("u1");
    expect(await codes.remaining("u1")).toBe(0);
    await expect(codes.redeem("u1", code ?? "")).resolves.toEqual({ ok: false, reason: "invalid" });
  });

  it("turns store failures into ERR_STORE and refuses malformed store answers", async () => {
    const good = createMemoryRecoveryCodeStore();
    const failing: RecoveryCodeStore = { ...good, findRecoveryCode: () => Promise.reject(new Error("down")) };
    await expectMoatErrorAsync(setup({ store: failing }).codes.redeem("u", "ABCDE-FGHJK"), "ERR_STORE");
    const notAHash: RecoveryCodeStore = { ...good, findRecoveryCode: () => Promise.resolve("plaintext") };
    await expectMoatErrorAsync(setup({ store: notAHash }).codes.redeem("u", "ABCDE-FGHJK"), "ERR_STORE");
    const badCount: RecoveryCodeStore = { ...good, countRecoveryCodes: () => Promise.resolve(-1) };
    await expectMoatErrorAsync(setup({ store: badCount }).codes.remaining("u"), "ERR_STORE");
    const { codes, store } = setup({ count: 1 });
    const [code] = (await codes.generate("u")).reveal();
    const badConsume: RecoveryCodeStore = { ...store, consumeRecoveryCode: () => Promise.resolve(1.5) };
    await expectMoatErrorAsync(setup({ store: badConsume }).codes.redeem("u", code ?? ""), "ERR_STORE");
  });

  it("refuses missing options with ERR_CONFIG", () => {
    expectMoatError(() => createRecoveryCodes({} as never), "ERR_CONFIG");
    expectMoatError(() => createRecoveryCodes(undefined as never), "ERR_CONFIG");
  });

  it.each([
    ["a store without methods", { store: {} }],
    ["count 0", { count: 0 }],
    ["count 51", { count: 51 }],
    ["cost 3", { cost: 3 }],
    ["cost 21", { cost: 21 }],
    ["a short selector key", { selectorKey: "short" }],
    ["a selector key of the wrong type", { selectorKey: 42 }],
    ["unknown option", { counts: 5 }],
  ])("refuses %s with ERR_CONFIG", (_name, options) => {
    const base = { store: createMemoryRecoveryCodeStore() };
    expectMoatError(() => createRecoveryCodes({ ...base, ...options } as never), "ERR_CONFIG");
  });
});
