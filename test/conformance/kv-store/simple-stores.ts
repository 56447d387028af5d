/**
 * TOTP steps, recovery codes, one-time tokens and rate limits over a compare-and-set key-value
 * engine, written from docs/writing-a-store.md: one record per key, each check-and-consume a
 * single {@link updateKey} that decides from the read its write is conditioned on.
 */
import {
  type OneTimeTokenStore,
  type RateLimitStore,
  type RateLimitWindow,
  type RecoveryCodeStore,
  type TotpStepStore,
  nextRateLimitWindow,
  requireTotpStep,
} from "../../../src/stores/index.js";
import type { CasKv } from "./cas-kv.js";
import { deleteWhere, insertKey, kvKey, updateKey } from "./kv-helpers.js";

export function createKvTotpStepStore(kv: CasKv): TotpStepStore {
  return {
    async advanceTotpStep(userId, step) {
      requireTotpStep(step);
      return updateKey<{ last: number }, boolean>(kv, kvKey("totp", userId), (current) =>
        current !== null && step <= current.last ? { result: false } : { write: { last: step }, result: true },
      );
    },
    async getLastTotpStep(userId) {
      return updateKey<{ last: number }, number | null>(kv, kvKey("totp", userId), (c) => ({
        result: c?.last ?? null,
      }));
    },
  };
}

/** One record per user: selector → hash. Replacing the set is one write, so no reader sees a mix. */
type CodeSet = Record<string, string>;

export function createKvRecoveryCodeStore(kv: CasKv): RecoveryCodeStore {
  return {
    async replaceRecoveryCodes(userId, entries) {
      const set: CodeSet = {};
      for (const e of entries) set[e.selector] = e.hash;
      await updateKey<CodeSet, null>(kv, kvKey("rc", userId), () => ({
        write: entries.length === 0 ? null : set,
        result: null,
      }));
    },
    async findRecoveryCode(userId, selector) {
      return updateKey<CodeSet, string | null>(kv, kvKey("rc", userId), (set) => ({
        result: set !== null && Object.hasOwn(set, selector) ? (set[selector] ?? null) : null,
      }));
    },
    async consumeRecoveryCode(userId, selector, hash) {
      return updateKey<CodeSet, number | null>(kv, kvKey("rc", userId), (set) => {
        if (set === null || !Object.hasOwn(set, selector) || set[selector] !== hash) return { result: null };
        const rest = Object.fromEntries(Object.entries(set).filter(([s]) => s !== selector));
        return { write: rest, result: Object.keys(rest).length };
      });
    },
    async countRecoveryCodes(userId) {
      return updateKey<CodeSet, number>(kv, kvKey("rc", userId), (set) => ({
        result: set === null ? 0 : Object.keys(set).length,
      }));
    },
  };
}

interface TokenRecord {
  purpose: string;
  subject: string;
  expiresAt: number;
  usedAt: number | null;
}

export function createKvOneTimeTokenStore(kv: CasKv): OneTimeTokenStore {
  return {
    async createOneTimeToken(record) {
      const value: TokenRecord = {
        purpose: record.purpose,
        subject: record.subject,
        expiresAt: record.expiresAt,
        usedAt: null,
      };
      await insertKey(kv, kvKey("ott", record.tokenHash), value);
    },
    async consumeOneTimeToken({ tokenHash, purpose, now }) {
      return updateKey<TokenRecord, Awaited<ReturnType<OneTimeTokenStore["consumeOneTimeToken"]>>>(
        kv,
        kvKey("ott", tokenHash),
        (token) => {
          if (token?.purpose !== purpose) return { result: { status: "not_found" } };
          if (token.usedAt !== null) return { result: { status: "used" } };
          if (token.expiresAt <= now) return { result: { status: "expired" } };
          return { write: { ...token, usedAt: now }, result: { status: "consumed", subject: token.subject } };
        },
      );
    },
    async deleteSubjectOneTimeTokens(purpose, subject) {
      return deleteWhere<TokenRecord>(kv, "ott", (t) => t.purpose === purpose && t.subject === subject);
    },
    async deleteExpiredOneTimeTokens(now) {
      return deleteWhere<TokenRecord>(kv, "ott", (t) => t.expiresAt <= now);
    },
  };
}

export function createKvRateLimitStore(kv: CasKv): RateLimitStore {
  return {
    async consumeRateLimitPoints(input) {
      return updateKey<RateLimitWindow, RateLimitWindow>(kv, kvKey("rl", input.key), (held) => {
        const next = nextRateLimitWindow(held, input);
        return { write: next, result: next };
      });
    },
    async resetRateLimit(key) {
      await updateKey<RateLimitWindow, null>(kv, kvKey("rl", key), (held) =>
        held === null ? { result: null } : { write: null, result: null },
      );
    },
  };
}
