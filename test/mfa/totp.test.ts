import { inspect } from "node:util";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryTotpStepStore } from "../../src/adapters/memory/index.js";
import { Secret } from "../../src/index.js";
import { createTotp, type TotpAlgorithm, type TotpOptions, type TotpStepStore } from "../../src/mfa/index.js";
import { otpCrypto } from "../../src/mfa/otp-crypto.js";
import { fakeClock, totpCode, totpStep } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { loadRfc } from "../vectors/index.js";

const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // RFC 4226's "12345678901234567890"

function setup(overrides: Partial<TotpOptions> = {}) {
  const clock = fakeClock();
  const store = createMemoryTotpStepStore();
  const totp = createTotp({ issuer: "Acme", store, now: clock.now, ...overrides });
  return { clock, store, totp };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("TOTP standard vectors", () => {
  const rfc6238 = loadRfc("rfc6238_totp.json");

  it("has all 18 rows of RFC 6238 Appendix B", () => {
    expect(rfc6238.vectors).toHaveLength(18);
    expect(new Set(rfc6238.vectors.map((v) => v.mode))).toEqual(new Set(["SHA1", "SHA256", "SHA512"]));
  });

  it.each(rfc6238.vectors.map((v) => [v.utc, v.mode, v] as const))(
    "RFC 6238 at %s with %s: verify accepts the code at its step, and totpCode produces it",
    async (_utc, mode, v) => {
      const atMs = v.time * 1000;
      const store = createMemoryTotpStepStore();
      const totp = createTotp({
        issuer: "RFC",
        algorithm: mode,
        digits: rfc6238.digits,
        period: rfc6238.stepSeconds,
        window: 0,
        store,
        now: () => atMs,
      });
      const step = Number.parseInt(v.T, 16);
      // Per-row secrets: the SHA256/SHA512 rows use the seed repeated to 32/64 bytes.
      await expect(totp.verify({ userId: "rfc", secret: v.secretBase32, code: v.totp })).resolves.toEqual({
        ok: true,
        step,
      });
      expect(totpCode(v.secretBase32, atMs, { algorithm: mode, digits: 8 })).toBe(v.totp);
      expect(totpStep(atMs)).toBe(step);
    },
  );

  it("RFC 6238: a SHA256/SHA512 row does not verify with the 20-byte seed the RFC text mentions", async () => {
    const row = rfc6238.vectors.find((v) => v.mode === "SHA256");
    expect(row).toBeDefined();
    if (row === undefined) return;
    const totp = createTotp({
      issuer: "RFC",
      algorithm: "SHA256",
      digits: 8,
      window: 0,
      store: createMemoryTotpStepStore(),
      now: () => row.time * 1000,
    });
    await expect(totp.verify({ userId: "rfc", secret: SECRET, code: row.totp })).resolves.toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  const rfc4226 = loadRfc("rfc4226_hotp.json");

  it.each(rfc4226.vectors.map((v) => [v.counter, v] as const))(
    "RFC 4226 HOTP counter %i: the TOTP of step = counter is the HOTP value",
    async (counter, v) => {
      const atMs = counter * 30_000;
      const totp = createTotp({ issuer: "RFC", window: 0, store: createMemoryTotpStepStore(), now: () => atMs });
      await expect(totp.verify({ userId: "hotp", secret: rfc4226.secretBase32, code: v.hotp })).resolves.toEqual({
        ok: true,
        step: counter,
      });
      expect(totpCode(rfc4226.secretBase32, atMs)).toBe(v.hotp);
    },
  );
});

describe("createTotp enroll", () => {
  it("returns a 160-bit base32 secret and an otpauth URI, both redacted in logs", () => {
    const { totp } = setup();
    const { secret, uri } = totp.enroll({ accountName: "ada@example.com" });
    expect(secret).toBeInstanceOf(Secret);
    expect(uri).toBeInstanceOf(Secret);
    expect(secret.reveal()).toMatch(/^[A-Z2-7]{32}$/);
    expect(Buffer.from(secret.reveal()).length).toBe(32); // 32 base32 chars = 20 bytes
    const parsed = new URL(uri.reveal());
    expect(parsed.protocol).toBe("otpauth:");
    expect(parsed.host).toBe("totp");
    expect(decodeURIComponent(parsed.pathname)).toBe("/Acme:ada@example.com");
    expect(parsed.searchParams.get("secret")).toBe(secret.reveal());
    expect(parsed.searchParams.get("issuer")).toBe("Acme");
    for (const text of [
      inspect({ secret, uri }),
      JSON.stringify({ secret, uri }),
      `${String(secret)} ${String(uri)}`,
    ]) {
      expect(text).not.toContain(secret.reveal());
    }
  });

  it("puts non-default algorithm, digits and period into the URI", () => {
    const { totp } = setup({ algorithm: "SHA256", digits: 8, period: 60, secretBytes: 32 });
    const { secret, uri } = totp.enroll({ accountName: "ada" });
    const parsed = new URL(uri.reveal());
    expect(parsed.searchParams.get("algorithm")).toBe("SHA256");
    expect(parsed.searchParams.get("digits")).toBe("8");
    expect(parsed.searchParams.get("period")).toBe("60");
    expect(secret.reveal()).toMatch(/^[A-Z2-7]{52}$/); // 32 bytes
  });

  it("draws the secret from the injected random source, and a fresh one each time by default", () => {
    const fixed = (n: number) => new Uint8Array(n).fill(0xff);
    const { totp } = setup({ random: fixed });
    expect(totp.enroll({ accountName: "a" }).secret.reveal()).toBe("7".repeat(32));
    const { totp: real } = setup();
    expect(real.enroll({ accountName: "a" }).secret.reveal()).not.toBe(
      real.enroll({ accountName: "a" }).secret.reveal(),
    );
  });

  it("rejects account names with ':' or of the wrong type or size", () => {
    const { totp } = setup();
    for (const accountName of ["a:b", "", "x".repeat(257), ...WRONG_TYPES]) {
      expectMoatError(() => totp.enroll({ accountName } as never), "ERR_INVALID_INPUT");
    }
    expectMoatError(() => totp.enroll(null as never), "ERR_INVALID_INPUT");
  });

  it("refuses a random source that returns the wrong number of bytes", () => {
    const { totp } = setup({ random: () => new Uint8Array(4) });
    expectMoatError(() => totp.enroll({ accountName: "a" }), "ERR_CONFIG");
  });
});

describe("createTotp verify", () => {
  it("accepts the current code, with or without spaces, and returns its step", async () => {
    const { totp, clock } = setup();
    const code = totpCode(SECRET, clock.now());
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    await expect(totp.verify({ userId: "u1", secret: SECRET, code: spaced })).resolves.toEqual({
      ok: true,
      step: totpStep(clock.now()),
    });
    await expect(totp.verify({ userId: "u2", secret: new Secret(SECRET), code: ` ${code} ` })).resolves.toMatchObject({
      ok: true,
    });
  });

  it("refuses the same code a second time as replayed", async () => {
    const { totp, clock } = setup();
    const code = totpCode(SECRET, clock.now());
    await expect(totp.verify({ userId: "u1", secret: SECRET, code })).resolves.toMatchObject({ ok: true });
    await expect(totp.verify({ userId: "u1", secret: SECRET, code })).resolves.toEqual({
      ok: false,
      reason: "replayed",
    });
    clock.advance(20_000); // still inside the window
    await expect(totp.verify({ userId: "u1", secret: SECRET, code })).resolves.toEqual({
      ok: false,
      reason: "replayed",
    });
  });

  it("refuses an older step's code after a newer one was accepted", async () => {
    const { totp, clock } = setup();
    const older = totpCode(SECRET, clock.now());
    clock.advance(30_000);
    const newer = totpCode(SECRET, clock.now());
    await expect(totp.verify({ userId: "u1", secret: SECRET, code: newer })).resolves.toMatchObject({ ok: true });
    // `older` is within the ±1 window, so only the step comparison refuses it.
    await expect(totp.verify({ userId: "u1", secret: SECRET, code: older })).resolves.toEqual({
      ok: false,
      reason: "replayed",
    });
    const { totp: fresh } = setup({ now: clock.now });
    await expect(fresh.verify({ userId: "u1", secret: SECRET, code: older })).resolves.toMatchObject({ ok: true });
  });

  it("does not let the code that confirmed enrolment log in again", async () => {
    const { totp, clock } = setup();
    const { secret } = totp.enroll({ accountName: "ada" });
    const setupCode = totpCode(secret, clock.now());
    await expect(totp.verify({ userId: "ada", secret, code: setupCode })).resolves.toMatchObject({ ok: true }); // confirmation
    clock.advance(5_000);
    await expect(totp.verify({ userId: "ada", secret, code: setupCode })).resolves.toEqual({
      ok: false,
      reason: "replayed",
    }); // login
  });

  it("keeps replay state per user", async () => {
    const { totp, clock } = setup();
    const code = totpCode(SECRET, clock.now());
    await expect(totp.verify({ userId: "a", secret: SECRET, code })).resolves.toMatchObject({ ok: true });
    await expect(totp.verify({ userId: "b", secret: SECRET, code })).resolves.toMatchObject({ ok: true });
  });

  it("accepts codes within the window and refuses those outside it as invalid", async () => {
    const { totp, clock } = setup({ window: 1 });
    const t = clock.now();
    await expect(
      totp.verify({ userId: "w", secret: SECRET, code: totpCode(SECRET, t - 30_000) }),
    ).resolves.toMatchObject({ ok: true });
    await expect(
      totp.verify({ userId: "w", secret: SECRET, code: totpCode(SECRET, t + 30_000) }),
    ).resolves.toMatchObject({ ok: true });
    await expect(totp.verify({ userId: "x", secret: SECRET, code: totpCode(SECRET, t - 60_000) })).resolves.toEqual({
      ok: false,
      reason: "invalid",
    });
    await expect(totp.verify({ userId: "x", secret: SECRET, code: totpCode(SECRET, t + 60_000) })).resolves.toEqual({
      ok: false,
      reason: "invalid",
    });
    const { totp: strict } = setup({ window: 0, now: clock.now });
    await expect(strict.verify({ userId: "y", secret: SECRET, code: totpCode(SECRET, t - 30_000) })).resolves.toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("refuses a wrong code as invalid, and does not record a step for it", async () => {
    const { totp, clock, store } = setup();
    const code = totpCode(SECRET, clock.now());
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    await expect(totp.verify({ userId: "u1", secret: SECRET, code: wrong })).resolves.toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await store.getLastTotpStep("u1")).toBeNull();
  });

  it.each([
    "",
    "12345",
    "1234567",
    "12a456",
    "１２３４５６",
    "12-456",
    "123\t456",
    "0x1234",
    "+12345",
    "1".repeat(65),
    "123456\n",
  ])("refuses %j as malformed without computing any HMAC", async (code) => {
    const { totp } = setup();
    const hmac = vi.spyOn(otpCrypto, "hmac");
    await expect(totp.verify({ userId: "u1", secret: SECRET, code })).resolves.toEqual({
      ok: false,
      reason: "malformed",
    });
    expect(hmac).not.toHaveBeenCalled();
  });

  it("computes at most 2 × window + 1 HMACs for a well-formed code (the spy is live)", async () => {
    const { totp } = setup({ window: 1 });
    const hmac = vi.spyOn(otpCrypto, "hmac");
    await totp.verify({ userId: "u1", secret: SECRET, code: "000000" });
    expect(hmac.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(hmac.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it("uses the configured number of digits", async () => {
    const { totp, clock } = setup({ digits: 8 });
    const code = totpCode(SECRET, clock.now(), { digits: 8 });
    await expect(totp.verify({ userId: "u1", secret: SECRET, code: code.slice(2) })).resolves.toEqual({
      ok: false,
      reason: "malformed",
    });
    await expect(totp.verify({ userId: "u1", secret: SECRET, code })).resolves.toMatchObject({ ok: true });
  });

  it("accepts secrets in either case and with canonical padding, and refuses anything else", async () => {
    const { totp, clock } = setup();
    const code = totpCode(SECRET, clock.now());
    await expect(totp.verify({ userId: "lc", secret: SECRET.toLowerCase(), code })).resolves.toMatchObject({
      ok: true,
    });
    const padded = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA====";
    await expect(
      totp.verify({ userId: "pad", secret: padded, code: totpCode(padded, clock.now()) }),
    ).resolves.toMatchObject({ ok: true });
    const bad = [
      "",
      "GEZDGNBVGY3TQOJQ", // 10 bytes: under RFC 4226's 128 bits
      "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1", // '1' is not base32
      "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZB", // non-zero trailing bits
      "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA=", // wrong padding
      `${SECRET} `,
      "A".repeat(200),
      ...WRONG_TYPES,
    ];
    for (const secret of bad) {
      await expectMoatErrorAsync(totp.verify({ userId: "u", secret: secret as never, code }), "ERR_INVALID_INPUT");
    }
  });

  it("rejects wrong types, empty and oversized arguments with ERR_INVALID_INPUT", async () => {
    const { totp } = setup();
    for (const v of [...WRONG_TYPES, ""]) {
      await expectMoatErrorAsync(
        totp.verify({ userId: v, secret: SECRET, code: "123456" } as never),
        "ERR_INVALID_INPUT",
      );
    }
    for (const v of WRONG_TYPES) {
      await expectMoatErrorAsync(totp.verify({ userId: "u", secret: SECRET, code: v } as never), "ERR_INVALID_INPUT");
    }
    await expectMoatErrorAsync(
      totp.verify({ userId: "u".repeat(257), secret: SECRET, code: "123456" }),
      "ERR_INVALID_INPUT",
    );
    await expectMoatErrorAsync(
      totp.verify({ userId: "u", secret: SECRET, code: "123456", extra: 1 } as never),
      "ERR_INVALID_INPUT",
    );
    await expectMoatErrorAsync(totp.verify(undefined as never), "ERR_INVALID_INPUT");
  });

  it("never throws on arbitrary code strings", async () => {
    const { totp } = setup();
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), async (code) => {
        const r = await totp.verify({ userId: "fuzz", secret: SECRET, code });
        expect(["malformed", "invalid", undefined]).toContain(r.ok ? undefined : r.reason);
      }),
      { numRuns: 200 },
    );
  });

  it("round-trips: the code of any time verifies at that time, once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.constantFrom<TotpAlgorithm>("SHA1", "SHA256", "SHA512"),
        fc.integer({ min: 6, max: 8 }),
        async (at, algorithm, digits) => {
          const totp = createTotp({
            issuer: "P",
            algorithm,
            digits,
            store: createMemoryTotpStepStore(),
            now: () => at,
          });
          const code = totpCode(SECRET, at, { algorithm, digits });
          expect(await totp.verify({ userId: "p", secret: SECRET, code })).toEqual({ ok: true, step: totpStep(at) });
          expect(await totp.verify({ userId: "p", secret: SECRET, code })).toEqual({ ok: false, reason: "replayed" });
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("createTotp stores", () => {
  function failingStore(advance: () => Promise<unknown>): TotpStepStore {
    return {
      advanceTotpStep: advance as TotpStepStore["advanceTotpStep"],
      getLastTotpStep: () => Promise.resolve(null),
    };
  }

  it("turns a failing store into ERR_STORE without leaking its message", async () => {
    const clock = fakeClock();
    const store = failingStore(() => Promise.reject(new Error(`connection to db failed for secret ${SECRET}`)));
    const totp = createTotp({ issuer: "A", store, now: clock.now });
    const err = await expectMoatErrorAsync(
      totp.verify({ userId: "u", secret: SECRET, code: totpCode(SECRET, clock.now()) }),
      "ERR_STORE",
    );
    expect(err.message).not.toContain(SECRET);
  });

  it("refuses a store answer that is not a boolean", async () => {
    const clock = fakeClock();
    const totp = createTotp({ issuer: "A", store: failingStore(() => Promise.resolve(1)), now: clock.now });
    await expectMoatErrorAsync(
      totp.verify({ userId: "u", secret: SECRET, code: totpCode(SECRET, clock.now()) }),
      "ERR_STORE",
    );
  });

  it("does not touch the store for malformed or invalid codes", async () => {
    const clock = fakeClock();
    const advance = vi.fn(() => Promise.resolve(true));
    const totp = createTotp({ issuer: "A", store: failingStore(advance), now: clock.now });
    await totp.verify({ userId: "u", secret: SECRET, code: "12" });
    await totp.verify({
      userId: "u",
      secret: SECRET,
      code: "000000" === totpCode(SECRET, clock.now()) ? "111111" : "000000",
    });
    expect(advance).not.toHaveBeenCalled();
  });

  it("allows exactly one of 50 concurrent verifications of one code", async () => {
    const { totp, clock } = setup();
    const code = totpCode(SECRET, clock.now());
    const results = await Promise.all(
      Array.from({ length: 50 }, () => totp.verify({ userId: "race", secret: SECRET, code })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "replayed")).toHaveLength(49);
  });
});

describe("createTotp options", () => {
  const store = createMemoryTotpStepStore();
  it.each([
    ["no issuer", { store }],
    ["issuer with ':'", { issuer: "A:B", store }],
    ["empty issuer", { issuer: "", store }],
    ["unknown algorithm", { issuer: "A", store, algorithm: "MD5" }],
    ["lower-case algorithm", { issuer: "A", store, algorithm: "sha1" }],
    ["5 digits", { issuer: "A", store, digits: 5 }],
    ["9 digits", { issuer: "A", store, digits: 9 }],
    ["fractional period", { issuer: "A", store, period: 30.5 }],
    ["period 0", { issuer: "A", store, period: 0 }],
    ["negative window", { issuer: "A", store, window: -1 }],
    ["huge window", { issuer: "A", store, window: 11 }],
    ["short secrets", { issuer: "A", store, secretBytes: 10 }],
    ["no store", { issuer: "A" }],
    ["a store without methods", { issuer: "A", store: {} }],
    ["a clock that is not a function", { issuer: "A", store, now: 5 }],
    ["unknown option", { issuer: "A", store, windw: 2 }],
  ])("refuses %s with ERR_CONFIG", (_name, options) => {
    expectMoatError(() => createTotp(options as never), "ERR_CONFIG");
  });

  it("refuses a clock that returns garbage when verifying", async () => {
    const totp = createTotp({ issuer: "A", store, now: () => Number.NaN });
    await expectMoatErrorAsync(totp.verify({ userId: "u", secret: SECRET, code: "123456" }), "ERR_CONFIG");
  });
});
