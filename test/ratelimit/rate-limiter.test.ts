import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { authLimiter, createRateLimiter, loginLimiter, type RateLimiter, type RateLimiterOptions } from "../../src/ratelimit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync, WRONG_TYPES } from "../helpers/assertions.js";
import { describeRedis } from "../helpers/redis.js";

const MINUTE = 60_000;

/** The limiter shape moatkit/passwords' createLogin accepts (structural, no import). */
type LoginLimiterSlot = { consume(key: string): Promise<{ ok: boolean; retryAfterMs: number }> };

async function consumeMany(limiter: RateLimiter, key: string, n: number) {
  return Promise.all(Array.from({ length: n }, () => limiter.consume(key)));
}

describe("rate limiter (memory)", () => {
  it("allows `points` requests per window, counting remaining down, then refuses as rate_limited", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ store: "memory", points: 3, duration: "1m", now: clock.now });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.consume("ip-1"));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect(results[0]).toEqual({ ok: true, remaining: 2, resetAt: clock.now() + MINUTE, retryAfterMs: 0 });
    expect(results[3]).toEqual({ ok: false, reason: "rate_limited", remaining: 0, resetAt: clock.now() + MINUTE, retryAfterMs: MINUTE });
  });

  it("reports retryAfterMs to the millisecond with a fake clock, and lets the key in again exactly then", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ store: "memory", points: 2, duration: "1m", now: clock.now });
    await limiter.consume("k");
    clock.advance(10_000);
    await limiter.consume("k");
    clock.advance(15_000);
    const refused = await limiter.consume("k");
    expect(refused).toMatchObject({ ok: false, retryAfterMs: 35_000, resetAt: clock.now() + 35_000 });
    clock.advance(34_999);
    expect(await limiter.consume("k")).toMatchObject({ ok: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await limiter.consume("k")).toEqual({ ok: true, remaining: 1, resetAt: clock.now() + MINUTE, retryAfterMs: 0 });
  });

  it("blocks a key for blockDuration from the request that first went over", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ store: "memory", points: 1, duration: "1m", blockDuration: "10m", now: clock.now });
    await limiter.consume("k");
    clock.advance(5_000);
    expect(await limiter.consume("k")).toMatchObject({ ok: false, retryAfterMs: 10 * MINUTE });
    clock.advance(MINUTE);
    expect(await limiter.consume("k")).toMatchObject({ ok: false, retryAfterMs: 9 * MINUTE });
    clock.advance(9 * MINUTE);
    expect((await limiter.consume("k")).ok).toBe(true);
  });

  it("counts costs, keeps keys apart, and forgets a key on reset", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ store: "memory", points: 10, duration: "1m", now: clock.now });
    expect(await limiter.consume("a", 7)).toMatchObject({ ok: true, remaining: 3 });
    expect(await limiter.consume("a", 4)).toMatchObject({ ok: false });
    expect(await limiter.consume("b", 10)).toMatchObject({ ok: true, remaining: 0 });
    await limiter.reset("a");
    expect(await limiter.consume("a")).toMatchObject({ ok: true, remaining: 9 });
  });

  it("lets exactly 50 of 200 concurrent requests through a limit of 50", async () => {
    const limiter = createRateLimiter({ store: "memory", points: 50, duration: "15m" });
    const results = await consumeMany(limiter, "burst", 200);
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect(results.filter((r) => !r.ok).map((r) => r.reason)).toEqual(Array<string>(150).fill("rate_limited"));
  });
});

describe("rate limiter: presets and shape", () => {
  it("loginLimiter allows 50 per 15 minutes and authLimiter 100", async () => {
    expect([loginLimiter().points, loginLimiter().durationMs]).toEqual([50, 15 * MINUTE]);
    expect([authLimiter().points, authLimiter().durationMs]).toEqual([100, 15 * MINUTE]);
    const clock = fakeClock();
    const login = loginLimiter({ now: clock.now });
    const results = await consumeMany(login, "203.0.113.7", 51);
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect(results[50]).toMatchObject({ ok: false, retryAfterMs: 15 * MINUTE });
  });

  it("fits the limiter slot of moatkit/passwords' createLogin", async () => {
    const slot: LoginLimiterSlot = loginLimiter();
    expect(await slot.consume("k")).toMatchObject({ ok: true, retryAfterMs: 0 });
  });
});

describe("rate limiter: fails closed", () => {
  // A real ioredis client that was never connected: rate-limiter-flexible refuses at once.
  const offline = () => new Redis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });

  it("throws ERR_STORE when the store is down, by default", async () => {
    const redis = offline();
    const limiter = loginLimiter({ store: redis });
    const err = await expectMoatErrorAsync(limiter.consume("ip"), "ERR_STORE");
    expect(err.cause).toBeInstanceOf(Error);
    await expectMoatErrorAsync(limiter.reset("ip"), "ERR_STORE");
    redis.disconnect();
  });

  it("lets requests through on store errors only when told to", async () => {
    const redis = offline();
    const clock = fakeClock();
    const limiter = createRateLimiter({ store: redis, keyPrefix: "t", points: 1, duration: "1m", onStoreError: "allow", now: clock.now });
    expect(await limiter.consume("ip")).toEqual({ ok: true, remaining: 0, resetAt: clock.now(), retryAfterMs: 0 });
    redis.disconnect();
  });
});

describe("rate limiter: input validation", () => {
  const limiter = createRateLimiter({ store: "memory", points: 5, duration: "1m" });

  it("rejects keys and costs of the wrong type, empty, oversized or not positive integers", async () => {
    for (const key of [...WRONG_TYPES, "", "k".repeat(513)]) await expectMoatErrorAsync(limiter.consume(key as string), "ERR_INVALID_INPUT");
    for (const key of [...WRONG_TYPES, ""]) await expectMoatErrorAsync(limiter.reset(key as string), "ERR_INVALID_INPUT");
    for (const cost of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "1", null]) {
      await expectMoatErrorAsync(limiter.consume("k", cost as number), "ERR_INVALID_INPUT");
    }
  });

  it("rejects invalid options with ERR_CONFIG", () => {
    const redis = new Redis({ lazyConnect: true });
    const bad: unknown[] = [
      { store: "memory", points: 0, duration: "1m" },
      { store: "memory", points: 1.5, duration: "1m" },
      { store: "memory", points: 5, duration: 1500 },
      { store: "memory", points: 5, duration: "1m", blockDuration: 1500 },
      { store: "redis", points: 5, duration: "1m" },
      { store: {}, points: 5, duration: "1m" },
      { store: redis, points: 5, duration: "1m" },
      { store: "memory", points: 5, duration: "1m", onStoreError: "ignore" },
    ];
    for (const options of bad) expectMoatError(() => createRateLimiter(options as RateLimiterOptions), "ERR_CONFIG");
    redis.disconnect();
  });
});

describeRedis("rate limiter", ({ redis, prefix }) => {
  it("lets exactly 50 of 200 concurrent requests through a limit of 50", async () => {
    const limiter = createRateLimiter({ store: redis(), keyPrefix: `${prefix}burst`, points: 50, duration: "15m" });
    const results = await consumeMany(limiter, "203.0.113.9", 200);
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect(results.filter((r) => !r.ok).map((r) => r.reason)).toEqual(Array<string>(150).fill("rate_limited"));
    for (const r of results) if (!r.ok) expect(r.retryAfterMs).toBeGreaterThan(14 * MINUTE);
  }, 30_000);

  it("counts down remaining, refuses with a retryAfterMs inside the window, and forgets a key on reset", async () => {
    const limiter = createRateLimiter({ store: redis(), keyPrefix: `${prefix}basic`, points: 2, duration: "1m" });
    const [a, b, c] = [await limiter.consume("k"), await limiter.consume("k"), await limiter.consume("k")];
    expect([a.ok, b.ok, c.ok]).toEqual([true, true, false]);
    expect([a.remaining, b.remaining]).toEqual([1, 0]);
    expect(c.retryAfterMs).toBeGreaterThan(50_000);
    expect(c.retryAfterMs).toBeLessThanOrEqual(MINUTE);
    await limiter.reset("k");
    expect(await limiter.consume("k")).toMatchObject({ ok: true, remaining: 1 });
  });

  it("blocks for blockDuration once over the limit", async () => {
    const limiter = createRateLimiter({ store: redis(), keyPrefix: `${prefix}block`, points: 1, duration: "1m", blockDuration: "10m" });
    await limiter.consume("k");
    const refused = await limiter.consume("k");
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(9 * MINUTE);
    expect((await limiter.consume("k")).retryAfterMs).toBeGreaterThan(MINUTE);
  });

  it("keeps limiters with different prefixes apart", async () => {
    const one = createRateLimiter({ store: redis(), keyPrefix: `${prefix}one`, points: 1, duration: "1m" });
    const two = createRateLimiter({ store: redis(), keyPrefix: `${prefix}two`, points: 1, duration: "1m" });
    expect((await one.consume("same-ip")).ok).toBe(true);
    expect((await two.consume("same-ip")).ok).toBe(true);
    expect((await one.consume("same-ip")).ok).toBe(false);
  });
});
