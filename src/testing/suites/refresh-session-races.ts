/**
 * The refresh-session races. Everything each caller receives is checked, not only who won: a
 * store that reads the family before taking its lock (or, on InnoDB at REPEATABLE READ, reads
 * through the transaction's first snapshot after waiting for the lock) gives some losers the
 * nonce of an earlier rotation, and their second browser tab then holds a refresh token that
 * does not exist.
 */
import assert from "node:assert/strict";
import type { RefreshSessionStore, RefreshTokenRotateInput } from "../../sessions/refresh-session-store.js";
import type { ConformanceCase } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";
import { expectSession, expectStatus, newSession, rotation } from "./refresh-session-fixtures.js";

const RACE_TIMEOUT_MS = 60_000;

/** `n` rotations of `tokenHash` at once; returns the winner's input and every outcome. */
async function raceRotations(store: RefreshSessionStore, tokenHash: string, now: number, overlapMs: number, n: number) {
  const inputs: RefreshTokenRotateInput[] = Array.from({ length: n }, () => rotation(tokenHash, now, overlapMs));
  const { winner, results } = await raceExactlyOne(
    n,
    (i) => store.rotateRefreshToken(inputs[i] ?? rotation(tokenHash, now, overlapMs)),
    { isWin: (r) => r.status === "rotated" },
  );
  const won = inputs[winner];
  assert.ok(won !== undefined, "the race must report the index of a caller that exists");
  return { winner, won, results };
}

export const refreshSessionRaceCases: readonly ConformanceCase<RefreshSessionStore>[] = [
  {
    name: "of concurrent rotations of one token exactly one rotates; with the overlap on every other caller gets the winner's successor hash and nonce",
    timeoutMs: RACE_TIMEOUT_MS,
    async run(store, { clock, concurrency }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      // Two rounds: in the second a stale read returns the first round's nonce, a real value
      // rather than an empty one, which is the mistake a snapshot-reading store makes.
      let head = s.tokenHash;
      for (const generation of [2, 3]) {
        clock.advance(1_000);
        const { winner, won, results } = await raceRotations(store, head, clock.now(), 5_000, concurrency);
        const expected = {
          sessionId: s.sessionId,
          subject: s.subject,
          revokedAt: null,
          generation,
          expiresAt: won.successor.expiresAt,
          claimsJson: s.claimsJson,
          createdAt: s.createdAt,
        };
        const winning = expectStatus(results[winner] ?? { status: "not_found" }, "rotated", "to the winner");
        expectSession(winning.session, expected, "the winning caller");
        results.forEach((r, i) => {
          if (i === winner) return;
          const who = `losing caller ${String(i)} of ${String(concurrency)} (round ${String(generation - 1)})`;
          const overlap = expectStatus(r, "overlap", `to ${who}, whose token was rotated moments ago`);
          assert.equal(
            overlap.successorHash,
            won.successor.tokenHash,
            `${who} must receive the hash of the successor the winner installed`,
          );
          assert.equal(
            overlap.successorNonce,
            won.successor.nonce,
            `${who} must receive the nonce of the successor the winner installed, not a stale one: ` +
              `from any other nonce it derives a refresh token that does not exist`,
          );
          expectSession(overlap.session, expected, who);
        });
        const stored = await store.getRefreshSession(s.sessionId);
        assert.equal(stored?.generation, generation, "the session's generation must grow by one per race");
        assert.equal(stored.revokedAt, null, "a race inside the overlap window must not revoke the session");
        head = won.successor.tokenHash;
      }
      // The token every loser re-derived is the one that works.
      expectStatus(
        await store.rotateRefreshToken(rotation(head, clock.now(), 5_000)),
        "rotated",
        "for the successor every caller was given",
      );
    },
  },
  {
    name: "of concurrent rotations of one token exactly one rotates; with the overlap off the rest is reuse and revokes the family",
    timeoutMs: RACE_TIMEOUT_MS,
    async run(store, { clock, concurrency }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      const { winner, won, results } = await raceRotations(store, s.tokenHash, clock.now(), 0, concurrency);
      const losers = results.filter((_, i) => i !== winner).map((r) => r.status);
      assert.ok(
        losers.every((status) => status === "reused" || status === "revoked"),
        `with the overlap off every losing caller must get "reused" or "revoked", but they got: ${losers.join(", ")}`,
      );
      assert.ok(losers.includes("reused"), 'at least the first losing caller must be told "reused"');
      for (const r of results) {
        if (r.status === "reused" || r.status === "revoked") {
          assert.equal(r.session.revokedAt, clock.now(), "a reuse must hand back the session revoked at `now`");
        }
      }
      expectStatus(
        await store.rotateRefreshToken(rotation(won.successor.tokenHash, clock.now(), 0)),
        "revoked",
        "for the winner's successor once reuse revoked its family",
      );
      assert.equal(
        (await store.getRefreshSession(s.sessionId))?.generation,
        2,
        "only the winning rotation may advance the generation",
      );
    },
  },
  {
    name: "of concurrent revocations of one session exactly one reports it",
    timeoutMs: RACE_TIMEOUT_MS,
    async run(store, { clock, concurrency }) {
      const s = newSession(clock.now());
      await store.createRefreshSession(s);
      await raceExactlyOne(concurrency, (i) => store.revokeRefreshSession(s.sessionId, clock.now() + i));
      expectStatus(
        await store.rotateRefreshToken(rotation(s.tokenHash, clock.now(), 5_000)),
        "revoked",
        "for the token of a revoked session",
      );
    },
  },
];
