/**
 * Refresh sessions in process memory, for tests, demos and single-process apps. Every method
 * runs to completion without awaiting, so each is atomic with respect to the others.
 */
import { planRotation } from "../../sessions/rotation-plan.js";
import { deleteMatching, settled } from "./settled.js";
import type {
  NewRefreshSession,
  RefreshSessionRecord,
  RefreshSessionStore,
  RefreshTokenRotateInput,
  RefreshTokenRotateOutcome,
} from "../../sessions/refresh-session-store.js";

interface Family {
  record: RefreshSessionRecord;
  headHash: string;
  prevHash: string | null;
  prevUsedAt: number | null;
  prevNonce: string | null;
}

/**
 * A {@link RefreshSessionStore} in memory. Data lives as long as the returned object.
 *
 * @example
 * ```ts
 * import { createMemoryRefreshSessionStore } from "moatkit/adapters/memory";
 * const sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
 * ```
 */
export function createMemoryRefreshSessionStore(): RefreshSessionStore {
  const families = new Map<string, Family>();
  const tokens = new Map<string, { readonly sessionId: string; readonly expiresAt: number }>();
  const bySubject = new Map<string, Set<string>>();

  function revoke(family: Family, at: number): boolean {
    if (family.record.revokedAt !== null) return false;
    family.record = { ...family.record, revokedAt: at };
    return true;
  }

  return {
    createRefreshSession(session: NewRefreshSession): Promise<void> {
      return settled(() => {
        if (families.has(session.sessionId) || tokens.has(session.tokenHash))
          throw new Error("duplicate session or token");
        families.set(session.sessionId, {
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
          prevHash: null,
          prevUsedAt: null,
          prevNonce: null,
        });
        tokens.set(session.tokenHash, { sessionId: session.sessionId, expiresAt: session.expiresAt });
        const ids = bySubject.get(session.subject) ?? new Set<string>();
        ids.add(session.sessionId);
        bySubject.set(session.subject, ids);
      });
    },

    rotateRefreshToken(input: RefreshTokenRotateInput): Promise<RefreshTokenRotateOutcome> {
      return settled(() => {
        const token = tokens.get(input.tokenHash);
        const family = token === undefined ? undefined : families.get(token.sessionId);
        if (token === undefined || family === undefined) return { status: "not_found" };
        switch (
          planRotation({ ...family, revokedAt: family.record.revokedAt }, input.tokenHash, token.expiresAt, input)
        ) {
          case "expired":
            return { status: "expired" };
          case "revoked":
            return { status: "revoked", session: family.record };
          case "rotate": {
            const { successor } = input;
            family.prevHash = family.headHash;
            family.prevUsedAt = input.now;
            family.prevNonce = successor.nonce;
            family.headHash = successor.tokenHash;
            family.record = {
              ...family.record,
              generation: family.record.generation + 1,
              expiresAt: successor.expiresAt,
            };
            tokens.set(successor.tokenHash, { sessionId: family.record.sessionId, expiresAt: successor.expiresAt });
            return { status: "rotated", session: family.record };
          }
          case "overlap":
            return {
              status: "overlap",
              session: family.record,
              successorHash: family.headHash,
              successorNonce: family.prevNonce ?? "",
            };
          case "reuse":
            revoke(family, input.now);
            return { status: "reused", session: family.record };
        }
      });
    },

    getRefreshSession(sessionId: string): Promise<RefreshSessionRecord | null> {
      return settled(() => {
        return families.get(sessionId)?.record ?? null;
      });
    },

    revokeRefreshSession(sessionId: string, at: number): Promise<boolean> {
      return settled(() => {
        const family = families.get(sessionId);
        return family === undefined ? false : revoke(family, at);
      });
    },

    revokeSubjectRefreshSessions(subject: string, at: number): Promise<number> {
      return settled(() => {
        let count = 0;
        for (const id of bySubject.get(subject) ?? []) {
          const family = families.get(id);
          if (family !== undefined && revoke(family, at)) count++;
        }
        return count;
      });
    },

    deleteExpiredRefreshSessions(now: number): Promise<number> {
      return settled(() => {
        const expiredTokens = deleteMatching(tokens, (token) => token.expiresAt <= now);
        const expiredSessions = deleteMatching(families, (family) => {
          if (family.record.expiresAt > now) return false;
          bySubject.get(family.record.subject)?.delete(family.record.sessionId);
          return true;
        });
        return expiredTokens + expiredSessions;
      });
    },
  };
}
