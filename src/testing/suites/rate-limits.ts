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
const CASE_TIMEOUT_MS = 60_000;

const randomKey = (): string => `conformance:${randomBytes(8).toString("hex")}`;

/** A consume of one point against a limit of 3 per minute, no block, unless overridden. */
function input(key: string, now: number, overrides: Partial<RateLimitConsumeInput> = {}): RateLimitConsumeInput {
  return { key, points: 1, limit: 3, windowMs: MINUTE, blockMs: 0, now, ...overrides };
}

/** Consumes and checks the whole window returned. */
async function expectWindow(
  store: RateLimitStore,
  consume: RateLimitConsumeInput,
  expected: { consumed: number; resetAt: number },
  why: string,
): Promise<void> {
  assert.deepEqual(
    await store.consumeRateLimitPoints(consume),
    expected,
    `consumeRateLimitPoints must return ${JSON.stringify(expected)} (relative to now ${String(consume.now)}): ${why}`,
  );
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
        await expectWindow(
          store,
          input(key, start),
          {
            consumed: 1,
            resetAt: start + MINUTE,
          },
          "the first consume opens a window",
        );
        clock.advance(1000);
        await expectWindow(
          store,
          input(key, clock.now(), { points: 2 }),
          { consumed: 3, resetAt: start + MINUTE },
          "consumes inside the window add up",
        );
        await expectWindow(
          store,
          input(key, clock.now()),
          {
            consumed: 4,
            resetAt: start + MINUTE,
          },
          "a refused consume still counts",
        );
        await expectWindow(
          store,
          input(key, clock.now()),
          {
            consumed: 5,
            resetAt: start + MINUTE,
          },
          "every consume counts",
        );
      },
    },
    {
      name: "keeps the window one millisecond before it ends and opens a new one when it ends",
      async run(store, { clock }) {
        const key = randomKey();
        const start = clock.now();
        await store.consumeRateLimitPoints(input(key, start, { points: 5 }));
        clock.advance(MINUTE - 1);
        await expectWindow(
          store,
          input(key, clock.now()),
          {
            consumed: 6,
            resetAt: start + MINUTE,
          },
          "one millisecond before the end the window still holds",
        );
        clock.advance(1);
        await expectWindow(
          store,
          input(key, clock.now()),
          {
            consumed: 1,
            resetAt: clock.now() + MINUTE,
          },
          "at its end a new window opens",
        );
      },
    },
    {
      name: "moves the end to now + blockMs at the consume that first goes over the limit, and only then",
      async run(store, { clock }) {
        const key = randomKey();
        const block = { limit: 2, blockMs: 10 * MINUTE };
        await store.consumeRateLimitPoints(input(key, clock.now(), block));
        clock.advance(1000);
        await expectWindow(
          store,
          input(key, clock.now(), block),
          {
            consumed: 2,
            resetAt: clock.now() - 1000 + MINUTE,
          },
          "at the limit there is no block yet",
        );
        clock.advance(1000);
        const blockedAt = clock.now();
        await expectWindow(
          store,
          input(key, blockedAt, block),
          {
            consumed: 3,
            resetAt: blockedAt + 10 * MINUTE,
          },
          "the consume that goes over moves the end to now + blockMs",
        );
        clock.advance(2 * MINUTE);
        // Still blocked past the window's own end; hammering does not extend the block.
        await expectWindow(
          store,
          input(key, clock.now(), block),
          {
            consumed: 4,
            resetAt: blockedAt + 10 * MINUTE,
          },
          "hammering a blocked key counts but does not extend the block",
        );
        clock.set(blockedAt + 10 * MINUTE);
        await expectWindow(
          store,
          input(key, clock.now(), block),
          {
            consumed: 1,
            resetAt: clock.now() + MINUTE,
          },
          "at the block's end a new window opens",
        );
      },
    },
    {
      name: "blocks when one consume of several points jumps over the limit",
      async run(store, { clock }) {
        const key = randomKey();
        const start = clock.now();
        await expectWindow(
          store,
          input(key, start, { points: 5, blockMs: 5 * MINUTE }),
          {
            consumed: 5,
            resetAt: start + 5 * MINUTE,
          },
          "one consume that jumps over the limit blocks",
        );
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
        await expectWindow(
          store,
          input(key, clock.now()),
          {
            consumed: 1,
            resetAt: clock.now() + MINUTE,
          },
          "a reset key starts a new window",
        );
        assert.equal(
          (await store.consumeRateLimitPoints(input(other, clock.now()))).consumed,
          3,
          "resetting one key must leave another key's count alone",
        );
      },
    },
    {
      name: "of concurrent consumers of the last point exactly one gets it",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store, { clock, concurrency }) {
        const key = randomKey();
        const limit = 10;
        await store.consumeRateLimitPoints(input(key, clock.now(), { points: limit - 1, limit }));
        const { results, winner } = await raceExactlyOne(
          concurrency,
          () => store.consumeRateLimitPoints(input(key, clock.now(), { limit })),
          {
            isWin: (w) => w.consumed <= limit,
          },
        );
        assert.equal(results[winner]?.consumed, limit, "the winner must take the count exactly to the limit");
        assert.equal(
          (await store.consumeRateLimitPoints(input(key, clock.now(), { limit }))).consumed,
          limit + concurrency,
          "every raced consume must have counted once (no lost update)",
        );
      },
    },
    {
      name: "loses and repeats no consume among concurrent callers",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store, { clock, concurrency }) {
        const key = randomKey();
        const n = 2 * concurrency;
        const windows = await Promise.all(
          Array.from({ length: n }, () => store.consumeRateLimitPoints(input(key, clock.now()))),
        );
        const counts = windows.map((w) => w.consumed).sort((a, b) => a - b);
        assert.deepEqual(
          counts,
          Array.from({ length: n }, (_, i) => i + 1),
          `${String(n)} concurrent consumes must see the counts 1 to ${String(n)}, each once (no lost or repeated update)`,
        );
        assert.ok(
          windows.every((w) => w.resetAt === clock.now() + MINUTE),
          "every concurrent consume must see the one window the first opened",
        );
      },
    },
  ],
);
