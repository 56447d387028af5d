/**
 * The memory rate-limit store holds one window per key. A client that can choose its key (an
 * address, a user name) could grow it without end; the bound must hold without ever letting a
 * client reset a live counter by flooding new keys, and must never fail open.
 */
import { describe, expect, it } from "vitest";
import { createMemoryRateLimitStore } from "../../src/adapters/memory/index.js";
import { createRateLimiter } from "../../src/ratelimit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError } from "../helpers/assertions.js";

function setup(maxKeys: number) {
  const clock = fakeClock();
  const store = createMemoryRateLimitStore({ maxKeys });
  const limiter = createRateLimiter({ store, keyPrefix: "login", points: 3, duration: "1m", now: clock.now });
  return { clock, limiter };
}

describe("memory rate-limit store: bounded keys", () => {
  it("refuses a new key once full instead of growing, and says when to retry", async () => {
    const { clock, limiter } = setup(100);
    for (let i = 0; i < 100; i++) expect((await limiter.consume(`10.0.0.${String(i)}`)).ok).toBe(true);
    const refused = await limiter.consume("10.0.1.1");
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.retryAfterMs).toBeGreaterThan(0);
    // Keys already held keep their own counters.
    expect((await limiter.consume("10.0.0.1")).ok).toBe(true);
    // Once windows end there is room again.
    clock.advance(60_000);
    expect((await limiter.consume("10.0.1.1")).ok).toBe(true);
  });

  it("never resets a live counter, however many new keys a client floods", async () => {
    const { limiter } = setup(50);
    for (let i = 0; i < 3; i++) await limiter.consume("victim-of-own-limit");
    expect((await limiter.consume("victim-of-own-limit")).ok).toBe(false);
    for (let i = 0; i < 10_000; i++) await limiter.consume(`flood-${String(i)}`);
    expect((await limiter.consume("victim-of-own-limit")).ok).toBe(false);
  });

  it("has a default bound and refuses a bad one", () => {
    expect(() => createMemoryRateLimitStore()).not.toThrow();
    for (const bad of [0, -1, 1.5, Number.NaN, "100"]) {
      expectMoatError(() => createMemoryRateLimitStore({ maxKeys: bad as number }), "ERR_CONFIG");
    }
    expectMoatError(() => createMemoryRateLimitStore({ maxkeys: 10 } as never), "ERR_CONFIG");
  });
});
