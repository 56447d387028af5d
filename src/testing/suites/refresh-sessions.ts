/**
 * The contract of {@link RefreshSessionStore}: rotation, the overlap window, reuse detection
 * (which revokes the family), expiry, revocation, and the race every rotation must win exactly
 * once.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  type NewRefreshSession,
  REFRESH_SESSION_STORE_METHODS,
  type RefreshSessionStore,
  type RefreshTokenRotateInput,
  type RefreshTokenRotateOutcome,
} from "../../sessions/refresh-session-store.js";
import { type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const DAY = 86_400_000;
const RACE_TIMEOUT_MS = 30_000;

const hash = (): string => randomBytes(32).toString("hex");
const nonce = (): string => randomBytes(32).toString("base64url");
const id = (): string => randomBytes(16).toString("base64url");

function newSession(now: number, overrides: Partial<NewRefreshSession> = {}): NewRefreshSession {
  return {
    sessionId: id(),
    subject: `user-${id()}`,
    claimsJson: '{"org":"o1"}',
    createdAt: now,
    tokenHash: hash(),
    expiresAt: now + 30 * DAY,
    ...overrides,
  };
}

function rotation(tokenHash: string, now: number, overlapMs: number, ttl = 30 * DAY): RefreshTokenRotateInput {
  return { tokenHash, now, overlapMs, successor: { tokenHash: hash(), nonce: nonce(), expiresAt: now + ttl } };
}

type Outcome<S extends RefreshTokenRotateOutcome["status"]> = Extract<RefreshTokenRotateOutcome, { status: S }>;

function hasStatus<S extends RefreshTokenRotateOutcome["status"]>(
  outcome: RefreshTokenRotateOutcome,
  status: S,
): outcome is Outcome<S> {
  return outcome.status === status;
}

function expectStatus<S extends RefreshTokenRotateOutcome["status"]>(
  outcome: RefreshTokenRotateOutcome,
  status: S,
): Outcome<S> {
  if (!hasStatus(outcome, status)) assert.fail(`expected ${status}, got ${outcome.status}`);
  return outcome;
}

/** The refresh-session store suite. */
export const refreshSessionsSuite: ConformanceSuite = defineConformanceSuite<RefreshSessionStore>(
  "refreshSessions",
  REFRESH_SESSION_STORE_METHODS,
  [
    {
      name: "stores a session and reads it back unchanged",
      async run(store, { clock }) {
        const s = newSession(clock.now(), { claimsJson: '{"org":"o1","roles":["a","b"],"note":"ünïcode \\" \'"}' });
        await store.createRefreshSession(s);
        assert.deepEqual(await store.getRefreshSession(s.sessionId), {
          sessionId: s.sessionId,
          subject: s.subject,
          claimsJson: s.claimsJson,
          createdAt: s.createdAt,
          revokedAt: null,
          generation: 1,
          expiresAt: s.expiresAt,
        });
        assert.equal(await store.getRefreshSession(id()), null);
      },
    },
    {
      name: "rotates the current token: the successor becomes current and the generation grows",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createRefreshSession(s);
        clock.advance(60_000);
        const first = rotation(s.tokenHash, clock.now(), 5_000);
        const rotated = expectStatus(await store.rotateRefreshToken(first), "rotated");
        assert.equal(rotated.session.generation, 2);
        assert.equal(rotated.session.expiresAt, first.successor.expiresAt);
        assert.equal(rotated.session.revokedAt, null);
        clock.advance(60_000);
        const second = expectStatus(
          await store.rotateRefreshToken(rotation(first.successor.tokenHash, clock.now(), 5_000)),
          "rotated",
        );
        assert.equal(second.session.generation, 3);
        assert.equal((await store.getRefreshSession(s.sessionId))?.generation, 3);
      },
    },
    {
      name: "answers the previous token inside the overlap window with the successor already issued",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createRefreshSession(s);
        const first = rotation(s.tokenHash, clock.now(), 5_000);
        expectStatus(await store.rotateRefreshToken(first), "rotated");
        clock.advance(4_999);
        const retry = rotation(s.tokenHash, clock.now(), 5_000);
        const overlap = expectStatus(await store.rotateRefreshToken(retry), "overlap");
        assert.equal(overlap.successorHash, first.successor.tokenHash);
        assert.equal(overlap.successorNonce, first.successor.nonce);
        assert.equal(overlap.session.generation, 2);
        assert.equal(overlap.session.expiresAt, first.successor.expiresAt);
        // The retry's own successor was not installed.
        expectStatus(
          await store.rotateRefreshToken(rotation(retry.successor.tokenHash, clock.now(), 5_000)),
          "not_found",
        );
        // The successor issued by the first rotation still works.
        expectStatus(
          await store.rotateRefreshToken(rotation(first.successor.tokenHash, clock.now(), 5_000)),
          "rotated",
        );
      },
    },
    {
      name: "treats the previous token as reuse once the overlap window has passed, and revokes the family",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createRefreshSession(s);
        const first = rotation(s.tokenHash, clock.now(), 5_000);
        expectStatus(await store.rotateRefreshToken(first), "rotated");
        clock.advance(5_000);
        const reused = expectStatus(
          await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 5_000)),
          "reused",
        );
        assert.equal(reused.session.sessionId, s.sessionId);
        assert.equal(reused.session.subject, s.subject);
        assert.equal(reused.session.revokedAt, clock.now());
        // The newest token dies with the family.
        expectStatus(
          await store.rotateRefreshToken(rotation(first.successor.tokenHash, clock.now(), 5_000)),
          "revoked",
        );
        assert.equal((await store.getRefreshSession(s.sessionId))?.revokedAt, clock.now());
      },
    },
    {
      name: "treats any token older than the previous one as reuse, even inside the window",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createRefreshSession(s);
        const first = rotation(s.tokenHash, clock.now(), 5_000);
        expectStatus(await store.rotateRefreshToken(first), "rotated");
        clock.advance(1);
        const second = rotation(first.successor.tokenHash, clock.now(), 5_000);
        expectStatus(await store.rotateRefreshToken(second), "rotated");
        clock.advance(1);
        expectStatus(await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 5_000)), "reused");
        expectStatus(
          await store.rotateRefreshToken(rotation(second.successor.tokenHash, clock.now(), 5_000)),
          "revoked",
        );
      },
    },
    {
      name: "with the overlap off, any second use of a token is reuse",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createRefreshSession(s);
        expectStatus(await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 0)), "rotated");
        expectStatus(await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 0)), "reused");
      },
    },
    {
      name: "reports an expired token as expired and revokes nothing",
      async run(store, { clock }) {
        const s = newSession(clock.now(), { expiresAt: clock.now() + 60_000 });
        await store.createRefreshSession(s);
        const first = rotation(s.tokenHash, clock.now(), 0, 60_000);
        expectStatus(await store.rotateRefreshToken(first), "rotated");
        clock.advance(60_000);
        // The consumed first token has expired: stale, not evidence of theft.
        expectStatus(await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 0)), "expired");
        // The current token expires exactly at its expiresAt.
        expectStatus(await store.rotateRefreshToken(rotation(first.successor.tokenHash, clock.now(), 0)), "expired");
        assert.equal((await store.getRefreshSession(s.sessionId))?.revokedAt, null);
      },
    },
    {
      name: "answers not_found for a token it never issued",
      async run(store, { clock }) {
        expectStatus(await store.rotateRefreshToken(rotation(hash(), clock.now(), 5_000)), "not_found");
      },
    },
    {
      name: "revokes a session once, and a revoked session's current token answers revoked",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createRefreshSession(s);
        clock.advance(10);
        assert.equal(await store.revokeRefreshSession(s.sessionId, clock.now()), true);
        assert.equal(await store.revokeRefreshSession(s.sessionId, clock.now() + 5), false);
        assert.equal(await store.revokeRefreshSession(id(), clock.now()), false);
        assert.equal((await store.getRefreshSession(s.sessionId))?.revokedAt, clock.now());
        const revoked = expectStatus(
          await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 5_000)),
          "revoked",
        );
        assert.equal(revoked.session.sessionId, s.sessionId);
      },
    },
    {
      name: "revokes every live session of a subject and no one else's",
      async run(store, { clock }) {
        const subject = `user-${id()}`;
        const mine = [
          newSession(clock.now(), { subject }),
          newSession(clock.now(), { subject }),
          newSession(clock.now(), { subject }),
        ];
        const theirs = newSession(clock.now());
        for (const s of [...mine, theirs]) await store.createRefreshSession(s);
        const [first, second, third] = mine;
        assert.ok(first !== undefined && second !== undefined && third !== undefined);
        await store.revokeRefreshSession(third.sessionId, clock.now());
        assert.equal(await store.revokeSubjectRefreshSessions(subject, clock.now()), 2);
        assert.equal(await store.revokeSubjectRefreshSessions(subject, clock.now()), 0);
        assert.notEqual((await store.getRefreshSession(first.sessionId))?.revokedAt, null);
        assert.notEqual((await store.getRefreshSession(second.sessionId))?.revokedAt, null);
        assert.equal((await store.getRefreshSession(theirs.sessionId))?.revokedAt, null);
        assert.equal(await store.revokeSubjectRefreshSessions(`user-${id()}`, clock.now()), 0);
      },
    },
    {
      name: "of 50 concurrent rotations of one token exactly one rotates; with the overlap on the others get its successor",
      timeoutMs: RACE_TIMEOUT_MS,
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createRefreshSession(s);
        const inputs = Array.from({ length: 50 }, () => rotation(s.tokenHash, clock.now(), 5_000));
        const { winner, results } = await raceExactlyOne(
          50,
          (i) => store.rotateRefreshToken(inputs[i] ?? rotation(s.tokenHash, clock.now(), 5_000)),
          {
            isWin: (r) => r.status === "rotated",
          },
        );
        const installed = inputs[winner]?.successor.tokenHash;
        results.forEach((r, i) => {
          if (i === winner) return;
          const overlap = expectStatus(r, "overlap");
          assert.equal(overlap.successorHash, installed);
        });
        assert.equal((await store.getRefreshSession(s.sessionId))?.generation, 2);
        assert.equal((await store.getRefreshSession(s.sessionId))?.revokedAt, null);
      },
    },
    {
      name: "of 50 concurrent rotations of one token exactly one rotates; with the overlap off the rest is reuse and revokes the family",
      timeoutMs: RACE_TIMEOUT_MS,
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createRefreshSession(s);
        const inputs = Array.from({ length: 50 }, () => rotation(s.tokenHash, clock.now(), 0));
        const { winner, results } = await raceExactlyOne(
          50,
          (i) => store.rotateRefreshToken(inputs[i] ?? rotation(s.tokenHash, clock.now(), 0)),
          {
            isWin: (r) => r.status === "rotated",
          },
        );
        const losers = results.filter((_, i) => i !== winner).map((r) => r.status);
        assert.ok(
          losers.every((status) => status === "reused" || status === "revoked"),
          `losers: ${losers.join(", ")}`,
        );
        assert.ok(losers.includes("reused"));
        const installed = inputs[winner]?.successor.tokenHash ?? "";
        expectStatus(await store.rotateRefreshToken(rotation(installed, clock.now(), 0)), "revoked");
        assert.equal((await store.getRefreshSession(s.sessionId))?.generation, 2);
      },
    },
    {
      name: "deleting expired records keeps live sessions and makes expired ones unusable",
      async run(store, { clock }) {
        const live = newSession(clock.now());
        const shortLived = newSession(clock.now(), { expiresAt: clock.now() + 60_000 });
        await store.createRefreshSession(live);
        await store.createRefreshSession(shortLived);
        clock.advance(60_000);
        const removed = await store.deleteExpiredRefreshSessions(clock.now());
        assert.ok(Number.isSafeInteger(removed) && removed >= 0);
        const gone = await store.getRefreshSession(shortLived.sessionId);
        assert.ok(gone === null || gone.expiresAt <= clock.now());
        assert.ok(
          (await store.rotateRefreshToken(rotation(shortLived.tokenHash, clock.now(), 0))).status !== "rotated",
        );
        expectStatus(await store.rotateRefreshToken(rotation(live.tokenHash, clock.now(), 0)), "rotated");
      },
    },
  ],
);
