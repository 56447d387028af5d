/**
 * One-time tokens in process memory, for tests, demos and single-process apps. Every method
 * runs to completion without awaiting, so consuming is atomic.
 */
import type {
  OneTimeTokenConsumeInput,
  OneTimeTokenConsumeOutcome,
  OneTimeTokenRecord,
  OneTimeTokenStore,
} from "../../sessions/one-time-token-store.js";
import { deleteMatching, settled } from "./settled.js";

/**
 * A {@link OneTimeTokenStore} in memory. Data lives as long as the returned object.
 *
 * @example
 * ```ts
 * import { createMemoryOneTimeTokenStore } from "moatkit/adapters/memory";
 * const resets = createOneTimeTokens({ store: createMemoryOneTimeTokenStore(), purpose: "password-reset" });
 * ```
 */
export function createMemoryOneTimeTokenStore(): OneTimeTokenStore {
  const records = new Map<string, OneTimeTokenRecord & { usedAt: number | null }>();

  return {
    createOneTimeToken(record: OneTimeTokenRecord): Promise<void> {
      return settled(() => {
        if (records.has(record.tokenHash)) throw new Error("duplicate one-time token");
        records.set(record.tokenHash, { ...record, usedAt: null });
      });
    },

    consumeOneTimeToken(input: OneTimeTokenConsumeInput): Promise<OneTimeTokenConsumeOutcome> {
      return settled(() => {
        const record = records.get(input.tokenHash);
        if (record?.purpose !== input.purpose) return { status: "not_found" };
        if (record.usedAt !== null) return { status: "used" };
        if (record.expiresAt <= input.now) return { status: "expired" };
        record.usedAt = input.now;
        return { status: "consumed", subject: record.subject };
      });
    },

    deleteSubjectOneTimeTokens(purpose: string, subject: string): Promise<number> {
      return settled(() => deleteMatching(records, (r) => r.purpose === purpose && r.subject === subject));
    },

    deleteExpiredOneTimeTokens(now: number): Promise<number> {
      return settled(() => deleteMatching(records, (r) => r.expiresAt <= now));
    },
  };
}
