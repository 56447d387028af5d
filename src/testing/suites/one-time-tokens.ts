/**
 * The contract of {@link OneTimeTokenStore}: exactly once, bound to its purpose, expiring, and
 * exactly one winner among concurrent consumers.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  ONE_TIME_TOKEN_STORE_METHODS,
  type OneTimeTokenRecord,
  type OneTimeTokenStore,
} from "../../sessions/one-time-token-store.js";
import { type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const HOUR = 3_600_000;

function newToken(now: number, overrides: Partial<OneTimeTokenRecord> = {}): OneTimeTokenRecord {
  return {
    tokenHash: randomBytes(32).toString("hex"),
    purpose: "password-reset",
    subject: `user-${randomBytes(8).toString("hex")}`,
    createdAt: now,
    expiresAt: now + 2 * HOUR,
    ...overrides,
  };
}

/** The one-time token store suite. */
export const oneTimeTokensSuite: ConformanceSuite = defineConformanceSuite<OneTimeTokenStore>(
  "oneTimeTokens",
  ONE_TIME_TOKEN_STORE_METHODS,
  [
    {
      name: "consumes a token once and reports the second use as used",
      async run(store, { clock }) {
        const t = newToken(clock.now());
        await store.createOneTimeToken(t);
        const input = { tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() };
        assert.deepEqual(await store.consumeOneTimeToken(input), { status: "consumed", subject: t.subject });
        assert.deepEqual(await store.consumeOneTimeToken(input), { status: "used" });
      },
    },
    {
      name: "does not consume a token presented for another purpose",
      async run(store, { clock }) {
        const t = newToken(clock.now());
        await store.createOneTimeToken(t);
        assert.deepEqual(
          await store.consumeOneTimeToken({ tokenHash: t.tokenHash, purpose: "email-verify", now: clock.now() }),
          { status: "not_found" },
        );
        assert.deepEqual(
          await store.consumeOneTimeToken({ tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() }),
          {
            status: "consumed",
            subject: t.subject,
          },
        );
      },
    },
    {
      name: "refuses a token from its expiry on, and a used token stays used after expiry",
      async run(store, { clock }) {
        const unused = newToken(clock.now());
        const used = newToken(clock.now());
        await store.createOneTimeToken(unused);
        await store.createOneTimeToken(used);
        await store.consumeOneTimeToken({ tokenHash: used.tokenHash, purpose: used.purpose, now: clock.now() });
        clock.advance(2 * HOUR - 1);
        clock.advance(1);
        assert.deepEqual(
          await store.consumeOneTimeToken({ tokenHash: unused.tokenHash, purpose: unused.purpose, now: clock.now() }),
          { status: "expired" },
        );
        assert.deepEqual(
          await store.consumeOneTimeToken({ tokenHash: used.tokenHash, purpose: used.purpose, now: clock.now() }),
          { status: "used" },
        );
      },
    },
    {
      name: "accepts a token one millisecond before it expires",
      async run(store, { clock }) {
        const t = newToken(clock.now());
        await store.createOneTimeToken(t);
        clock.advance(2 * HOUR - 1);
        assert.equal(
          (await store.consumeOneTimeToken({ tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() })).status,
          "consumed",
        );
      },
    },
    {
      name: "answers not_found for a token it never stored",
      async run(store, { clock }) {
        const t = newToken(clock.now());
        assert.deepEqual(
          await store.consumeOneTimeToken({ tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() }),
          { status: "not_found" },
        );
      },
    },
    {
      name: "of 50 concurrent consumers of one token exactly one wins and the rest see it used",
      timeoutMs: 30_000,
      async run(store, { clock }) {
        const t = newToken(clock.now());
        await store.createOneTimeToken(t);
        const { results, winner } = await raceExactlyOne(
          50,
          () => store.consumeOneTimeToken({ tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() }),
          { isWin: (r) => r.status === "consumed" },
        );
        assert.deepEqual(results[winner], { status: "consumed", subject: t.subject });
        assert.ok(results.every((r, i) => i === winner || r.status === "used"));
      },
    },
    {
      name: "deletes every token of one subject and purpose, and only those",
      async run(store, { clock }) {
        const subject = `user-${randomBytes(8).toString("hex")}`;
        const mine = [newToken(clock.now(), { subject }), newToken(clock.now(), { subject })];
        const otherPurpose = newToken(clock.now(), { subject, purpose: "email-verify" });
        const someoneElse = newToken(clock.now());
        for (const t of [...mine, otherPurpose, someoneElse]) await store.createOneTimeToken(t);
        assert.equal(await store.deleteSubjectOneTimeTokens("password-reset", subject), 2);
        assert.equal(await store.deleteSubjectOneTimeTokens("password-reset", subject), 0);
        for (const t of mine) {
          assert.deepEqual(
            await store.consumeOneTimeToken({ tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() }),
            { status: "not_found" },
          );
        }
        for (const t of [otherPurpose, someoneElse]) {
          assert.equal(
            (await store.consumeOneTimeToken({ tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() })).status,
            "consumed",
          );
        }
      },
    },
    {
      name: "deleting expired tokens keeps live ones usable",
      async run(store, { clock }) {
        const live = newToken(clock.now(), { expiresAt: clock.now() + 3 * HOUR });
        const old = newToken(clock.now(), { expiresAt: clock.now() + HOUR });
        await store.createOneTimeToken(live);
        await store.createOneTimeToken(old);
        clock.advance(HOUR);
        const removed = await store.deleteExpiredOneTimeTokens(clock.now());
        assert.ok(Number.isSafeInteger(removed) && removed >= 0);
        assert.notEqual(
          (await store.consumeOneTimeToken({ tokenHash: old.tokenHash, purpose: old.purpose, now: clock.now() }))
            .status,
          "consumed",
        );
        assert.equal(
          (await store.consumeOneTimeToken({ tokenHash: live.tokenHash, purpose: live.purpose, now: clock.now() }))
            .status,
          "consumed",
        );
      },
    },
  ],
);
