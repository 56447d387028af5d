/**
 * The contract of {@link OneTimeTokenStore}: exactly once, bound to its purpose, expiring, and
 * exactly one winner among concurrent consumers.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  ONE_TIME_TOKEN_STORE_METHODS,
  type OneTimeTokenConsumeOutcome,
  type OneTimeTokenRecord,
  type OneTimeTokenStore,
} from "../../sessions/one-time-token-store.js";
import { type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const HOUR = 3_600_000;
const CASE_TIMEOUT_MS = 60_000;

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

/** Consumes `t` (or the hash/purpose given) at `now` and checks the whole outcome. */
async function expectConsume(
  store: OneTimeTokenStore,
  input: { tokenHash: string; purpose: string; now: number },
  expected: OneTimeTokenConsumeOutcome,
  why: string,
): Promise<void> {
  assert.deepEqual(
    await store.consumeOneTimeToken(input),
    expected,
    `consumeOneTimeToken must answer ${JSON.stringify(expected)}: ${why}`,
  );
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
        await expectConsume(store, input, { status: "consumed", subject: t.subject }, "the first use wins");
        await expectConsume(store, input, { status: "used" }, "the second use of a token is refused");
      },
    },
    {
      name: "does not consume a token presented for another purpose, or a purpose differing in case or a trailing space",
      async run(store, { clock }) {
        const t = newToken(clock.now());
        await store.createOneTimeToken(t);
        for (const purpose of ["email-verify", "PASSWORD-RESET", "password-reset "]) {
          await expectConsume(
            store,
            { tokenHash: t.tokenHash, purpose, now: clock.now() },
            { status: "not_found" },
            `a token is bound to its purpose, compared byte for byte (${JSON.stringify(purpose)})`,
          );
        }
        await expectConsume(
          store,
          { tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() },
          { status: "consumed", subject: t.subject },
          "the token is still unused for its own purpose",
        );
      },
    },
    {
      name: "answers not_found for a hash differing only in case or a trailing space",
      async run(store, { clock }) {
        const t = newToken(clock.now());
        await store.createOneTimeToken(t);
        for (const tokenHash of [t.tokenHash.toUpperCase(), `${t.tokenHash} `]) {
          await expectConsume(
            store,
            { tokenHash, purpose: t.purpose, now: clock.now() },
            { status: "not_found" },
            "token hashes compare byte for byte (no case-insensitive or PAD SPACE collation)",
          );
        }
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
        clock.advance(2 * HOUR);
        await expectConsume(
          store,
          { tokenHash: unused.tokenHash, purpose: unused.purpose, now: clock.now() },
          { status: "expired" },
          "a token is expired from its expiresAt on",
        );
        await expectConsume(
          store,
          { tokenHash: used.tokenHash, purpose: used.purpose, now: clock.now() },
          { status: "used" },
          "a used token is reported used even after it expired",
        );
      },
    },
    {
      name: "accepts a token one millisecond before it expires",
      async run(store, { clock }) {
        const t = newToken(clock.now());
        await store.createOneTimeToken(t);
        clock.advance(2 * HOUR - 1);
        await expectConsume(
          store,
          { tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() },
          { status: "consumed", subject: t.subject },
          "a token is valid until the millisecond before its expiresAt",
        );
      },
    },
    {
      name: "answers not_found for a token it never stored",
      async run(store, { clock }) {
        const t = newToken(clock.now());
        await expectConsume(
          store,
          { tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() },
          { status: "not_found" },
          "the token was never stored",
        );
      },
    },
    {
      name: "of concurrent consumers of one token exactly one wins and the rest see it used",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store, { clock, concurrency }) {
        const t = newToken(clock.now());
        await store.createOneTimeToken(t);
        const { results, winner } = await raceExactlyOne(
          concurrency,
          () => store.consumeOneTimeToken({ tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() }),
          { isWin: (r) => r.status === "consumed" },
        );
        assert.deepEqual(
          results[winner],
          { status: "consumed", subject: t.subject },
          "the winner must be told the token's subject",
        );
        const others = results.filter((_, i) => i !== winner).map((r) => r.status);
        assert.ok(
          others.every((status) => status === "used"),
          `every losing caller must be told "used", but they got: ${others.join(", ")}`,
        );
      },
    },
    {
      name: "deletes every token of one subject and purpose, and only those",
      async run(store, { clock }) {
        const subject = `user-${randomBytes(8).toString("hex")}`;
        const mine = [newToken(clock.now(), { subject }), newToken(clock.now(), { subject })];
        const spared = [
          newToken(clock.now(), { subject, purpose: "email-verify" }),
          newToken(clock.now()),
          newToken(clock.now(), { subject: subject.toUpperCase() }),
          newToken(clock.now(), { subject: `${subject} ` }),
        ];
        for (const t of [...mine, ...spared]) await store.createOneTimeToken(t);
        assert.equal(
          await store.deleteSubjectOneTimeTokens("password-reset", subject),
          2,
          "deleteSubjectOneTimeTokens must delete and count the subject's two tokens of that purpose",
        );
        assert.equal(
          await store.deleteSubjectOneTimeTokens("password-reset", subject),
          0,
          "a second delete must find nothing",
        );
        for (const t of mine) {
          await expectConsume(
            store,
            { tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() },
            { status: "not_found" },
            "a deleted token is gone",
          );
        }
        for (const t of spared) {
          await expectConsume(
            store,
            { tokenHash: t.tokenHash, purpose: t.purpose, now: clock.now() },
            { status: "consumed", subject: t.subject },
            `the token of subject ${JSON.stringify(t.subject)} for ${t.purpose} must survive`,
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
        assert.ok(Number.isSafeInteger(removed) && removed >= 0, "deleteExpiredOneTimeTokens must return a count");
        assert.notEqual(
          (await store.consumeOneTimeToken({ tokenHash: old.tokenHash, purpose: old.purpose, now: clock.now() }))
            .status,
          "consumed",
          "an expired token must not be consumable after cleanup",
        );
        await expectConsume(
          store,
          { tokenHash: live.tokenHash, purpose: live.purpose, now: clock.now() },
          { status: "consumed", subject: live.subject },
          "a live token survives cleanup",
        );
      },
    },
  ],
);
