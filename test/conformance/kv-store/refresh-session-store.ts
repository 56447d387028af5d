/**
 * Refresh sessions over a compare-and-set key-value engine, written from
 * docs/writing-a-store.md: one record per family holding the head (hash, expiry, nonce) and the
 * previous token; one immutable record per issued token naming its family; one record per
 * subject listing its sessions. The rotation decision is `planRotation`, taken from the family
 * record that the write is conditioned on, and `overlap` answers from that same record.
 */
import {
  type RefreshSessionRecord,
  type RefreshSessionStore,
  type RefreshTokenRotateOutcome,
  planRotation,
} from "../../../src/stores/index.js";
import type { CasKv } from "./cas-kv.js";
import { deleteWhere, insertKey, kvKey, updateKey } from "./kv-helpers.js";

interface Family {
  record: RefreshSessionRecord;
  headHash: string;
  headNonce: string | null;
  prevHash: string | null;
  prevUsedAt: number | null;
}

interface TokenIndex {
  sessionId: string;
  expiresAt: number;
}

const familyKey = (sessionId: string): string => kvKey("rs-family", sessionId);
const tokenKey = (tokenHash: string): string => kvKey("rs-token", tokenHash);
const subjectKey = (subject: string): string => kvKey("rs-subject", subject);

function revoke(family: Family, at: number): Family {
  return { ...family, record: { ...family.record, revokedAt: at } };
}

export function createKvRefreshSessionStore(kv: CasKv): RefreshSessionStore {
  const revokeOne = (sessionId: string, at: number): Promise<boolean> =>
    updateKey<Family, boolean>(kv, familyKey(sessionId), (family) =>
      family === null || family.record.revokedAt !== null
        ? { result: false }
        : { write: revoke(family, at), result: true },
    );

  return {
    async createRefreshSession(session) {
      const family: Family = {
        record: {
          sessionId: session.sessionId,
          subject: session.subject,
          claimsJson: session.claimsJson,
          createdAt: session.createdAt,
          revokedAt: null,
          generation: 1,
          expiresAt: session.expiresAt,
        },
        headHash: session.tokenHash,
        headNonce: null,
        prevHash: null,
        prevUsedAt: null,
      };
      await insertKey(kv, tokenKey(session.tokenHash), { sessionId: session.sessionId, expiresAt: session.expiresAt });
      await insertKey(kv, familyKey(session.sessionId), family);
      await updateKey<string[], null>(kv, subjectKey(session.subject), (ids) => ({
        write: [...(ids ?? []), session.sessionId],
        result: null,
      }));
    },

    async rotateRefreshToken(input) {
      const token = await updateKey<TokenIndex, TokenIndex | null>(kv, tokenKey(input.tokenHash), (t) => ({
        result: t,
      }));
      if (token === null) return { status: "not_found" };
      const outcome = await updateKey<Family, RefreshTokenRotateOutcome>(kv, familyKey(token.sessionId), (family) => {
        if (family === null) return { result: { status: "not_found" } };
        switch (
          planRotation({ ...family, revokedAt: family.record.revokedAt }, input.tokenHash, token.expiresAt, input)
        ) {
          case "expired":
            return { result: { status: "expired" } };
          case "revoked":
            return { result: { status: "revoked", session: family.record } };
          case "overlap":
            return {
              result: {
                status: "overlap",
                session: family.record,
                successorHash: family.headHash,
                successorNonce: family.headNonce ?? "",
              },
            };
          case "reuse": {
            const revoked = revoke(family, input.now);
            return { write: revoked, result: { status: "reused", session: revoked.record } };
          }
          case "rotate": {
            const { successor } = input;
            const rotated: Family = {
              record: { ...family.record, generation: family.record.generation + 1, expiresAt: successor.expiresAt },
              headHash: successor.tokenHash,
              headNonce: successor.nonce,
              prevHash: family.headHash,
              prevUsedAt: input.now,
            };
            return { write: rotated, result: { status: "rotated", session: rotated.record } };
          }
        }
      });
      // Only the winner indexes its successor: a loser's successor stays unknown.
      if (outcome.status === "rotated") {
        await insertKey(kv, tokenKey(input.successor.tokenHash), {
          sessionId: token.sessionId,
          expiresAt: input.successor.expiresAt,
        });
      }
      return outcome;
    },

    async getRefreshSession(sessionId) {
      return updateKey<Family, RefreshSessionRecord | null>(kv, familyKey(sessionId), (f) => ({
        result: f?.record ?? null,
      }));
    },

    revokeRefreshSession: revokeOne,

    async revokeSubjectRefreshSessions(subject, at) {
      let revoked = 0;
      const ids = await updateKey<string[], string[]>(kv, subjectKey(subject), (list) => ({ result: list ?? [] }));
      for (const id of ids) {
        if (await revokeOne(id, at)) revoked++;
      }
      return revoked;
    },

    async deleteExpiredRefreshSessions(now) {
      const tokens = await deleteWhere<TokenIndex>(kv, "rs-token", (t) => t.expiresAt <= now);
      const families = await deleteWhere<Family>(kv, "rs-family", (f) => f.record.expiresAt <= now);
      return tokens + families;
    },
  };
}
