/** Stores that read, then write back without a condition, so concurrent writers overwrite each other. */
import { createMemoryDataKeyStore, createMemoryTotpStepStore } from "../../../src/adapters/memory/index.js";
import type { DataKeyStore } from "../../../src/crypto/index.js";
import type { TotpStepStore } from "../../../src/mfa/index.js";
import type { OneTimeTokenRecord, OneTimeTokenStore } from "../../../src/sessions/index.js";
import type { RateLimitStore, RateLimitWindow } from "../../../src/ratelimit/index.js";
import { requireTotpStep } from "../../../src/stores/index.js";
import { nextTurn } from "./turn.js";

/** TOTP: `SELECT last_step`, then an unconditional `UPDATE`; every racer with a new step wins. */
export function createCheckThenSetTotpStore(): TotpStepStore {
  const inner = createMemoryTotpStepStore();
  return {
    ...inner,
    async advanceTotpStep(userId, step) {
      requireTotpStep(step);
      const last = await inner.getLastTotpStep(userId);
      if (last !== null && step <= last) return false;
      await nextTurn();
      await inner.advanceTotpStep(userId, step);
      return true;
    },
  };
}

/** One-time tokens: `SELECT used_at`, then `UPDATE … SET used_at` without `WHERE used_at IS NULL`. */
export function createCheckThenSetOneTimeTokenStore(): OneTimeTokenStore {
  const records = new Map<string, OneTimeTokenRecord & { usedAt: number | null }>();
  const deleteWhere = (matches: (r: OneTimeTokenRecord) => boolean): number => {
    let n = 0;
    for (const [hash, r] of records) if (matches(r) && records.delete(hash)) n++;
    return n;
  };
  return {
    async createOneTimeToken(record) {
      if (records.has(record.tokenHash)) throw new Error("duplicate token");
      records.set(record.tokenHash, { ...record, usedAt: null });
      await nextTurn();
    },
    async consumeOneTimeToken(input) {
      const record = records.get(input.tokenHash);
      if (record?.purpose !== input.purpose) return { status: "not_found" };
      if (record.usedAt !== null) return { status: "used" };
      if (record.expiresAt <= input.now) return { status: "expired" };
      await nextTurn();
      record.usedAt = input.now;
      return { status: "consumed", subject: record.subject };
    },
    async deleteSubjectOneTimeTokens(purpose, subject) {
      await nextTurn();
      return deleteWhere((r) => r.purpose === purpose && r.subject === subject);
    },
    async deleteExpiredOneTimeTokens(now) {
      await nextTurn();
      return deleteWhere((r) => r.expiresAt <= now);
    },
  };
}

/** Rate limits: read the window, add the points in the application, write the window back. */
export function createReadModifyWriteRateLimitStore(): RateLimitStore {
  const windows = new Map<string, RateLimitWindow>();
  return {
    async consumeRateLimitPoints({ key, points, limit, windowMs, blockMs, now }) {
      const read = windows.get(key);
      await nextTurn();
      const open = read === undefined || read.resetAt <= now ? { consumed: 0, resetAt: now + windowMs } : read;
      const consumed = open.consumed + points;
      const blocked = blockMs > 0 && open.consumed <= limit && consumed > limit;
      const next = { consumed, resetAt: blocked ? now + blockMs : open.resetAt };
      windows.set(key, next);
      return next;
    },
    async resetRateLimit(key) {
      windows.delete(key);
      await nextTurn();
    },
  };
}

/**
 * Data keys: "set current" reads the current key and swaps against what it read, instead of
 * against what the caller expected; concurrent rotations all succeed, the last one wins.
 */
export function createLastWriterWinsDataKeyStore(): DataKeyStore {
  const inner = createMemoryDataKeyStore();
  return {
    ...inner,
    async setCurrentDataKey(record, expectedCurrentId) {
      const current = await inner.getCurrentDataKey(record.scope);
      await nextTurn();
      if (current !== null && expectedCurrentId === null) return { created: false, current };
      return inner.setCurrentDataKey(record, (await inner.getCurrentDataKey(record.scope))?.id ?? null);
    },
  };
}
