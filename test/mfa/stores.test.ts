/**
 * TOTP replay protection and single-use recovery codes end to end, through each real store:
 * memory, Postgres (PGlite, and the server when DATABASE_URL is set) and Redis.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMemoryRecoveryCodeStore, createMemoryTotpStepStore } from "../../src/adapters/memory/index.js";
import { createPostgresRecoveryCodeStore, createPostgresTotpStepStore } from "../../src/adapters/postgres/index.js";
import { createRedisRecoveryCodeStore, createRedisTotpStepStore } from "../../src/adapters/redis/index.js";
import { createRecoveryCodes, createTotp, type RecoveryCodeStore, type TotpStepStore } from "../../src/mfa/index.js";
import { configurePasswordWorkers } from "../../src/passwords/index.js";
import { fakeClock, raceExactlyOne, totpCode } from "../../src/testing/index.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";
import { describeEveryRedis } from "../helpers/redis.js";

const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

function endToEnd(stores: () => { totpSteps: TotpStepStore; recoveryCodes: RecoveryCodeStore }): void {
  it("TOTP: the same code twice → replayed; an older step after a newer one → replayed", async () => {
    const clock = fakeClock();
    const totp = createTotp({ issuer: "Acme", store: stores().totpSteps, now: clock.now });
    const user = randomUUID();
    const older = totpCode(SECRET, clock.now());
    clock.advance(30_000);
    const newer = totpCode(SECRET, clock.now());
    await expect(totp.verify({ userId: user, secret: SECRET, code: newer })).resolves.toMatchObject({ ok: true });
    await expect(totp.verify({ userId: user, secret: SECRET, code: newer })).resolves.toEqual({
      ok: false,
      reason: "replayed",
    });
    await expect(totp.verify({ userId: user, secret: SECRET, code: older })).resolves.toEqual({
      ok: false,
      reason: "replayed",
    });
  }, 30_000);

  it("TOTP: exactly one of 50 concurrent verifications of one valid code succeeds", async () => {
    const clock = fakeClock();
    const totp = createTotp({ issuer: "Acme", store: stores().totpSteps, now: clock.now });
    const user = randomUUID();
    const code = totpCode(SECRET, clock.now());
    const { results } = await raceExactlyOne(50, () => totp.verify({ userId: user, secret: SECRET, code }));
    expect(results.filter((r) => !r.ok && r.reason === "replayed")).toHaveLength(49);
  }, 30_000);

  it("recovery: exactly one of 50 concurrent redemptions of one code succeeds", async () => {
    const codes = createRecoveryCodes({ store: stores().recoveryCodes, cost: 4 });
    const user = randomUUID();
    const [code] = (await codes.generate(user)).reveal();
    // The race is the store's to settle: let all 50 into the bcrypt queue (one user's share is 16).
    configurePasswordWorkers({ maxQueuedPerKey: 64 });
    try {
      const { results } = await raceExactlyOne(50, () => codes.redeem(user, code ?? ""));
      expect(results.filter((r) => r.ok)).toEqual([{ ok: true, remaining: 9 }]);
    } finally {
      configurePasswordWorkers({ maxQueuedPerKey: 16 });
    }
    expect(await codes.remaining(user)).toBe(9);
  }, 30_000);

  it("recovery: generate replaces the previous set; each code works once", async () => {
    const codes = createRecoveryCodes({ store: stores().recoveryCodes, cost: 4, count: 3 });
    const user = randomUUID();
    const old = (await codes.generate(user)).reveal();
    const fresh = (await codes.generate(user)).reveal();
    expect(await codes.remaining(user)).toBe(3);
    const stale = old.find((c) => !fresh.includes(c));
    await expect(codes.redeem(user, stale ?? "")).resolves.toEqual({ ok: false, reason: "invalid" });
    await expect(codes.redeem(user, (fresh[1] ?? "").toLowerCase())).resolves.toEqual({ ok: true, remaining: 2 });
    await expect(codes.redeem(user, fresh[1] ?? "")).resolves.toEqual({ ok: false, reason: "invalid" });
    await codes.clear(user);
    expect(await codes.remaining(user)).toBe(0);
  }, 30_000);
}

describe("mfa end to end [memory]", () => {
  const totpSteps = createMemoryTotpStepStore();
  const recoveryCodes = createMemoryRecoveryCodeStore();
  endToEnd(() => ({ totpSteps, recoveryCodes }));
});

describePostgres("mfa end to end", (target) => {
  const client = useMigratedDatabase(target, { max: 20 });
  endToEnd(() => ({
    totpSteps: createPostgresTotpStepStore({ client: client() }),
    recoveryCodes: createPostgresRecoveryCodeStore({ client: client() }),
  }));

  it("keeps only hashes and selectors in moatkit_recovery_codes", async () => {
    const codes = createRecoveryCodes({
      store: createPostgresRecoveryCodeStore({ client: client() }),
      cost: 4,
      count: 2,
    });
    const user = randomUUID();
    const list = (await codes.generate(user)).reveal();
    const { rows } = await client().query<{ selector: string; hash: string }>(
      "SELECT selector, hash FROM moatkit_recovery_codes WHERE user_id = $1",
      [user],
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.selector).toMatch(/^[0-9a-f]{4}$/);
      expect(row.hash).toMatch(/^\$2b\$04\$/);
      for (const c of list) expect(JSON.stringify(row)).not.toContain(c.replace("-", ""));
    }
  }, 30_000);
});

describeEveryRedis("mfa end to end", ({ redis, prefix }) => {
  endToEnd(() => ({
    totpSteps: createRedisTotpStepStore({ redis: redis(), keyPrefix: prefix }),
    recoveryCodes: createRedisRecoveryCodeStore({ redis: redis(), keyPrefix: prefix }),
  }));

  it("keeps keys under the given prefix", async () => {
    const store = createRedisTotpStepStore({ redis: redis(), keyPrefix: prefix });
    await store.advanceTotpStep("prefix-check", 5);
    expect(await redis().get(`${prefix}totp-step:prefix-check`)).toBe("5");
  }, 30_000);
});
