/**
 * The contract of {@link ServerSessionStore}: exact round trips, liveness checked at the
 * caller's time, an atomic move to a new id, and "delete the others" leaving exactly one
 * session when several of one user race.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  SERVER_SESSION_STORE_METHODS,
  type ServerSessionRecord,
  type ServerSessionStore,
} from "../../sessions/server-session-store.js";
import { type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const hash = (): string => randomBytes(32).toString("hex");

function newSession(now: number, overrides: Partial<ServerSessionRecord> = {}): ServerSessionRecord {
  return {
    idHash: hash(),
    subject: `user-${randomBytes(8).toString("hex")}`,
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: now + 30 * MINUTE,
    absoluteExpiresAt: now + 12 * HOUR,
    ip: "203.0.113.7",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0 — ünïcode ✓",
    dataJson: '{"mfa":true,"role":"admin"}',
    ...overrides,
  };
}

/** The server session store suite. */
export const serverSessionsSuite: ConformanceSuite = defineConformanceSuite<ServerSessionStore>(
  "serverSessions",
  SERVER_SESSION_STORE_METHODS,
  [
    {
      name: "returns a stored session exactly as written, nulls included, and nothing for an unknown id",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        const bare = newSession(clock.now(), { ip: null, userAgent: null, dataJson: "{}" });
        await store.createServerSession(s);
        await store.createServerSession(bare);
        assert.deepEqual(await store.getServerSession(s.idHash), s, "the session read back must equal the one written");
        assert.deepEqual(await store.getServerSession(bare.idHash), bare, "null ip and user agent must stay null");
        assert.equal(await store.getServerSession(hash()), null, "an unknown id hash must read as null");
      },
    },
    {
      name: "looks ids up exactly: another case or a trailing space is another id",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createServerSession(s);
        assert.equal(await store.getServerSession(s.idHash.toUpperCase()), null, "lookups must be case-sensitive");
        assert.equal(await store.getServerSession(`${s.idHash} `), null, "a trailing space must not match");
        assert.equal(await store.deleteServerSession(`${s.idHash} `), false, "a padded id must delete nothing");
        assert.notEqual(await store.getServerSession(s.idHash), null, "the session must survive the near misses");
      },
    },
    {
      name: "records a use of a live session, and refuses to touch one past its idle or absolute expiry",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        const short = newSession(clock.now(), { absoluteExpiresAt: clock.now() + 10 * MINUTE });
        await store.createServerSession(s);
        await store.createServerSession(short);
        clock.advance(10 * MINUTE);
        const now = clock.now();
        assert.equal(
          await store.touchServerSession({
            idHash: s.idHash,
            now,
            idleExpiresAt: now + 30 * MINUTE,
            ip: null,
            userAgent: "curl/8",
          }),
          true,
          "a live session must be touched",
        );
        assert.deepEqual(
          await store.getServerSession(s.idHash),
          { ...s, lastSeenAt: now, idleExpiresAt: now + 30 * MINUTE, ip: null, userAgent: "curl/8" },
          "a touch must record the time, the new idle expiry, the address and the user agent",
        );
        assert.equal(
          await store.touchServerSession({
            idHash: short.idHash,
            now,
            idleExpiresAt: now + MINUTE,
            ip: null,
            userAgent: null,
          }),
          false,
          "a session at its absolute expiry must not be touched",
        );
        clock.advance(30 * MINUTE);
        const later = clock.now();
        assert.equal(
          await store.touchServerSession({
            idHash: s.idHash,
            now: later,
            idleExpiresAt: later + MINUTE,
            ip: null,
            userAgent: null,
          }),
          false,
          "a session at its idle expiry must not be touched",
        );
        const stale = await store.getServerSession(s.idHash);
        assert.ok(stale === null || stale.lastSeenAt === now, "a refused touch must change nothing");
      },
    },
    {
      name: "moves a live session to a new id with new data; the old id is gone at once",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createServerSession(s);
        clock.advance(MINUTE);
        const now = clock.now();
        const newIdHash = hash();
        const moved = await store.rekeyServerSession({
          idHash: s.idHash,
          newIdHash,
          now,
          idleExpiresAt: now + 30 * MINUTE,
          dataJson: '{"mfa":true,"role":"owner"}',
        });
        const expected = {
          ...s,
          idHash: newIdHash,
          lastSeenAt: now,
          idleExpiresAt: now + 30 * MINUTE,
          dataJson: '{"mfa":true,"role":"owner"}',
        };
        assert.deepEqual(moved, expected, "rekey must return the moved session, keeping its start and absolute expiry");
        assert.deepEqual(await store.getServerSession(newIdHash), expected, "the new id must read the moved session");
        assert.equal(await store.getServerSession(s.idHash), null, "the old id must be gone");
        const list = await store.listSubjectServerSessions(s.subject, now);
        assert.deepEqual(
          list.map((r) => r.idHash),
          [newIdHash],
          "the user's list must hold the new id only",
        );
      },
    },
    {
      name: "does not move a session past its expiry",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createServerSession(s);
        clock.advance(31 * MINUTE);
        const now = clock.now();
        const moved = await store.rekeyServerSession({
          idHash: s.idHash,
          newIdHash: hash(),
          now,
          idleExpiresAt: now + MINUTE,
          dataJson: "{}",
        });
        assert.equal(moved, null, "an idle-expired session must not move to a new id");
      },
    },
    {
      name: "of 32 concurrent moves of one session exactly one succeeds",
      timeoutMs: 30_000,
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createServerSession(s);
        const now = clock.now();
        await raceExactlyOne(
          32,
          () =>
            store.rekeyServerSession({
              idHash: s.idHash,
              newIdHash: hash(),
              now,
              idleExpiresAt: now + MINUTE,
              dataJson: "{}",
            }),
          { isWin: (r) => r !== null },
        );
        assert.equal(
          (await store.listSubjectServerSessions(s.subject, now)).length,
          1,
          "exactly one session must remain",
        );
      },
    },
    {
      name: "deletes a session once",
      async run(store, { clock }) {
        const s = newSession(clock.now());
        await store.createServerSession(s);
        assert.equal(
          await store.deleteServerSession(s.idHash),
          true,
          "the first delete must report the session existed",
        );
        assert.equal(await store.deleteServerSession(s.idHash), false, "a second delete must report nothing was there");
        assert.equal(await store.getServerSession(s.idHash), null, "a deleted session must not be readable");
        assert.deepEqual(await store.listSubjectServerSessions(s.subject, clock.now()), [], "nor listed");
      },
    },
    {
      name: "lists a user's live sessions oldest first, and only theirs",
      async run(store, { clock }) {
        const subject = `user-${randomBytes(8).toString("hex")}`;
        const first = newSession(clock.now(), { subject });
        clock.advance(1000);
        const second = newSession(clock.now(), { subject, ip: null });
        const expiring = newSession(clock.now(), { subject, idleExpiresAt: clock.now() + 1000 });
        const other = newSession(clock.now());
        for (const s of [second, first, expiring, other]) await store.createServerSession(s);
        clock.advance(1000);
        assert.deepEqual(
          await store.listSubjectServerSessions(subject, clock.now()),
          [first, second],
          "the list must hold the user's live sessions, oldest first, as written",
        );
        assert.deepEqual(
          await store.listSubjectServerSessions(subject.toUpperCase(), clock.now()),
          [],
          "subjects must match exactly",
        );
      },
    },
    {
      name: "deletes every session of one user, and only those",
      async run(store, { clock }) {
        const subject = `user-${randomBytes(8).toString("hex")}`;
        const mine = [newSession(clock.now(), { subject }), newSession(clock.now(), { subject })];
        const other = newSession(clock.now());
        for (const s of [...mine, other]) await store.createServerSession(s);
        assert.equal(
          await store.deleteSubjectServerSessions(subject),
          2,
          "both of the user's sessions must be counted",
        );
        assert.equal(await store.deleteSubjectServerSessions(subject), 0, "a second call must find none");
        assert.notEqual(await store.getServerSession(other.idHash), null, "another user's session must survive");
      },
    },
    {
      name: "deletes a user's other sessions, keeping the caller's, and refuses when the caller's is not live or not theirs",
      async run(store, { clock }) {
        const subject = `user-${randomBytes(8).toString("hex")}`;
        const keep = newSession(clock.now(), { subject });
        const others = [newSession(clock.now(), { subject }), newSession(clock.now(), { subject })];
        const stranger = newSession(clock.now());
        for (const s of [keep, ...others, stranger]) await store.createServerSession(s);
        assert.equal(
          await store.deleteOtherServerSessions({ subject, keepIdHash: stranger.idHash, now: clock.now() }),
          null,
          "another user's session must not serve as the one to keep",
        );
        assert.equal(
          await store.deleteOtherServerSessions({ subject, keepIdHash: keep.idHash, now: clock.now() }),
          2,
          "the two other sessions must be deleted and counted",
        );
        assert.deepEqual(
          (await store.listSubjectServerSessions(subject, clock.now())).map((s) => s.idHash),
          [keep.idHash],
          "only the kept session must remain",
        );
        assert.notEqual(await store.getServerSession(stranger.idHash), null, "another user's session must survive");
        clock.advance(31 * MINUTE);
        assert.equal(
          await store.deleteOtherServerSessions({ subject, keepIdHash: keep.idHash, now: clock.now() }),
          null,
          "an expired session must not be able to delete the others",
        );
      },
    },
    {
      name: "when 16 sessions of one user each delete the others at once, exactly one survives",
      timeoutMs: 30_000,
      async run(store, { clock }) {
        const subject = `user-${randomBytes(8).toString("hex")}`;
        const sessions = Array.from({ length: 16 }, () => newSession(clock.now(), { subject }));
        for (const s of sessions) await store.createServerSession(s);
        const now = clock.now();
        const { winner } = await raceExactlyOne(
          16,
          (i) => store.deleteOtherServerSessions({ subject, keepIdHash: sessions[i]?.idHash ?? "", now }),
          { isWin: (r) => r !== null },
        );
        assert.deepEqual(
          (await store.listSubjectServerSessions(subject, now)).map((s) => s.idHash),
          [sessions[winner]?.idHash],
          "the winner's session, and only it, must remain",
        );
      },
    },
    {
      name: "deleting expired sessions keeps live ones",
      async run(store, { clock }) {
        const live = newSession(clock.now());
        const idle = newSession(clock.now(), { idleExpiresAt: clock.now() + MINUTE });
        await store.createServerSession(live);
        await store.createServerSession(idle);
        clock.advance(2 * MINUTE);
        const removed = await store.deleteExpiredServerSessions(clock.now());
        assert.ok(Number.isSafeInteger(removed) && removed >= 0, "the count must be a non-negative integer");
        assert.deepEqual(await store.getServerSession(live.idHash), live, "a live session must be untouched");
        const gone = await store.getServerSession(idle.idHash);
        assert.ok(gone === null || gone.idleExpiresAt <= clock.now(), "an expired session may remain only as expired");
      },
    },
  ],
);
