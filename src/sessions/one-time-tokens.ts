/**
 * One-time tokens for password resets, email verification and magic links: 256-bit random,
 * base64url, stored as SHA-256 with their purpose, valid for a short time and exactly once.
 */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { durationSchema } from "../_internal/duration.js";
import type { Duration } from "../_internal/duration.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, systemClock, systemRandom } from "../_internal/runtime.js";
import { Secret } from "../_internal/secret.js";
import { storeSchema, wrapStore } from "../_internal/store.js";
import type { Result } from "../errors.js";
import { ONE_TIME_TOKEN_STORE_METHODS, type OneTimeTokenStore } from "./one-time-token-store.js";
import { hashOpaqueToken, newOpaqueToken, readOpaqueToken } from "./opaque-token.js";
import { requireIdentifier } from "../_internal/identifier.js";

/** A freshly issued one-time token. */
export interface IssuedOneTimeToken {
  /** The token (43 base64url characters); `reveal()` it only to put it in the link you send. */
  readonly token: Secret<string>;
  /** When it stops working (ms since the epoch). */
  readonly expiresAt: number;
}

/** Why a one-time token was refused. */
export type OneTimeTokenFailureReason = "invalid" | "expired" | "used";

/** The result of {@link OneTimeTokens.consume}. */
export type OneTimeTokenConsumeResult = Result<
  {
    /** Who the token was issued for. */
    readonly subject: string;
  },
  OneTimeTokenFailureReason
>;

/** One-time tokens of one purpose. Create with {@link createOneTimeTokens}. */
export interface OneTimeTokens {
  /** The purpose these tokens are bound to. */
  readonly purpose: string;
  /**
   * Issues a token for `subject`.
   *
   * @throws MoatError ERR_INVALID_INPUT for an empty or over-long subject; ERR_STORE when the store fails.
   */
  issue(subject: string): Promise<IssuedOneTimeToken>;
  /**
   * Consumes a token: the first call with a valid token gets the subject, every later one
   * `used`, even when they race.
   *
   * @throws MoatError ERR_INVALID_INPUT when the token is not a string; ERR_STORE when the store fails.
   */
  consume(token: string | Secret<string>): Promise<OneTimeTokenConsumeResult>;
  /** Invalidates every outstanding token of `subject` for this purpose (e.g. after a password change). */
  revokeAll(subject: string): Promise<number>;
  /** Removes expired tokens from the store; returns how many went. */
  deleteExpired(): Promise<number>;
}

/** Options for {@link createOneTimeTokens}. */
export interface OneTimeTokensOptions {
  /** Where tokens live. */
  readonly store: OneTimeTokenStore;
  /** What the tokens are for: 1–64 of `a-z A-Z 0-9 . _ -`, e.g. `"password-reset"`. */
  readonly purpose: string;
  /** Lifetime; default `"2h"`. */
  readonly ttl?: Duration;
  /** Clock; default `Date.now`. */
  readonly now?: Clock;
  /** Randomness; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
}

const STORE = "oneTimeTokens";

const optionsSchema = z.strictObject({
  store: storeSchema<OneTimeTokenStore>(ONE_TIME_TOKEN_STORE_METHODS),
  purpose: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  ttl: durationSchema.default(2 * 3_600_000),
  now: functionSchema<Clock>().default(() => systemClock),
  random: functionSchema<RandomSource>().default(() => systemRandom),
});

function requireSubject(subject: unknown): string {
  return requireIdentifier(subject, "subject");
}

/**
 * Creates one-time tokens for one purpose.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * const resets = createOneTimeTokens({ store, purpose: "password-reset" }); // 2 h, single use
 * const { token } = await resets.issue(user.id);
 * await mail.send(user.email, `https://app.example.com/reset?token=${token.reveal()}`);
 * // later, in the reset handler:
 * const result = await resets.consume(req.body.token);
 * if (!result.ok) return res.status(400).json({ error: result.reason });
 * ```
 */
export function createOneTimeTokens(options: OneTimeTokensOptions): OneTimeTokens {
  const opts = parseOptions(optionsSchema, options, "createOneTimeTokens options");
  const { purpose, ttl, now, random } = opts;
  const store = wrapStore(STORE, opts.store, ONE_TIME_TOKEN_STORE_METHODS);

  return Object.freeze({
    purpose,
    async issue(subject: string): Promise<IssuedOneTimeToken> {
      const sub = requireSubject(subject);
      const token = newOpaqueToken(random);
      const createdAt = now();
      const expiresAt = createdAt + ttl;
      await store.createOneTimeToken({
        tokenHash: hashOpaqueToken(token),
        purpose,
        subject: sub,
        createdAt,
        expiresAt,
      });
      return { token: new Secret(token), expiresAt };
    },
    async consume(token: string | Secret<string>): Promise<OneTimeTokenConsumeResult> {
      const presented = readOpaqueToken(token, "one-time token");
      if (presented === undefined) return { ok: false, reason: "invalid" };
      const outcome = await store.consumeOneTimeToken({ tokenHash: hashOpaqueToken(presented), purpose, now: now() });
      switch (outcome.status) {
        case "consumed":
          return { ok: true, subject: outcome.subject };
        case "used":
          return { ok: false, reason: "used" };
        case "expired":
          return { ok: false, reason: "expired" };
        case "not_found":
          return { ok: false, reason: "invalid" };
      }
    },
    async revokeAll(subject: string): Promise<number> {
      const sub = requireSubject(subject);
      return store.deleteSubjectOneTimeTokens(purpose, sub);
    },
    async deleteExpired(): Promise<number> {
      return store.deleteExpiredOneTimeTokens(now());
    },
  });
}
