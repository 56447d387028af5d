/**
 * Refusals of moatkit/passwords that a caller must be able to tell apart, and the checks of
 * createLogin that guard its hooks: each error names what is wrong, and never the password.
 */
import { describe, expect, it, vi } from "vitest";
import {
  configurePasswordWorkers,
  createLogin,
  hashPassword,
  needsRehash,
  verifyPassword,
  type LoginLimiter,
} from "../../src/passwords/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const PASSWORD = "correct horse battery staple";

describe("hashPassword says why it refused a password", () => {
  it.each([
    ["ill-formed Unicode (a lone surrogate)", "abc\ud800def", "reject", /well-formed Unicode/],
    ["ill-formed Unicode, even when pre-hashing", "abc\udc00def", "prehash", /well-formed Unicode/],
    ["a NUL character", "pass\0word", "reject", /NUL/],
    ["a NUL character, even when pre-hashing", "pass\0word", "prehash", /NUL/],
    ["over 72 bytes without pre-hashing", "x".repeat(73), "reject", /72 UTF-8 bytes.*prehash/],
    ["over 4096 UTF-16 units", "x".repeat(4097), "prehash", /4096/],
    ["over 4096 UTF-8 bytes in fewer units", "€".repeat(1500), "prehash", /4096/],
    ["over 4096 units holding a NUL", `${"x".repeat(4097)}\0`, "prehash", /4096/],
  ] as const)("%s", async (_name, password, long, message) => {
    const err = await expectMoatErrorAsync(hashPassword(password, { cost: 4, long }), "ERR_INVALID_INPUT");
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(password.slice(0, 8));
  });

  it("refuses a password of more than 4096 UTF-8 bytes under prehash, and never verifies one", async () => {
    const long = "€".repeat(1500); // 1500 UTF-16 units, 4500 UTF-8 bytes
    const hash = await hashPassword("x".repeat(100), { cost: 4, long: "prehash" });
    await expect(verifyPassword(long, hash, { long: "prehash" })).resolves.toBe(false);
  });

  it.each([
    ["not a string", 42, /must be a string/],
    ["empty", "", /must not be empty/],
  ] as const)("a password that is %s", async (_name, password, message) => {
    const err = await expectMoatErrorAsync(hashPassword(password as string), "ERR_INVALID_INPUT");
    expect(err.message).toMatch(message);
  });

  it("a hash that is not bcrypt, and options that are wrong, each named", async () => {
    expect((await expectMoatErrorAsync(verifyPassword(PASSWORD, "$argon2id$x"), "ERR_INVALID_INPUT")).message).toMatch(
      /bcrypt hash/,
    );
    expect((await expectMoatErrorAsync(hashPassword(PASSWORD, { cost: 3 }), "ERR_CONFIG")).message).toMatch(
      /hashPassword options/,
    );
    const hash = await hashPassword(PASSWORD, { cost: 4 });
    expect(
      (await expectMoatErrorAsync(verifyPassword(PASSWORD, hash, { long: "truncate" as never }), "ERR_CONFIG")).message,
    ).toMatch(/verifyPassword options/);
    expect(expectMoatError(() => needsRehash(hash, { cost: 99 }), "ERR_CONFIG").message).toMatch(/needsRehash options/);
    expect(
      expectMoatError(() => {
        configurePasswordWorkers({ maxWorkers: 0 });
      }, "ERR_CONFIG").message,
    ).toMatch(/configurePasswordWorkers options/);
  });
});

describe("createLogin guards its hooks and its inputs", () => {
  async function setup(options: Partial<Parameters<typeof createLogin>[0]> = {}) {
    const passwordHash = await hashPassword(PASSWORD, { cost: 4 });
    const findUser = vi.fn((id: string) => Promise.resolve(id === "ada" ? { passwordHash } : null));
    return { findUser, login: createLogin({ findUser, cost: 4, ...options }).login };
  }
  const attempt = { identifier: "ada", password: PASSWORD, ip: "203.0.113.7" };

  it("names its options when they are wrong", () => {
    expect(expectMoatError(() => createLogin({} as never), "ERR_CONFIG").message).toMatch(/createLogin options/);
  });

  it("refuses limiter keys that are not all strings", async () => {
    const limiter: LoginLimiter = { consume: () => Promise.resolve({ ok: true, retryAfterMs: 0 }) };
    const { login } = await setup({ limiter, limiterKeys: () => ["login:ip:x", 5] as never });
    expect((await expectMoatErrorAsync(login(attempt), "ERR_CONFIG")).message).toMatch(/limiterKeys/);
  });

  it("names the limiter when it fails or answers nonsense", async () => {
    const down: LoginLimiter = { consume: () => Promise.reject(new Error("redis down")) };
    const failed = await expectMoatErrorAsync((await setup({ limiter: down })).login(attempt), "ERR_STORE");
    expect(failed.message).toMatch(/login limiter/);
    expect(failed.message).toMatch(/consume/);
    const nonsense: LoginLimiter = { consume: () => Promise.resolve({ allowed: true } as never) };
    const malformed = await expectMoatErrorAsync((await setup({ limiter: nonsense })).login(attempt), "ERR_STORE");
    expect(malformed.message).toMatch(/login limiter/);
  });

  it("waits out the longest of several limits", async () => {
    const waits: Record<string, number> = { "a:1": 500, "a:2": 300, "a:3": 0 };
    const limiter: LoginLimiter = {
      consume: (key) => Promise.resolve({ ok: waits[key] === 0, retryAfterMs: waits[key] ?? 0 }),
    };
    const { login } = await setup({ limiter, limiterKeys: () => ["a:1", "a:2", "a:3"] });
    await expect(login(attempt)).resolves.toEqual({ ok: false, reason: "rate_limited", retryAfterMs: 500 });
  });

  it("refuses a queueKey hook that does not return a string", async () => {
    const { login } = await setup({ queueKey: () => 42 as never });
    expect((await expectMoatErrorAsync(login(attempt), "ERR_CONFIG")).message).toMatch(/queueKey/);
  });

  it("refuses a verifyMfa hook that does not return a boolean, by name", async () => {
    const { login } = await setup({ verifyMfa: () => undefined as never });
    expect((await expectMoatErrorAsync(login(attempt), "ERR_CONFIG")).message).toMatch(/verifyMfa/);
  });

  it("does not look up an empty identifier or one longer than 1024 characters", async () => {
    const { login, findUser } = await setup();
    for (const identifier of ["", "a".repeat(1025)]) {
      await expect(login({ ...attempt, identifier })).resolves.toEqual({ ok: false, reason: "invalid_credentials" });
    }
    expect(findUser).not.toHaveBeenCalled();
    await login({ ...attempt, identifier: "a".repeat(1024) });
    expect(findUser).toHaveBeenCalledTimes(1);
  });
});
