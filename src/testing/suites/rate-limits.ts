/**
 * The contract of {@link RateLimitStore}: fixed windows on the caller's clock, blocking from the
 * consume that first goes over, and exact counting under concurrency (of N callers racing for
 * the last point, exactly one gets it).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { RATE_LIMIT_STORE_METHODS, type RateLimitConsumeInput, type RateLimitStore } from "../../ratelimit/store.js";
import { type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const MINUTE = 60_000;
const CASE_TIMEOUT_MS = 30_000;

const randomKey = (): string => `conformance:${randomBytes(8).toString("hex")}`;

/** A consume of one point against a limit of 3 per minute, no block, unless overridden. */
function input(key: string, now: number, overrides: Partial<RateLimitConsumeInput> = {}): RateLimitConsumeInput {
  return { key, points: 1, limit: 3, windowMs: MINUTE, blockMs: 0, now, ...overrides };
}

/** The rate-limit store suite. */
export const rateLimitsSuite: ConformanceSuite = defineConformanceSuite<RateLimitStore>(
  "rateLimits",
  RATE_LIMIT_STORE_METHODS,
  [
    {
      name: "opens a window at the first consume and counts every consume in it, refused ones too",
      async run(store, { clock }) {
        const key = randomKey();
        const start = clock.now();
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, start)), {
          consumed: 1,
          resetAt: start + MINUTE,
        });
        clock.advance(1000);
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, clock.now(), { points: 2 })), {
          consumed: 3,
          resetAt: start + MINUTE,
        });
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, clock.now())), {
          consumed: 4,
          resetAt: start + MINUTE,
        });
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, clock.now())), {
          consumed: 5,
          resetAt: start + MINUTE,
        });
      },
    },
    {
      name: "keeps the window one millisecond before it ends and opens a new one when it ends",
      async run(store, { clock }) {
        const key = randomKey();
        const start = clock.now();
        await store.consumeRateLimitPoints(input(key, start, { points: 5 }));
        clock.advance(MINUTE - 1);
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, clock.now())), {
          consumed: 6,
          resetAt: start + MINUTE,
        });
        clock.advance(1);
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, clock.now())), {
          consumed: 1,
          resetAt: clock.now() + MINUTE,
        });
      },
    },
    {
      name: "moves the end to now + blockMs at the consume that first goes over the limit, and only then",
      async run(store, { clock }) {
        const key = randomKey();
        const block = { limit: 2, blockMs: 10 * MINUTE };
        await store.consumeRateLimitPoints(input(key, clock.now(), block));
        clock.advance(1000);
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, clock.now(), block)), {
          consumed: 2,
          resetAt: clock.now() - 1000 + MINUTE,
        });
        clock.advance(1000);
        const blockedAt = clock.now();
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, blockedAt, block)), {
          consumed: 3,
          resetAt: blockedAt + 10 * MINUTE,
        });
        clock.advance(2 * MINUTE);
        // Still blocked past the window's own end; hammering does not extend the block.
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, clock.now(), block)), {
          consumed: 4,
          resetAt: blockedAt + 10 * MINUTE,
        });
        clock.set(blockedAt + 10 * MINUTE);
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, clock.now(), block)), {
          consumed: 1,
          resetAt: clock.now() + MINUTE,
        });
      },
    },
    {
      name: "blocks when one consume of several points jumps over the limit",
      async run(store, { clock }) {
        const key = randomKey();
        const start = clock.now();
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, start, { points: 5, blockMs: 5 * MINUTE })), {
          consumed: 5,
          resetAt: start + 5 * MINUTE,
        });
      },
    },
    {
      name: "forgets a key on reset, leaves other keys alone, and resets an unknown key quietly",
      async run(store, { clock }) {
        const [key, other] = [randomKey(), randomKey()];
        await store.consumeRateLimitPoints(input(key, clock.now(), { points: 3 }));
        await store.consumeRateLimitPoints(input(other, clock.now(), { points: 2 }));
        await store.resetRateLimit(key);
        await store.resetRateLimit(randomKey());
        clock.advance(1000);
        assert.deepEqual(await store.consumeRateLimitPoints(input(key, clock.now())), {
          consumed: 1,
          resetAt: clock.now() + MINUTE,
        });
        assert.equal((await store.consumeRateLimitPoints(input(other, clock.now()))).consumed, 3);
      },
    },
    {
      name: "of 50 concurrent consumers of the last point exactly one gets it",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store, { clock }) {
        const key = randomKey();
        const limit = 10;
        await store.consumeRateLimitPoints(input(key, clock.now(), { points: limit - 1, limit }));
        const { results, winner } = await raceExactlyOne(
          50,
          () => store.consumeRateLimitPoints(input(key, clock.now(), { limit })),
          {
            isWin: (w) => w.consumed <= limit,
          },
        );
        assert.equal(results[winner]?.consumed, limit);
        assert.equal((await store.consumeRateLimitPoints(input(key, clock.now(), { limit }))).consumed, limit + 50);
      },
    },
    {
      name: "loses and repeats no consume among 100 concurrent callers",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store, { clock }) {
        const key = randomKey();
        const windows = await Promise.all(
          Array.from({ length: 100 }, () => store.consumeRateLimitPoints(input(key, clock.now()))),
        );
        const counts = windows.map((w) => w.consumed).sort((a, b) => a - b);
        assert.deepEqual(
          counts,
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
        assert.ok(windows.every((w) => w.resetAt === clock.now() + MINUTE));
      },
    },
  ],
);
