/**
 * Issue 18 items 2, 3 and 7 (NUL): stored hashes bcrypt cannot use are treated like a missing
 * user by the login, costs outside the supported range are refused without running bcrypt, and
 * passwords containing NUL are refused (bcrypt would stop reading at the NUL).
 */
import bcrypt from "bcryptjs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bcryptWorkers } from "../../src/_internal/bcrypt-pool.js";
import { createLogin, hashPassword, needsRehash, verifyPassword } from "../../src/passwords/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const PASSWORD = "correct horse battery staple";
const SALT = "N9qo8uLOickgx2ZMRZoMye";
const BODY = `${SALT}IjZAgcfl7p92ldGxad68LJZdL17lhWy`;

const UNUSABLE: readonly (readonly [string, string])[] = [
  ["an empty string (SSO-only user)", ""],
  ["a lock marker", "!"],
  ["a lock marker in front of a bcrypt hash", `!$2b$04$${BODY}`],
  ["an argon2id hash", `$argon2id$v=19$m=65536,t=3,p=4$${"A".repeat(22)}$${"A".repeat(43)}`],
  ["a legacy MD5-crypt hash", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"],
  ["a bcrypt hash of cost 31", `$2b$31$${BODY}`],
  ["a bcrypt hash of cost 21", `$2b$21$${BODY}`],
  ["a bcrypt hash of cost 3", `$2b$03$${BODY}`],
];

afterEach(() => {
  vi.restoreAllMocks();
});

/** Resolves after every setImmediate callback queued before it (they run in queue order). */
function afterQueuedImmediates(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

describe("createLogin with a stored hash bcrypt cannot use", () => {
  async function setup(passwordHash: string) {
    const onUnusableHash = vi.fn();
    const known = { id: "u1", passwordHash };
    const findUser = (id: string) => Promise.resolve(id === "ada" ? known : null);
    const { login } = createLogin({ findUser, cost: 4, onUnusableHash });
    // Let the dummy hash finish so the spies below see only the attempt's own work.
    await login({ identifier: "warm-up", password: "x", ip: "192.0.2.1" });
    return { login, onUnusableHash, known };
  }

  it.each(UNUSABLE)(
    "answers %s exactly like an unknown user: invalid_credentials, one compare against the dummy",
    async (_label, passwordHash) => {
      const { login, onUnusableHash, known } = await setup(passwordHash);
      const compare = vi.spyOn(bcryptWorkers, "compare");
      const stored = await login({ identifier: "ada", password: PASSWORD, ip: "203.0.113.7" });
      const unknown = await login({ identifier: "nobody", password: PASSWORD, ip: "203.0.113.7" });
      expect(stored).toStrictEqual({ ok: false, reason: "invalid_credentials" });
      expect(stored).toStrictEqual(unknown);
      expect(compare).toHaveBeenCalledTimes(2);
      // Both ran against the same (dummy) hash: the same cost, so the same time.
      expect(compare.mock.calls[0]?.[1]).toBe(compare.mock.calls[1]?.[1]);
      expect(compare.mock.calls[0]?.[1]).toMatch(/^\$2b\$04\$/);
      // The hook runs in a later turn (setImmediate), after the answer: let it.
      await afterQueuedImmediates();
      expect(onUnusableHash).toHaveBeenCalledTimes(1);
      expect(onUnusableHash).toHaveBeenCalledWith(known);
    },
  );

  it("does not call the hook for an unknown user, a user without a password or a usable hash", async () => {
    const hash = await hashPassword(PASSWORD, { cost: 4 });
    const users = new Map<string, { passwordHash: string | null }>([
      ["ada", { passwordHash: hash }],
      ["sso", { passwordHash: null }],
    ]);
    const onUnusableHash = vi.fn();
    const { login } = createLogin({ findUser: (id) => Promise.resolve(users.get(id)), cost: 4, onUnusableHash });
    await login({ identifier: "ada", password: PASSWORD, ip: "ip" });
    await login({ identifier: "ada", password: "wrong", ip: "ip" });
    await login({ identifier: "sso", password: PASSWORD, ip: "ip" });
    await login({ identifier: "nobody", password: PASSWORD, ip: "ip" });
    await afterQueuedImmediates();
    expect(onUnusableHash).not.toHaveBeenCalled();
  });

  it("never throws because of the hook: a throwing or rejecting hook is ignored", async () => {
    for (const onUnusableHash of [
      () => {
        throw new Error("logger down");
      },
      () => Promise.reject(new Error("logger down")),
    ]) {
      const { login } = createLogin({
        findUser: () => Promise.resolve({ passwordHash: "!" }),
        cost: 4,
        onUnusableHash,
      });
      await expect(login({ identifier: "ada", password: PASSWORD, ip: "ip" })).resolves.toEqual({
        ok: false,
        reason: "invalid_credentials",
      });
    }
  });

  it("refuses an onUnusableHash that is not a function with ERR_CONFIG", () => {
    expectMoatError(
      () => createLogin({ findUser: () => Promise.resolve(null), onUnusableHash: "log" as never }),
      "ERR_CONFIG",
    );
  });
});

describe("bcrypt costs outside the supported range (4–20)", () => {
  it.each(["31", "25", "21", "03", "00"])(
    "verifyPassword refuses a cost-%s hash at once as not a bcrypt hash, without running bcrypt",
    async (cost) => {
      const compare = vi.spyOn(bcryptWorkers, "compare").mockResolvedValue(false);
      await expectMoatErrorAsync(verifyPassword(PASSWORD, `$2b$${cost}$${BODY}`), "ERR_INVALID_INPUT");
      expect(compare).not.toHaveBeenCalled();
      expectMoatError(() => needsRehash(`$2b$${cost}$${BODY}`), "ERR_INVALID_INPUT");
    },
  );

  it("the pool itself refuses to compare against such a hash (defence in depth)", async () => {
    await expectMoatErrorAsync(bcryptWorkers.compare(PASSWORD, `$2b$31$${BODY}`), "ERR_INVALID_INPUT");
  });

  it("still verifies a hash of a cost inside the range, and needsRehash reads cost 20", async () => {
    const hash = bcrypt.hashSync(PASSWORD, 5);
    await expect(verifyPassword(PASSWORD, hash)).resolves.toBe(true);
    expect(needsRehash(hash.replace("$05$", "$20$"))).toBe(true);
  });
});

describe("passwords containing NUL", () => {
  it("hashPassword refuses them with ERR_INVALID_INPUT (bcrypt would stop reading at the NUL)", async () => {
    for (const pw of ["pw\0pw", "\0", "pw\0", `${"a".repeat(80)}\0`]) {
      const err = await expectMoatErrorAsync(hashPassword(pw, { cost: 4, long: "prehash" }), "ERR_INVALID_INPUT");
      expect(err.message).not.toContain("pw");
    }
  });

  it('verifyPassword("pw\\0pw", hash of "pw") is false, without running bcrypt, and never throws', async () => {
    const hash = await hashPassword("pw", { cost: 4 });
    // Plain bcrypt accepts it: it reads the password as a C string.
    expect(bcrypt.compareSync("pw\0pw", hash)).toBe(true);
    const compare = vi.spyOn(bcryptWorkers, "compare");
    await expect(verifyPassword("pw\0pw", hash)).resolves.toBe(false);
    await expect(verifyPassword("pw\0", hash, { long: "prehash" })).resolves.toBe(false);
    expect(compare).not.toHaveBeenCalled();
  });

  it("createLogin answers a NUL password with invalid_credentials after the same one compare", async () => {
    const hash = await hashPassword("pw", { cost: 4 });
    const { login } = createLogin({ findUser: () => Promise.resolve({ passwordHash: hash }), cost: 4 });
    await login({ identifier: "warm-up", password: "x", ip: "ip" });
    const compare = vi.spyOn(bcryptWorkers, "compare");
    await expect(login({ identifier: "ada", password: "pw\0pw", ip: "ip" })).resolves.toEqual({
      ok: false,
      reason: "invalid_credentials",
    });
    expect(compare).toHaveBeenCalledTimes(1);
    expect(compare.mock.calls[0]?.[1]).not.toBe(hash);
  });
});
