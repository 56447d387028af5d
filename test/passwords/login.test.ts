import { afterEach, describe, expect, it, vi } from "vitest";
import { bcryptWorkers } from "../../src/_internal/bcrypt-pool.js";
import { createLogin, hashPassword, type LoginLimiter, type LoginOptions } from "../../src/passwords/index.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

interface User {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string | null;
  readonly totp: boolean;
}

const PASSWORD = "correct horse battery staple";

async function users(cost = 4): Promise<Map<string, User>> {
  const hash = await hashPassword(PASSWORD, { cost });
  return new Map<string, User>([
    ["ada@example.com", { id: "u1", email: "ada@example.com", passwordHash: hash, totp: false }],
    ["grace@example.com", { id: "u2", email: "grace@example.com", passwordHash: hash, totp: true }],
    ["sso@example.com", { id: "u3", email: "sso@example.com", passwordHash: null, totp: false }],
  ]);
}

async function setup(overrides: Partial<LoginOptions<User>> = {}, cost = 4) {
  const db = await users(cost);
  const findUser = vi.fn((email: string) => Promise.resolve(db.get(email) ?? null));
  const login = createLogin<User>({ findUser, verifyMfa: (u) => u.totp, cost, ...overrides });
  return { db, findUser, login: login.login };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createLogin", () => {
  it("logs a user in with the right password and says whether MFA is still required", async () => {
    const { login, db } = await setup();
    await expect(login({ identifier: "ada@example.com", password: PASSWORD, ip: "203.0.113.7" })).resolves.toEqual({
      ok: true,
      user: db.get("ada@example.com"),
      mfaRequired: false,
    });
    await expect(
      login({ identifier: "grace@example.com", password: PASSWORD, ip: "203.0.113.7" }),
    ).resolves.toMatchObject({
      ok: true,
      mfaRequired: true,
    });
  });

  it("reports mfaRequired false when no verifyMfa hook is given", async () => {
    const { login } = await setup({ verifyMfa: undefined } as never);
    await expect(login({ identifier: "grace@example.com", password: PASSWORD, ip: "ip" })).resolves.toMatchObject({
      mfaRequired: false,
    });
  });

  it("refuses a verifyMfa hook that does not return a boolean (fails closed)", async () => {
    const { login } = await setup({ verifyMfa: () => undefined as never });
    await expectMoatErrorAsync(login({ identifier: "ada@example.com", password: PASSWORD, ip: "ip" }), "ERR_CONFIG");
  });

  describe("is enumeration-safe", () => {
    it("makes the dummy hash once, at creation, with the configured cost", async () => {
      const hash = vi.spyOn(bcryptWorkers, "hash");
      const findUser = () => Promise.resolve(null);
      createLogin({ findUser, cost: 5 });
      expect(hash).toHaveBeenCalledTimes(1);
      expect(hash.mock.calls[0]?.[1]).toMatch(/^\$2b\$05\$/);
    });

    it.each([
      ["an unknown user", "nobody@example.com", PASSWORD],
      ["a wrong password", "ada@example.com", "wrong password"],
      ["a user without a password", "sso@example.com", PASSWORD],
      ["the right password", "ada@example.com", PASSWORD],
      ["an empty identifier", "", PASSWORD],
      ["an empty password", "ada@example.com", ""],
      ["an over-long password", "ada@example.com", "a".repeat(100)],
      ["an over-long identifier", "a".repeat(2000), PASSWORD],
    ])("runs exactly one bcrypt compare for %s", async (_label, identifier, password) => {
      const { login } = await setup();
      const compare = vi.spyOn(bcryptWorkers, "compare");
      const hash = vi.spyOn(bcryptWorkers, "hash");
      await login({ identifier, password, ip: "203.0.113.7" });
      expect(compare).toHaveBeenCalledTimes(1);
      expect(hash).not.toHaveBeenCalled();
    });

    it("compares an unknown user's password against a hash of the same cost as real users'", async () => {
      const { login } = await setup({}, 5);
      const compare = vi.spyOn(bcryptWorkers, "compare");
      await login({ identifier: "nobody@example.com", password: PASSWORD, ip: "ip" });
      await login({ identifier: "ada@example.com", password: "wrong", ip: "ip" });
      const [unknown, wrong] = compare.mock.calls.map((c) => c[1]);
      expect(unknown?.slice(0, 7)).toBe("$2b$05$");
      expect(wrong?.slice(0, 7)).toBe("$2b$05$");
      expect(unknown).not.toBe(wrong);
    });

    it("returns deep-equal results for an unknown user and a wrong password", async () => {
      const { login } = await setup();
      const unknown = await login({ identifier: "nobody@example.com", password: PASSWORD, ip: "ip" });
      const wrong = await login({ identifier: "ada@example.com", password: "nope", ip: "ip" });
      const noPassword = await login({ identifier: "sso@example.com", password: PASSWORD, ip: "ip" });
      expect(unknown).toEqual({ ok: false, reason: "invalid_credentials" });
      expect(wrong).toStrictEqual(unknown);
      expect(noPassword).toStrictEqual(unknown);
      expect(JSON.stringify(wrong)).toBe(JSON.stringify(unknown));
    });

    it("does not accept the dummy hash's input or an empty password for a user without a password", async () => {
      const { login } = await setup();
      await expect(login({ identifier: "sso@example.com", password: "", ip: "ip" })).resolves.toEqual({
        ok: false,
        reason: "invalid_credentials",
      });
    });
  });

  describe("rate limiting", () => {
    function limiter(allowed: Set<string>, retryAfterMs = 42_000): LoginLimiter & { keys: string[] } {
      const keys: string[] = [];
      return {
        keys,
        consume(key) {
          keys.push(key);
          return Promise.resolve({ ok: allowed.has(key), retryAfterMs: allowed.has(key) ? 0 : retryAfterMs });
        },
      };
    }

    it("consults the limiter first, keyed by IP, and returns rate_limited with retryAfterMs without any bcrypt work", async () => {
      const l = limiter(new Set());
      const { login, findUser } = await setup({ limiter: l });
      const compare = vi.spyOn(bcryptWorkers, "compare");
      await expect(login({ identifier: "ada@example.com", password: PASSWORD, ip: "198.51.100.1" })).resolves.toEqual({
        ok: false,
        reason: "rate_limited",
        retryAfterMs: 42_000,
      });
      expect(l.keys).toEqual(["login:ip:198.51.100.1"]);
      expect(compare).not.toHaveBeenCalled();
      expect(findUser).not.toHaveBeenCalled();
    });

    it("keeps rate_limited distinct from invalid_credentials, even for the right password", async () => {
      const { login } = await setup({ limiter: limiter(new Set(["login:ip:good"])) });
      const limited = await login({ identifier: "ada@example.com", password: PASSWORD, ip: "bad" });
      const invalid = await login({ identifier: "ada@example.com", password: "wrong", ip: "good" });
      expect(limited).not.toEqual(invalid);
      expect(limited).toMatchObject({ ok: false, reason: "rate_limited" });
      expect(invalid).toMatchObject({ ok: false, reason: "invalid_credentials" });
      await expect(login({ identifier: "ada@example.com", password: PASSWORD, ip: "good" })).resolves.toMatchObject({
        ok: true,
      });
    });

    it("uses custom limiter keys, limited if any key is, with the longest wait", async () => {
      const keys: string[] = [];
      const waits: Record<string, number> = { "ip:1": 1_000, "id:ada@example.com": 9_000 };
      const l: LoginLimiter = {
        consume(key) {
          keys.push(key);
          return Promise.resolve({ ok: false, retryAfterMs: waits[key] ?? 0 });
        },
      };
      const { login } = await setup({
        limiter: l,
        limiterKeys: ({ identifier, ip }) => [`ip:${ip}`, `id:${identifier}`],
      });
      await expect(login({ identifier: "ada@example.com", password: PASSWORD, ip: "1" })).resolves.toEqual({
        ok: false,
        reason: "rate_limited",
        retryAfterMs: 9_000,
      });
      expect(keys).toEqual(["ip:1", "id:ada@example.com"]);
    });

    it("keys an IPv6 client by its network: rotating addresses inside one /64 gets no new attempts", async () => {
      const l = limiter(new Set());
      const { login } = await setup({ limiter: l });
      for (const ip of ["2001:db8:9:1::1", "2001:DB8:9:1:aaaa:bbbb:cccc:dddd", "::ffff:198.51.100.9"])
        await login({ identifier: "ada@example.com", password: PASSWORD, ip });
      expect(l.keys).toEqual(["login:ip:2001:db8:9:1::/64", "login:ip:2001:db8:9:1::/64", "login:ip:198.51.100.9"]);
      // A limiter's ipv6Prefix sets the network size; limiterKeys gets the grouped key and the address.
      const seen: unknown[] = [];
      const { login: login48 } = await setup({
        limiter: { ...limiter(new Set()), ipv6Prefix: 48 },
        limiterKeys: (attempt) => {
          seen.push(attempt);
          return [`acct:${attempt.identifier}:${attempt.ip}`];
        },
      });
      await login48({ identifier: "ada@example.com", password: PASSWORD, ip: "2001:db8:9:1::1" });
      expect(seen).toEqual([{ identifier: "ada@example.com", ip: "2001:db8:9::/48", address: "2001:db8:9:1::1" }]);
    });

    it("refuses limiterKeys that do not return a non-empty array of strings (ERR_CONFIG)", async () => {
      for (const bad of [[], "ip", [1], null]) {
        const { login } = await setup({ limiter: limiter(new Set()), limiterKeys: () => bad as never });
        await expectMoatErrorAsync(
          login({ identifier: "ada@example.com", password: PASSWORD, ip: "ip" }),
          "ERR_CONFIG",
        );
      }
    });

    it("fails closed: a limiter that throws or answers nonsense makes login throw ERR_STORE", async () => {
      const throwing: LoginLimiter = { consume: () => Promise.reject(new Error("redis down")) };
      const { login } = await setup({ limiter: throwing });
      await expectMoatErrorAsync(login({ identifier: "ada@example.com", password: PASSWORD, ip: "ip" }), "ERR_STORE");
      const nonsense = { consume: () => Promise.resolve({ allowed: true }) } as unknown as LoginLimiter;
      const { login: login2 } = await setup({ limiter: nonsense });
      await expectMoatErrorAsync(login2({ identifier: "ada@example.com", password: PASSWORD, ip: "ip" }), "ERR_STORE");
    });
  });

  describe("errors", () => {
    it("turns a failing findUser into ERR_STORE", async () => {
      const { login } = await setup({ findUser: () => Promise.reject(new Error("db down")) });
      await expectMoatErrorAsync(login({ identifier: "ada@example.com", password: PASSWORD, ip: "ip" }), "ERR_STORE");
    });

    it("answers a stored hash that is not bcrypt like an unknown user, never accepting it as plaintext", async () => {
      const findUser = () => Promise.resolve({ passwordHash: "plaintext-password" });
      const { login } = createLogin({ findUser, cost: 4 });
      await expect(login({ identifier: "x", password: "plaintext-password", ip: "ip" })).resolves.toEqual({
        ok: false,
        reason: "invalid_credentials",
      });
    });

    it("rejects attempts with wrong types or missing fields with ERR_INVALID_INPUT", async () => {
      const { login } = await setup();
      for (const v of WRONG_TYPES) {
        await expectMoatErrorAsync(
          login({ identifier: v, password: PASSWORD, ip: "ip" } as never),
          "ERR_INVALID_INPUT",
        );
        await expectMoatErrorAsync(login({ identifier: "a", password: v, ip: "ip" } as never), "ERR_INVALID_INPUT");
        await expectMoatErrorAsync(login({ identifier: "a", password: PASSWORD, ip: v } as never), "ERR_INVALID_INPUT");
      }
      await expectMoatErrorAsync(login({ identifier: "a", password: PASSWORD, ip: "" }), "ERR_INVALID_INPUT");
      await expectMoatErrorAsync(login({ identifier: "a", password: PASSWORD } as never), "ERR_INVALID_INPUT");
      await expectMoatErrorAsync(login(null as never), "ERR_INVALID_INPUT");
    });

    const none = (): Promise<null> => Promise.resolve(null);
    it.each([
      ["no findUser", {}],
      ["findUser that is not a function", { findUser: "users" }],
      ["a limiter without consume", { findUser: none, limiter: {} }],
      ["cost 3", { findUser: none, cost: 3 }],
      ["an unknown long mode", { findUser: none, long: "truncate" }],
      ["an unknown option", { findUser: none, limitter: {} }],
    ])("refuses %s with ERR_CONFIG", (_name, options) => {
      expectMoatError(() => createLogin(options as never), "ERR_CONFIG");
    });
  });

  it('verifies prehashed long passwords when created with long: "prehash"', async () => {
    const long = `${"€".repeat(30)}!`;
    const hash = await hashPassword(long, { cost: 4, long: "prehash" });
    const findUser = () => Promise.resolve({ passwordHash: hash });
    const { login } = createLogin({ findUser, cost: 4, long: "prehash" });
    await expect(login({ identifier: "x", password: long, ip: "ip" })).resolves.toMatchObject({ ok: true });
    await expect(login({ identifier: "x", password: `${"€".repeat(30)}?`, ip: "ip" })).resolves.toEqual({
      ok: false,
      reason: "invalid_credentials",
    });
    const { login: strict } = createLogin({ findUser, cost: 4 });
    await expect(strict({ identifier: "x", password: long, ip: "ip" })).resolves.toEqual({
      ok: false,
      reason: "invalid_credentials",
    });
  });

  it("works with the default cost 12", async () => {
    const { login } = await setup({}, 12);
    await expect(login({ identifier: "ada@example.com", password: PASSWORD, ip: "ip" })).resolves.toMatchObject({
      ok: true,
    });
    await expect(login({ identifier: "nobody", password: PASSWORD, ip: "ip" })).resolves.toEqual({
      ok: false,
      reason: "invalid_credentials",
    });
  }, 30_000);
});
