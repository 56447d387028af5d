/**
 * Server-side sessions in process memory, for tests, demos and single-process apps. Every method
 * runs to completion without awaiting, so each is atomic.
 */
import type {
  ServerSessionDeleteOthersInput,
  ServerSessionRecord,
  ServerSessionRekeyInput,
  ServerSessionStore,
  ServerSessionTouchInput,
} from "../../sessions/server-session-store.js";
import { deleteMatching, settled } from "./settled.js";

const live = (r: ServerSessionRecord, now: number): boolean => r.idleExpiresAt > now && r.absoluteExpiresAt > now;

/**
 * A {@link ServerSessionStore} in memory. Data lives as long as the returned object.
 *
 * @example
 * ```ts
 * import { createMemoryServerSessionStore } from "moatkit/adapters/memory";
 * const sessions = createServerSessions({ store: createMemoryServerSessionStore(), secrets: [cookieKey] });
 * ```
 */
export function createMemoryServerSessionStore(): ServerSessionStore {
  const records = new Map<string, ServerSessionRecord>();

  return {
    createServerSession(record: ServerSessionRecord): Promise<void> {
      return settled(() => {
        if (records.has(record.idHash)) throw new Error("duplicate server session");
        records.set(record.idHash, { ...record });
      });
    },

    getServerSession(idHash: string): Promise<ServerSessionRecord | null> {
      return settled(() => {
        const r = records.get(idHash);
        return r === undefined ? null : { ...r };
      });
    },

    touchServerSession(input: ServerSessionTouchInput): Promise<boolean> {
      return settled(() => {
        const r = records.get(input.idHash);
        if (r === undefined || !live(r, input.now)) return false;
        records.set(input.idHash, {
          ...r,
          lastSeenAt: input.now,
          idleExpiresAt: input.idleExpiresAt,
          ip: input.ip,
          userAgent: input.userAgent,
        });
        return true;
      });
    },

    rekeyServerSession(input: ServerSessionRekeyInput): Promise<ServerSessionRecord | null> {
      return settled(() => {
        const r = records.get(input.idHash);
        if (r === undefined || !live(r, input.now)) return null;
        if (records.has(input.newIdHash)) throw new Error("duplicate server session");
        const moved = {
          ...r,
          idHash: input.newIdHash,
          lastSeenAt: input.now,
          idleExpiresAt: input.idleExpiresAt,
          dataJson: input.dataJson,
        };
        records.delete(input.idHash);
        records.set(input.newIdHash, moved);
        return { ...moved };
      });
    },

    deleteServerSession(idHash: string): Promise<boolean> {
      return settled(() => records.delete(idHash));
    },

    listSubjectServerSessions(subject: string, now: number): Promise<ServerSessionRecord[]> {
      return settled(() =>
        [...records.values()]
          .filter((r) => r.subject === subject && live(r, now))
          .sort((a, b) => a.createdAt - b.createdAt)
          .map((r) => ({ ...r })),
      );
    },

    deleteSubjectServerSessions(subject: string): Promise<number> {
      return settled(() => deleteMatching(records, (r) => r.subject === subject));
    },

    deleteOtherServerSessions(input: ServerSessionDeleteOthersInput): Promise<number | null> {
      return settled(() => {
        const keep = records.get(input.keepIdHash);
        if (keep?.subject !== input.subject || !live(keep, input.now)) return null;
        return deleteMatching(records, (r) => r.subject === input.subject && r.idHash !== input.keepIdHash);
      });
    },

    deleteExpiredServerSessions(now: number): Promise<number> {
      return settled(() => deleteMatching(records, (r) => !live(r, now)));
    },
  };
}
