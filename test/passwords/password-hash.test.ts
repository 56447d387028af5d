import bcrypt from "bcryptjs";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bcryptWorkers } from "../../src/_internal/bcrypt-pool.js";
import { BCRYPT_MAX_PASSWORD_BYTES, hashPassword, needsRehash, verifyPassword } from "../../src/passwords/index.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const FAST = { cost: 4 } as const;
const utf8Length = (s: string) => Buffer.byteLength(s, "utf8");

afterEach(() => {
  vi.restoreAllMocks();
});

describe("hashPassword / verifyPassword", () => {
  it("round-trips with a $2b$ hash of cost 12 by default", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
    await expect(verifyPassword("correct horse battery staple", hash)).resolves.toBe(true);
    await expect(verifyPassword("correct horse battery stapler", hash)).resolves.toBe(false);
  }, 30_000);

  it("salts every hash, and takes its salt from the injected random source", async () => {
    const a = await hashPassword("pw", FAST);
    const b = await hashPassword("pw", FAST);
    expect(a).not.toBe(b);
    const fixed = (n: number) => new Uint8Array(n).fill(7);
    expect(await hashPassword("pw", { ...FAST, random: fixed })).toBe(
      await hashPassword("pw", { ...FAST, random: fixed }),
    );
  });

  it("is bcrypt: hashes verify with bcryptjs and bcryptjs's hashes (including $2a$/$2y$) verify here", async () => {
    const ours = await hashPassword("pässwörd 🔑", FAST);
    expect(bcrypt.compareSync("pässwörd 🔑", ours)).toBe(true);
    const theirs = bcrypt.hashSync("pässwörd 🔑", 4);
    await expect(verifyPassword("pässwörd 🔑", theirs)).resolves.toBe(true);
    for (const v of ["2a", "2y"])
      await expect(verifyPassword("pässwörd 🔑", theirs.replace("$2b$", `$${v}$`))).resolves.toBe(true);
  });

  it("is case- and whitespace-sensitive and does not normalize Unicode", async () => {
    const hash = await hashPassword("Secret é", FAST);
    for (const other of ["secret é", "Secret é ", " Secret é", "Secret e\u0301"]) {
      await expect(verifyPassword(other, hash)).resolves.toBe(false);
    }
  });

  it("rejects empty and non-string passwords with ERR_INVALID_INPUT", async () => {
    for (const pw of [...WRONG_TYPES, ""]) {
      await expectMoatErrorAsync(hashPassword(pw as never, FAST), "ERR_INVALID_INPUT");
    }
    const hash = await hashPassword("x", FAST);
    for (const pw of [...WRONG_TYPES, ""]) {
      await expectMoatErrorAsync(verifyPassword(pw as never, hash), "ERR_INVALID_INPUT");
    }
  });

  it("rejects a stored value that is not a bcrypt hash with ERR_INVALID_INPUT", async () => {
    const good = await hashPassword("x", FAST);
    const bad = [
      ...WRONG_TYPES,
      "",
      "plaintext",
      good.slice(0, -1),
      `${good}x`,
      good.replace("$2b$", "$2x$"),
      good.replace("$04$", "$03$"),
      good.replace("$04$", "$32$"),
      good.replace(/.$/, "!"),
      `$argon2id$v=19$m=65536,t=3,p=4$${"A".repeat(22)}$${"A".repeat(43)}`,
    ];
    for (const h of bad) await expectMoatErrorAsync(verifyPassword("x", h as never), "ERR_INVALID_INPUT");
  });

  it("refuses a tampered hash (any changed hash character fails to verify)", async () => {
    const hash = await hashPassword("pw", FAST);
    const alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (const i of [7, 20, 29, 40, 58]) {
      const c = hash.charAt(i);
      const swapped = alphabet.charAt((alphabet.indexOf(c) + 1) % alphabet.length);
      await expect(verifyPassword("pw", hash.slice(0, i) + swapped + hash.slice(i + 1))).resolves.toBe(false);
    }
  });

  it.each([
    ["cost 3", { cost: 3 }],
    ["cost 21", { cost: 21 }],
    ["a fractional cost", { cost: 10.5 }],
    ["a string cost", { cost: "12" }],
    ["an unknown long mode", { long: "truncate" }],
    ["a random source that is not a function", { random: 4 }],
    ["an unknown option", { rounds: 12 }],
  ])("refuses %s with ERR_CONFIG", async (_name, options) => {
    await expectMoatErrorAsync(hashPassword("pw", options as never), "ERR_CONFIG");
  });

  it("round-trips arbitrary passwords up to 72 bytes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: "grapheme", minLength: 1, maxLength: 30 })
          .filter((s) => utf8Length(s) <= BCRYPT_MAX_PASSWORD_BYTES),
        async (pw) => {
          const hash = await hashPassword(pw, FAST);
          expect(await verifyPassword(pw, hash)).toBe(true);
          expect(await verifyPassword(`${pw}x`, hash)).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it("never throws on arbitrary password strings when verifying", async () => {
    const hash = await hashPassword("pw", FAST);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", minLength: 1, maxLength: 120 }), async (pw) => {
        expect(typeof (await verifyPassword(pw, hash, { long: "prehash" }))).toBe("boolean");
        expect(typeof (await verifyPassword(pw, hash))).toBe("boolean");
      }),
      { numRuns: 50 },
    );
  }, 60_000);
});

describe("the 72-byte limit", () => {
  const ascii72 = "a".repeat(72);
  // 24 three-byte characters = 72 bytes; one more ASCII byte makes 73.
  const multi72 = "€".repeat(24);

  it("hashes exactly 72 bytes as is", async () => {
    expect(utf8Length(multi72)).toBe(72);
    const hash = await hashPassword(multi72, FAST);
    expect(bcrypt.compareSync(multi72, hash)).toBe(true);
    await expect(verifyPassword(multi72, hash)).resolves.toBe(true);
  });

  it.each([
    ["ASCII", `${ascii72}b`],
    ["multi-byte", `${multi72}b`],
    ["a multi-byte character straddling byte 72", `${"a".repeat(71)}€`],
    ["an emoji past byte 72", `${multi72}🔑`],
  ])("rejects a 73+ byte %s password by default with ERR_INVALID_INPUT", async (_name, pw) => {
    expect(utf8Length(pw)).toBeGreaterThan(72);
    const err = await expectMoatErrorAsync(hashPassword(pw, FAST), "ERR_INVALID_INPUT");
    expect(err.message).not.toContain(pw);
  });

  it("verifyPassword in the default mode returns false for an over-long password without running bcrypt", async () => {
    const hash = await hashPassword(ascii72, FAST);
    const compare = vi.spyOn(bcryptWorkers, "compare");
    // bcryptjs alone would accept this: it ignores everything after byte 72.
    expect(bcrypt.compareSync(`${ascii72}anything`, hash)).toBe(true);
    await expect(verifyPassword(`${ascii72}anything`, hash)).resolves.toBe(false);
    expect(compare).not.toHaveBeenCalled();
  });

  describe('with long: "prehash"', () => {
    const opts = { ...FAST, long: "prehash" } as const;
    const check = { long: "prehash" } as const;

    it.each([
      ["ASCII", ascii72, "x", "y"],
      ["multi-byte", multi72, "€", "£"],
      ["multi-byte, differing inside the last character", `${"a".repeat(70)}€`, "é", "è"],
    ])(
      "never lets two %s passwords sharing their first 72 bytes verify against each other",
      async (_n, prefix, tailA, tailB) => {
        const a = `${prefix}${tailA}`;
        const b = `${prefix}${tailB}`;
        expect(Buffer.from(a).subarray(0, 72)).toEqual(Buffer.from(b).subarray(0, 72));
        const hashA = await hashPassword(a, opts);
        const hashB = await hashPassword(b, opts);
        await expect(verifyPassword(a, hashA, check)).resolves.toBe(true);
        await expect(verifyPassword(b, hashB, check)).resolves.toBe(true);
        await expect(verifyPassword(b, hashA, check)).resolves.toBe(false);
        await expect(verifyPassword(a, hashB, check)).resolves.toBe(false);
        // Nor does the 72-byte prefix alone, nor the long password without the prehash mode.
        const prefix72 = Buffer.from(a).subarray(0, 72).toString("utf8");
        if (utf8Length(prefix72) === 72) await expect(verifyPassword(prefix72, hashA, check)).resolves.toBe(false);
        await expect(verifyPassword(a, hashA)).resolves.toBe(false);
      },
    );

    it("keeps passwords of 72 bytes or fewer plain bcrypt, so switching modes needs no migration", async () => {
      const plain = await hashPassword("short one", FAST);
      await expect(verifyPassword("short one", plain, check)).resolves.toBe(true);
      const pre = await hashPassword("short one", opts);
      expect(bcrypt.compareSync("short one", pre)).toBe(true);
    });

    it("pre-hashes over-long passwords to 44 base64 characters of HMAC-SHA-256", async () => {
      const long = `${ascii72}-and-more`;
      const hash = await hashPassword(long, opts);
      expect(bcrypt.compareSync(long, hash)).toBe(false);
      const { createHmac } = await import("node:crypto");
      const pre = createHmac("sha256", "moatkit/passwords/prehash/v1").update(long).digest("base64");
      expect(pre).toHaveLength(44);
      expect(bcrypt.compareSync(pre, hash)).toBe(true);
    });

    it("still refuses absurdly long passwords (over 4096 bytes)", async () => {
      await expectMoatErrorAsync(hashPassword("a".repeat(4097), opts), "ERR_INVALID_INPUT");
      const hash = await hashPassword("a".repeat(4096), opts);
      await expect(verifyPassword("a".repeat(4096), hash, check)).resolves.toBe(true);
      await expect(verifyPassword("a".repeat(4097), hash, check)).resolves.toBe(false);
    });
  });

  it("rejects passwords with lone surrogates (UTF-8 would turn them into U+FFFD and collide)", async () => {
    await expectMoatErrorAsync(hashPassword("pw\ud800", FAST), "ERR_INVALID_INPUT");
    const hash = await hashPassword("pw\ufffd", FAST);
    await expect(verifyPassword("pw\ud800", hash)).resolves.toBe(false);
    await expect(verifyPassword("pw\udc00", hash)).resolves.toBe(false);
  });
});

describe("needsRehash", () => {
  it("is false for a $2b$ hash of the wanted cost, true for another cost or an older version", async () => {
    const hash = await hashPassword("pw", FAST);
    expect(needsRehash(hash, { cost: 4 })).toBe(false);
    expect(needsRehash(hash)).toBe(true);
    expect(needsRehash(hash, { cost: 5 })).toBe(true);
    expect(needsRehash(hash.replace("$2b$", "$2a$"), { cost: 4 })).toBe(true);
    expect(needsRehash(hash.replace("$2b$", "$2y$"), { cost: 4 })).toBe(true);
    expect(needsRehash(hash.replace("$04$", "$12$"))).toBe(false);
  });

  it("rejects non-hashes with ERR_INVALID_INPUT and bad options with ERR_CONFIG", () => {
    for (const h of [...WRONG_TYPES, "", "nope"]) expectMoatError(() => needsRehash(h as never), "ERR_INVALID_INPUT");
    const hash = `$2b$12$${"a".repeat(53)}`;
    expectMoatError(() => needsRehash(hash, { cost: 2 }), "ERR_CONFIG");
  });
});
