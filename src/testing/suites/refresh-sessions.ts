/**
 * The contract of {@link RefreshSessionStore}: rotation, the overlap window, reuse detection
 * (which revokes the family), expiry, revocation, and the races every rotation must win exactly
 * once (refresh-session-races.ts).
 */
import assert from "node:assert/strict";
import { REFRESH_SESSION_STORE_METHODS, type RefreshSessionStore } from "../../sessions/refresh-session-store.js";
import { type ConformanceCase, type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { refreshSessionRaceCases } from "./refresh-session-races.js";
import { expectStatus, hash, id, newSession, rotation } from "./refresh-session-fixtures.js";

const cases: readonly ConformanceCase<RefreshSessionStore>[] = [
  {
    name: "stores a session and reads it back unchanged",
    async run(store, { clock }) {
      const s = newSession(clock.now() + 123, {
        claimsJson: '{"org":"o1","roles":["a","b"],"note":"ünïcode \\" \'"}',
      });
      await store.createRefreshSession(s);
      assert.deepEqual(
        await store.getRefreshSession(s.sessionId),
        {
          sessionId: s.sessionId,
          subject: s.subject,
          claimsJson: s.claimsJson,
          createdAt: s.createdAt,
          revokedAt: null,
          generation: 1,
          expiresAt: s.expiresAt,
        },
        "getRefreshSession must return every field as created, to the millisecond, with generation 1",
      );
      assert.equal(await store.getRefreshSession(id()), null, "getRefreshSession must return null for an unknown id");
    },
  },
  {
    name: "rotates the current token: the successor becomes current and the generation grows",
    async run(store, { clock }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      clock.advance(60_000);
      const first = rotation(s.tokenHash, clock.now(), 5_000);
      const rotated = expectStatus(await store.rotateRefreshToken(first), "rotated", "for the current token");
      assert.equal(rotated.session.generation, 2, "the first rotation must report generation 2");
      assert.equal(
        rotated.session.expiresAt,
        first.successor.expiresAt,
        "a rotated session must expire when its successor does",
      );
      assert.equal(rotated.session.revokedAt, null, "a rotation must not revoke the session");
      clock.advance(60_000);
      const second = expectStatus(
        await store.rotateRefreshToken(rotation(first.successor.tokenHash, clock.now(), 5_000)),
        "rotated",
        "for the successor, which is now the current token",
      );
      assert.equal(second.session.generation, 3, "the second rotation must report generation 3");
      assert.equal(
        (await store.getRefreshSession(s.sessionId))?.generation,
        3,
        "getRefreshSession must see the generation the last rotation reported",
      );
    },
  },
  {
    name: "answers the previous token inside the overlap window with the successor already issued",
    async run(store, { clock }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      const first = rotation(s.tokenHash, clock.now(), 5_000);
      expectStatus(await store.rotateRefreshToken(first), "rotated", "for the current token");
      clock.advance(4_999);
      const retry = rotation(s.tokenHash, clock.now(), 5_000);
      const overlap = expectStatus(
        await store.rotateRefreshToken(retry),
        "overlap",
        "for the previous token 4999 ms into a 5000 ms overlap",
      );
      assert.equal(overlap.successorHash, first.successor.tokenHash, "overlap must name the successor already issued");
      assert.equal(overlap.successorNonce, first.successor.nonce, "overlap must return that successor's nonce");
      assert.equal(overlap.session.generation, 2, "overlap must not advance the generation");
      assert.equal(overlap.session.expiresAt, first.successor.expiresAt, "overlap must report the successor's expiry");
      expectStatus(
        await store.rotateRefreshToken(rotation(retry.successor.tokenHash, clock.now(), 5_000)),
        "not_found",
        "for the successor an overlapping retry offered, which must not be installed",
      );
      expectStatus(
        await store.rotateRefreshToken(rotation(first.successor.tokenHash, clock.now(), 5_000)),
        "rotated",
        "for the successor the first rotation issued",
      );
    },
  },
  {
    name: "answers the previous token with the newest successor's nonce after several rotations",
    async run(store, { clock }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      let head = s.tokenHash;
      for (let i = 0; i < 3; i++) {
        clock.advance(10_000);
        const last = rotation(head, clock.now(), 5_000);
        expectStatus(
          await store.rotateRefreshToken(last),
          "rotated",
          `for the current token (rotation ${String(i + 1)})`,
        );
        const overlap = expectStatus(
          await store.rotateRefreshToken(rotation(head, clock.now() + 1, 5_000)),
          "overlap",
          "for the token just rotated",
        );
        assert.equal(overlap.successorNonce, last.successor.nonce, "overlap must return the newest successor's nonce");
        assert.equal(overlap.successorHash, last.successor.tokenHash, "overlap must name the newest successor");
        head = last.successor.tokenHash;
      }
    },
  },
  {
    name: "treats the previous token as reuse once the overlap window has passed, and revokes the family",
    async run(store, { clock }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      const first = rotation(s.tokenHash, clock.now(), 5_000);
      expectStatus(await store.rotateRefreshToken(first), "rotated", "for the current token");
      clock.advance(5_000);
      const reused = expectStatus(
        await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 5_000)),
        "reused",
        "for the previous token exactly when the 5000 ms overlap ends",
      );
      assert.equal(reused.session.sessionId, s.sessionId, "reuse must name the session it revoked");
      assert.equal(reused.session.subject, s.subject, "reuse must name the session's subject");
      assert.equal(reused.session.revokedAt, clock.now(), "reuse must revoke the session at `now`");
      expectStatus(
        await store.rotateRefreshToken(rotation(first.successor.tokenHash, clock.now(), 5_000)),
        "revoked",
        "for the newest token of a family revoked by reuse",
      );
      assert.equal(
        (await store.getRefreshSession(s.sessionId))?.revokedAt,
        clock.now(),
        "getRefreshSession must show the revocation",
      );
    },
  },
  {
    name: "treats any token older than the previous one as reuse, even inside the window",
    async run(store, { clock }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      const first = rotation(s.tokenHash, clock.now(), 5_000);
      expectStatus(await store.rotateRefreshToken(first), "rotated", "for the current token");
      clock.advance(1);
      const second = rotation(first.successor.tokenHash, clock.now(), 5_000);
      expectStatus(await store.rotateRefreshToken(second), "rotated", "for the successor");
      clock.advance(1);
      expectStatus(
        await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 5_000)),
        "reused",
        "for a token two rotations old, inside the window",
      );
      expectStatus(
        await store.rotateRefreshToken(rotation(second.successor.tokenHash, clock.now(), 5_000)),
        "revoked",
        "for the newest token after reuse",
      );
    },
  },
  {
    name: "with the overlap off, any second use of a token is reuse",
    async run(store, { clock }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      expectStatus(await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 0)), "rotated", "the first time");
      expectStatus(
        await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 0)),
        "reused",
        "the second time, with overlapMs 0",
      );
    },
  },
  {
    name: "reports an expired token as expired and revokes nothing",
    async run(store, { clock }) {
      const s = newSession(clock.now(), { expiresAt: clock.now() + 60_000 });
      await store.createRefreshSession(s);
      const first = rotation(s.tokenHash, clock.now(), 0, 60_000);
      expectStatus(await store.rotateRefreshToken(first), "rotated", "for the current token");
      clock.advance(60_000);
      expectStatus(
        await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 0)),
        "expired",
        "for a consumed token past its own expiry (stale, not evidence of theft)",
      );
      expectStatus(
        await store.rotateRefreshToken(rotation(first.successor.tokenHash, clock.now(), 0)),
        "expired",
        "for the current token exactly at its expiresAt",
      );
      assert.equal(
        (await store.getRefreshSession(s.sessionId))?.revokedAt,
        null,
        "an expired token must not revoke its session",
      );
    },
  },
  {
    name: "answers not_found for a token it never issued, including one differing only in case or a trailing space",
    async run(store, { clock }) {
      expectStatus(
        await store.rotateRefreshToken(rotation(hash(), clock.now(), 5_000)),
        "not_found",
        "for a random hash",
      );
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      for (const [variant, why] of [
        [s.tokenHash.toUpperCase(), "for the hash in upper case (token hashes compare byte for byte)"],
        [`${s.tokenHash} `, "for the hash with a trailing space (no PAD SPACE comparison)"],
      ] as const) {
        expectStatus(await store.rotateRefreshToken(rotation(variant, clock.now(), 5_000)), "not_found", why);
      }
      expectStatus(
        await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 5_000)),
        "rotated",
        "for the exact hash",
      );
    },
  },
  {
    name: "revokes a session once, and a revoked session's current token answers revoked",
    async run(store, { clock }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      clock.advance(10);
      assert.equal(
        await store.revokeRefreshSession(s.sessionId, clock.now()),
        true,
        "the first revocation must report true",
      );
      assert.equal(
        await store.revokeRefreshSession(s.sessionId, clock.now() + 5),
        false,
        "a second revocation must report false",
      );
      assert.equal(
        await store.revokeRefreshSession(id(), clock.now()),
        false,
        "revoking an unknown session must report false",
      );
      assert.equal(
        (await store.getRefreshSession(s.sessionId))?.revokedAt,
        clock.now(),
        "the first revocation's time must stick",
      );
      const revoked = expectStatus(
        await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 5_000)),
        "revoked",
        "for the current token of a revoked session",
      );
      assert.equal(revoked.session.sessionId, s.sessionId, "revoked must name the session");
    },
  },
  {
    name: "revokes every live session of a subject and no one else's (not a subject differing in case or a trailing space)",
    async run(store, { clock }) {
      const subject = `user-${id()}`;
      const mine = [
        newSession(clock.now(), { subject }),
        newSession(clock.now(), { subject }),
        newSession(clock.now(), { subject }),
      ];
      const theirs = [
        newSession(clock.now()),
        newSession(clock.now(), { subject: subject.toUpperCase() }),
        newSession(clock.now(), { subject: `${subject} ` }),
      ];
      for (const s of [...mine, ...theirs]) await store.createRefreshSession(s);
      const [first, second, third] = mine;
      assert.ok(first !== undefined && second !== undefined && third !== undefined, "three sessions were made");
      await store.revokeRefreshSession(third.sessionId, clock.now());
      assert.equal(
        await store.revokeSubjectRefreshSessions(subject, clock.now()),
        2,
        "revokeSubjectRefreshSessions must count the two sessions it newly revoked",
      );
      assert.equal(
        await store.revokeSubjectRefreshSessions(subject, clock.now()),
        0,
        "a second revokeSubjectRefreshSessions must revoke nothing",
      );
      for (const s of [first, second]) {
        assert.notEqual(
          (await store.getRefreshSession(s.sessionId))?.revokedAt,
          null,
          "the subject's sessions must be revoked",
        );
      }
      for (const s of theirs) {
        assert.equal(
          (await store.getRefreshSession(s.sessionId))?.revokedAt,
          null,
          `the session of subject ${JSON.stringify(s.subject)} must stay live`,
        );
      }
      assert.equal(
        await store.revokeSubjectRefreshSessions(`user-${id()}`, clock.now()),
        0,
        "an unknown subject revokes nothing",
      );
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
      assert.ok(Number.isSafeInteger(removed) && removed >= 0, "deleteExpiredRefreshSessions must return a count");
      const gone = await store.getRefreshSession(shortLived.sessionId);
      assert.ok(gone === null || gone.expiresAt <= clock.now(), "an expired session must be deleted or still expired");
      assert.notEqual(
        (await store.rotateRefreshToken(rotation(shortLived.tokenHash, clock.now(), 0))).status,
        "rotated",
        "an expired session's token must not rotate after cleanup",
      );
      expectStatus(
        await store.rotateRefreshToken(rotation(live.tokenHash, clock.now(), 0)),
        "rotated",
        "for a live session's token after cleanup",
      );
    },
  },
  ...refreshSessionRaceCases,
];

/** The refresh-session store suite. */
export const refreshSessionsSuite: ConformanceSuite = defineConformanceSuite<RefreshSessionStore>(
  "refreshSessions",
  REFRESH_SESSION_STORE_METHODS,
  cases,
);
