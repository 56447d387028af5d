import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createMemoryRateLimitStore } from "../../src/adapters/memory/index.js";
import { createRedisRateLimitStore } from "../../src/adapters/redis/index.js";
import {
  authLimiter,
  createRateLimiter,
  loginLimiter,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitStore,
} from "../../src/ratelimit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync, WRONG_TYPES } from "../helpers/assertions.js";
import { describeEveryRedis, describeRedis } from "../helpers/redis.js";

const MINUTE = 60_000;

/** The limiter shape moatkit/passwords' createLogin accepts (structural, no import). */
type LoginLimiterSlot = { consume(key: string): Promise<{ ok: boolean; retryAfterMs: number }> };

async function consumeMany(limiter: RateLimiter, key: string, n: number) {
  return Promise.all(Array.from({ length: n }, () => limiter.consume(key)));
}

/** The limiter's behaviour, the same on every store: windows follow the fake clock everywhere. */
function describeLimiter(name: string, makeStore: () => RateLimitStore): void {
  describe(`rate limiter (${name})`, () => {
    const limiterOf = (options: Omit<RateLimiterOptions, "store" | "keyPrefix">): RateLimiter =>
      createRateLimiter({ store: makeStore(), keyPrefix: `t:${randomBytes(6).toString("hex")}`, ...options });

    it("allows `points` requests per window, counting remaining down, then refuses as rate_limited", async () => {
      const clock = fakeClock();
      const limiter = limiterOf({ points: 3, duration: "1m", now: clock.now });
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limiter.consume("ip-1"));
      expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      expect(results[0]).toEqual({ ok: true, remaining: 2, resetAt: clock.now() + MINUTE, retryAfterMs: 0 });
      expect(results[3]).toEqual({
        ok: false,
        reason: "rate_limited",
        remaining: 0,
        resetAt: clock.now() + MINUTE,
        retryAfterMs: MINUTE,
      });
    });

    it("reports retryAfterMs to the millisecond with a fake clock, and lets the key in again exactly then", async () => {
      const clock = fakeClock();
      const limiter = limiterOf({ points: 2, duration: "1m", now: clock.now });
      await limiter.consume("k");
      clock.advance(10_000);
      await limiter.consume("k");
      clock.advance(15_000);
      const refused = await limiter.consume("k");
      expect(refused).toMatchObject({ ok: false, retryAfterMs: 35_000, resetAt: clock.now() + 35_000 });
      clock.advance(34_999);
      expect(await limiter.consume("k")).toMatchObject({ ok: false, retryAfterMs: 1 });
      clock.advance(1);
      expect(await limiter.consume("k")).toEqual({
        ok: true,
        remaining: 1,
        resetAt: clock.now() + MINUTE,
        retryAfterMs: 0,
      });
    });

    it("blocks a key for blockDuration from the request that first went over", async () => {
      const clock = fakeClock();
      const limiter = limiterOf({ points: 1, duration: "1m", blockDuration: "10m", now: clock.now });
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
      const limiter = limiterOf({ points: 10, duration: "1m", now: clock.now });
      expect(await limiter.consume("a", 7)).toMatchObject({ ok: true, remaining: 3 });
      expect(await limiter.consume("a", 4)).toMatchObject({ ok: false });
      expect(await limiter.consume("b", 10)).toMatchObject({ ok: true, remaining: 0 });
      await limiter.reset("a");
      expect(await limiter.consume("a")).toMatchObject({ ok: true, remaining: 9 });
    });

    it("counts the addresses of one IPv6 /64 as one key, and an IPv4-mapped address as its IPv4", async () => {
      const limiter = limiterOf({ points: 2, duration: "1m" });
      const results = [];
      for (const key of ["2001:db8::1", "2001:db8::2", "2001:db8:0:0:ffff::3"])
        results.push(await limiter.consume(key));
      expect(results.map((r) => r.ok)).toEqual([true, true, false]);
      await limiter.consume("192.0.2.1");
      await limiter.consume("::ffff:192.0.2.1");
      expect((await limiter.consume("192.0.2.1")).ok).toBe(false);
    });

    it("lets exactly 50 of 200 concurrent requests through a limit of 50", async () => {
      const limiter = limiterOf({ points: 50, duration: "15m" });
      const results = await consumeMany(limiter, "burst", 200);
      expect(results.filter((r) => r.ok)).toHaveLength(50);
      expect(results.filter((r) => !r.ok).map((r) => r.reason)).toEqual(Array<string>(150).fill("rate_limited"));
    });
  });
}

describeLimiter("memory", createMemoryRateLimitStore);
describeEveryRedis("rate limiter", ({ redis, prefix }) => {
  describeLimiter("redis", () => createRedisRateLimitStore({ redis: redis(), keyPrefix: prefix }));
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
  const failing: RateLimitStore = {
    consumeRateLimitPoints: () => Promise.reject(new Error("connection refused (10.0.0.7)")),
    resetRateLimit: () => Promise.reject(new Error("connection refused (10.0.0.7)")),
  };

  it("throws ERR_STORE when the store is down, by default, without the driver's message", async () => {
    const limiter = loginLimiter({ store: failing });
    const err = await expectMoatErrorAsync(limiter.consume("ip"), "ERR_STORE");
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.message).not.toContain("10.0.0.7");
    await expectMoatErrorAsync(limiter.reset("ip"), "ERR_STORE");
  });

  it("throws ERR_STORE when the store answers with a window that does not fit the contract", async () => {
    const clock = fakeClock();
    const replies = [
      { consumed: 0, resetAt: clock.now() + MINUTE }, // did not count this call
      { consumed: 1, resetAt: clock.now() }, // already ended
      { consumed: 1.5, resetAt: clock.now() + MINUTE },
      { consumed: 1, resetAt: Number.NaN },
    ];
    for (const reply of replies) {
      const store: RateLimitStore = {
        consumeRateLimitPoints: () => Promise.resolve(reply),
        resetRateLimit: () => Promise.resolve(),
      };
      const limiter = createRateLimiter({ store, keyPrefix: "t", points: 5, duration: "1m", now: clock.now });
      await expectMoatErrorAsync(limiter.consume("ip"), "ERR_STORE");
    }
  });

  it("throws ERR_STORE from a Redis store whose client never connected", async () => {
    const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const limiter = loginLimiter({ store: createRedisRateLimitStore({ redis }) });
    await expectMoatErrorAsync(limiter.consume("ip"), "ERR_STORE");
    await expectMoatErrorAsync(limiter.reset("ip"), "ERR_STORE");
    redis.disconnect();
  });

  it("lets requests through on store errors only when told to", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({
      store: failing,
      keyPrefix: "t",
      points: 1,
      duration: "1m",
      onStoreError: "allow",
      now: clock.now,
    });
    expect(await limiter.consume("ip")).toEqual({ ok: true, remaining: 0, resetAt: clock.now(), retryAfterMs: 0 });
  });
});

describe("rate limiter: keys", () => {
  it("keeps limiters with different prefixes apart on one shared store", async () => {
    const store = createMemoryRateLimitStore();
    const one = createRateLimiter({ store, keyPrefix: "one", points: 1, duration: "1m" });
    const two = createRateLimiter({ store, keyPrefix: "two", points: 1, duration: "1m" });
    expect((await one.consume("same-ip")).ok).toBe(true);
    expect((await two.consume("same-ip")).ok).toBe(true);
    expect((await one.consume("same-ip")).ok).toBe(false);
    await one.reset("same-ip");
    expect((await one.consume("same-ip")).ok).toBe(true);
    expect((await two.consume("same-ip")).ok).toBe(false);
  });

  it("gives each preset its own memory store unless one is passed", async () => {
    const [a, b] = [loginLimiter(), loginLimiter()];
    for (let i = 0; i < 50; i++) await a.consume("k");
    expect((await a.consume("k")).ok).toBe(false);
    expect((await b.consume("k")).ok).toBe(true);
  });
});

describe("rate limiter: input validation", () => {
  const limiter = createRateLimiter({ store: createMemoryRateLimitStore(), keyPrefix: "v", points: 5, duration: "1m" });

  it("rejects keys and costs of the wrong type, empty, oversized or not positive integers", async () => {
    for (const key of [...WRONG_TYPES, "", "k".repeat(513)])
      await expectMoatErrorAsync(limiter.consume(key as string), "ERR_INVALID_INPUT");
    for (const key of [...WRONG_TYPES, ""])
      await expectMoatErrorAsync(limiter.reset(key as string), "ERR_INVALID_INPUT");
    for (const cost of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "1", null]) {
      await expectMoatErrorAsync(limiter.consume("k", cost as number), "ERR_INVALID_INPUT");
    }
  });

  it("rejects invalid options with ERR_CONFIG", () => {
    const redis = new Redis({ lazyConnect: true });
    const store = createMemoryRateLimitStore();
    const bad: unknown[] = [
      { store, keyPrefix: "p", points: 0, duration: "1m" },
      { store, keyPrefix: "p", points: 1.5, duration: "1m" },
      { store, keyPrefix: "p", points: 5, duration: 0 },
      { store, keyPrefix: "p", points: 5, duration: "1m", blockDuration: -1 },
      { store, points: 5, duration: "1m" },
      { store, keyPrefix: "", points: 5, duration: "1m" },
      { store: "memory", keyPrefix: "p", points: 5, duration: "1m" },
      { store: {}, keyPrefix: "p", points: 5, duration: "1m" },
      { store: redis, keyPrefix: "p", points: 5, duration: "1m" },
      { store, keyPrefix: "p", points: 5, duration: "1m", onStoreError: "ignore" },
      { store, keyPrefix: "p", points: 5, duration: "1m", blockDurationMs: 60_000 },
    ];
    for (const options of bad) expectMoatError(() => createRateLimiter(options as RateLimiterOptions), "ERR_CONFIG");
    redis.disconnect();
  });

  it("accepts durations that are not whole seconds", async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "ms",
      points: 1,
      duration: 1500,
      now: clock.now,
    });
    expect(await limiter.consume("k")).toMatchObject({ ok: true, resetAt: clock.now() + 1500 });
  });
});

describeRedis("rate limiter, across clients", ({ redis, prefix }) => {
  it("counts one window for limiters in different processes sharing a Redis store", async () => {
    const url = process.env.REDIS_URL ?? "";
    const other = new Redis(url);
    try {
      const make = (client: Redis) =>
        createRateLimiter({
          store: createRedisRateLimitStore({ redis: client, keyPrefix: prefix }),
          keyPrefix: "shared",
          points: 50,
          duration: "15m",
        });
      const [a, b] = [make(redis()), make(other)];
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).consume("203.0.113.9")),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(50);
      for (const r of results) if (!r.ok) expect(r.retryAfterMs).toBeGreaterThan(14 * MINUTE);
    } finally {
      await other.quit();
    }
  }, 30_000);
});
