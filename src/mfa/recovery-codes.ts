/**
 * Single-use recovery codes, stored as NIST 800-63B wants look-up secrets: salted and hashed
 * (bcrypt), never encrypted. Each code also gets a short keyed selector, so a redemption looks
 * up one entry and runs exactly one bcrypt compare — against that entry, or against a dummy
 * hash when no entry matches — whatever the number of codes, and whether or not the user exists.
 */
import { z } from "zod";
import {
  DEFAULT_BCRYPT_COST,
  bcryptCostSchema,
  bcryptSalt,
  bcryptWorkers,
  parseBcryptHash,
} from "../_internal/bcrypt-pool.js";
import { lazyDummyHash } from "../_internal/dummy-hash.js";
import { toBytes } from "../_internal/encoding.js";
import { hmacSha256Hex } from "../_internal/hash.js";
import { parseInput, parseOptions } from "../_internal/options.js";
import { type RandomSource, systemRandom } from "../_internal/runtime.js";
import { Secret } from "../_internal/secret.js";
import { storeSchema, wrapStore } from "../_internal/store.js";
import { MoatError, type Result } from "../errors.js";
import { formatRecoveryCode, normalizeRecoveryCode, randomRecoveryCode } from "./recovery-code-format.js";
import { RECOVERY_CODE_STORE_METHODS, type RecoveryCodeEntry, type RecoveryCodeStore } from "./store.js";
import { identifierSchema } from "../_internal/identifier.js";

/** Options for {@link createRecoveryCodes}. */
export interface RecoveryCodesOptions {
  /** Where each user's unused codes are kept. */
  readonly store: RecoveryCodeStore;
  /** Codes per set, 1–50. Default 10. */
  readonly count?: number;
  /** bcrypt cost of each code's hash, 4–20. Default 12. */
  readonly cost?: number;
  /**
   * A server-side key (at least 32 bytes) for the selectors, kept outside the database. With it,
   * a stolen table reveals nothing about a code short of breaking bcrypt. Without it the
   * selector is an unkeyed 16-bit digest, so a stolen table narrows each code from 50 to 34 bits
   * before the attacker has to start on bcrypt.
   */
  readonly selectorKey?: string | Uint8Array;
  /** CSPRNG for codes and salts; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
}

/** Why a recovery code was refused. */
export type RecoveryCodeFailureReason = "malformed" | "invalid";

/** The result of {@link RecoveryCodes.redeem}. */
export type RecoveryCodeRedeemResult = Result<
  {
    /** Unused codes the user has left after this one. */
    readonly remaining: number;
  },
  RecoveryCodeFailureReason
>;

/** A recovery-code manager made by {@link createRecoveryCodes}. */
export interface RecoveryCodes {
  /**
   * A new set of codes (`XXXXX-XXXXX`) for the user, replacing any previous set atomically.
   * Show them once; only their hashes are stored.
   */
  generate(userId: string): Promise<Secret<readonly string[]>>;
  /**
   * Uses up one code. Input is normalized (case, dashes, spaces, O→0, I/L→1). `malformed`: it
   * cannot be a code (no bcrypt work is done); `invalid`: not an unused code of this user,
   * including a code someone else redeemed a moment earlier. Exactly one bcrypt compare runs for
   * every well-formed input, and of N concurrent redemptions of one code exactly one succeeds.
   * The compare is queued under the user's key, so a flood of guesses at one account fails with
   * MoatError ERR_OVERLOADED beyond its share of the bcrypt queue (see configurePasswordWorkers)
   * rather than delaying everyone else's logins.
   */
  redeem(userId: string, code: string): Promise<RecoveryCodeRedeemResult>;
  /** How many unused codes the user has. */
  remaining(userId: string): Promise<number>;
  /** Removes all of the user's codes (for example when they turn MFA off). */
  clear(userId: string): Promise<void>;
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", { message: "expected a function" });

const optionsSchema = z.strictObject({
  store: storeSchema<RecoveryCodeStore>(RECOVERY_CODE_STORE_METHODS),
  count: z.number().int().min(1).max(50).default(10),
  cost: bcryptCostSchema.default(DEFAULT_BCRYPT_COST),
  selectorKey: z
    .union([z.string(), z.instanceof(Uint8Array)])
    .refine((k) => toBytes(k).length >= 32, { message: "selectorKey must be at least 32 bytes" })
    .optional(),
  random: fn.optional(),
});

const userIdSchema = identifierSchema;

// Public, so an unkeyed selector is still specific to moatkit's recovery codes.
const DEFAULT_SELECTOR_KEY = "moatkit/mfa/recovery-code-selector/v1";

// 16 bits: enough to tell a user's codes apart (collisions are redrawn at generation), few
// enough that the selector alone never identifies a code.
const SELECTOR_HEX_CHARS = 4;

// A generator that keeps producing colliding codes is not random; stop rather than spin.
const MAX_DRAWS_PER_CODE = 64;

const INVALID = Object.freeze({ ok: false, reason: "invalid" } as const);
const MALFORMED = Object.freeze({ ok: false, reason: "malformed" } as const);

function requireUserId(userId: unknown): string {
  return parseInput(userIdSchema, userId, "userId");
}

/**
 * Creates a recovery-code manager.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createRecoveryCodes } from "moatkit/mfa";
 * import { createMemoryRecoveryCodeStore } from "moatkit/adapters/memory";
 * const recovery = createRecoveryCodes({ store: createMemoryRecoveryCodeStore(), selectorKey });
 * const codes = await recovery.generate("u1"); // show codes.reveal() once
 * const result = await recovery.redeem("u1", "abcde-fghjk");
 * if (result.ok) console.log(`${result.remaining} codes left`);
 * ```
 */
export function createRecoveryCodes(options: RecoveryCodesOptions): RecoveryCodes {
  const opts = parseOptions(optionsSchema, options, "createRecoveryCodes options");
  const { count, cost, selectorKey } = opts;
  const store = wrapStore("recoveryCodes", opts.store, RECOVERY_CODE_STORE_METHODS);
  const random = options.random ?? systemRandom;
  const key = selectorKey === undefined ? DEFAULT_SELECTOR_KEY : toBytes(selectorKey);

  // The hash compared against when no entry matches; made now, in the background.
  const dummyHash = lazyDummyHash(cost);

  // The code is always the last 10 characters, so `userId:code` is unambiguous.
  const selectorOf = (userId: string, code: string): string =>
    hmacSha256Hex(key, `${userId}:${code}`).slice(0, SELECTOR_HEX_CHARS);

  return {
    async generate(userId) {
      const id = requireUserId(userId);
      const codes: string[] = [];
      const selectors: string[] = [];
      for (let draws = 0; codes.length < count; draws++) {
        if (draws >= count * MAX_DRAWS_PER_CODE) {
          throw new MoatError("ERR_CONFIG", { message: "the random source keeps repeating itself" });
        }
        const code = randomRecoveryCode(random);
        const selector = selectorOf(id, code);
        if (selectors.includes(selector)) continue;
        codes.push(code);
        selectors.push(selector);
      }
      const entries: RecoveryCodeEntry[] = await Promise.all(
        codes.map(async (code, i) => ({
          selector: selectors[i] ?? "",
          hash: await bcryptWorkers.hash(code, bcryptSalt(cost, random)),
        })),
      );
      await store.replaceRecoveryCodes(id, entries);
      return new Secret(Object.freeze(codes.map(formatRecoveryCode)));
    },

    async redeem(userId, code) {
      const id = requireUserId(userId);
      if (typeof code !== "string") {
        throw new MoatError("ERR_INVALID_INPUT", { message: "recovery code must be a string" });
      }
      const normalized = normalizeRecoveryCode(code);
      if (normalized === null) return MALFORMED;

      const selector = selectorOf(id, normalized);
      const stored: unknown = await store.findRecoveryCode(id, selector);
      if (stored !== null && parseBcryptHash(stored) === null) {
        throw new MoatError("ERR_STORE", {
          message: "recoveryCodes store returned something that is not a bcrypt hash",
        });
      }
      const hash = typeof stored === "string" ? stored : null;
      // Exactly one compare either way, so timing does not say whether the selector matched. It
      // waits in the bcrypt queue under the user's key: guesses at one account take turns with
      // everyone else's work instead of queueing in front of it.
      const matches = await bcryptWorkers.compare(normalized, hash ?? (await dummyHash()), { key: `user:${id}` });
      if (hash === null || !matches) return INVALID;

      const remaining: unknown = await store.consumeRecoveryCode(id, selector, hash);
      if (remaining === null) return INVALID;
      if (typeof remaining !== "number" || !Number.isSafeInteger(remaining) || remaining < 0) {
        throw new MoatError("ERR_STORE", { message: "recoveryCodes store returned an invalid remaining count" });
      }
      return { ok: true, remaining };
    },

    async remaining(userId) {
      const id = requireUserId(userId);
      const n: unknown = await store.countRecoveryCodes(id);
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        throw new MoatError("ERR_STORE", { message: "recoveryCodes store returned an invalid count" });
      }
      return n;
    },

    async clear(userId) {
      const id = requireUserId(userId);
      await store.replaceRecoveryCodes(id, []);
    },
  };
}
