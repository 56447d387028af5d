/**
 * Refresh sessions with rotation and reuse detection (OAuth 2.0 Security BCP §4.14, Auth0's
 * refresh-token rotation). Each refresh consumes the presented refresh token atomically and
 * returns a new access/refresh pair; presenting an already-used refresh token revokes the whole
 * family, so a stolen token stops working for both the thief and the victim.
 *
 * Concurrent refreshes (two tabs, a retried request) would trip reuse detection under strict
 * rotation and log users out. For a short overlap after each rotation the token just consumed
 * is accepted again and answered with the successor already issued — the same refresh token,
 * not a new family member. Only that one token, only inside the window; anything older is
 * reuse.
 */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { canonicalJson } from "../_internal/canonical-json.js";
import { constantTimeEqualString } from "../_internal/ct-compare.js";
import { durationSchema } from "../_internal/duration.js";
import type { Duration } from "../_internal/duration.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, randomToken, systemRandom } from "../_internal/runtime.js";
import { Secret } from "../_internal/secret.js";
import { storeSchema, wrapStore } from "../_internal/store.js";
import { MoatError, type Result } from "../errors.js";
import type { TokenFailureReason } from "./jose-errors.js";
import { deriveSuccessorToken, hashOpaqueToken, newOpaqueToken, readOpaqueToken } from "./opaque-token.js";
import {
  REFRESH_SESSION_STORE_METHODS,
  type RefreshSessionRecord,
  type RefreshSessionStore,
} from "./refresh-session-store.js";
import { type AccessTokenClaims, type TokenClaimsInput, type Tokens, tokensInternals } from "./tokens.js";
import { requireIdentifier } from "../_internal/identifier.js";

/** An access token and a refresh token, as handed to the client. */
export interface SessionTokens {
  /** The session id (the access token's `sid`). */
  readonly sessionId: string;
  /** A signed access token (JWT). */
  readonly accessToken: string;
  /** When the access token expires (ms since the epoch). */
  readonly accessTokenExpiresAt: number;
  /** The opaque refresh token; `reveal()` it only to send it to the client. */
  readonly refreshToken: Secret<string>;
  /** When the refresh token expires (ms since the epoch). */
  readonly refreshTokenExpiresAt: number;
}

/** Why a refresh was refused. */
export type RefreshFailureReason = "invalid" | "expired" | "revoked" | "reused";

/** The result of {@link Sessions.refresh}. */
export type SessionRefreshResult = Result<SessionTokens, RefreshFailureReason>;

/** The result of {@link Sessions.verify}. */
export type SessionVerifyResult = Result<
  {
    /** The verified claims, `sid` included. */
    readonly claims: AccessTokenClaims;
    /** The id of the key that verified the token. */
    readonly kid: string;
  },
  TokenFailureReason
>;

/** What {@link SessionsOptions.onReuse} is told. */
export interface ReuseEvent {
  /** The revoked session. */
  readonly sessionId: string;
  /** Its user. */
  readonly subject: string;
}

/** Refresh sessions. Create with {@link createSessions}. */
export interface Sessions {
  /**
   * Starts a session for `subject` and returns its first token pair.
   *
   * @throws MoatError ERR_INVALID_INPUT for an empty subject or claims `tokens.sign` refuses
   *   (or that set `sub`/`sid`); ERR_STORE when the store fails.
   */
  start(subject: string, claims?: TokenClaimsInput): Promise<SessionTokens>;
  /**
   * Exchanges a refresh token for a new pair, consuming it. A token already used (outside the
   * overlap window) revokes the session and answers `reused`.
   *
   * @throws MoatError ERR_INVALID_INPUT when the token is not a string; ERR_STORE when the store fails.
   */
  refresh(refreshToken: string | Secret<string>): Promise<SessionRefreshResult>;
  /**
   * Verifies an access token and checks that its session is still live, so a revoked session's
   * access tokens stop working at once (not only when they expire). One store read per call.
   */
  verify(accessToken: string): Promise<SessionVerifyResult>;
  /**
   * Revokes one session; `true` if it was live. Also drops the tokens' cached `revalidate`
   * verdicts for it, on every instance when the tokens have an `invalidation` channel.
   *
   * @throws MoatError ERR_STORE when the store fails, or when the channel fails to announce
   *   it (the session is revoked by then).
   */
  revoke(sessionId: string): Promise<boolean>;
  /** Revokes every session of a subject (sign out everywhere); returns how many. Announces it like {@link Sessions.revoke}. */
  revokeAll(subject: string): Promise<number>;
  /** Removes expired sessions and tokens from the store; returns how many records went. */
  deleteExpired(): Promise<number>;
}

/** Options for {@link createSessions}. */
export interface SessionsOptions {
  /** Issues the access tokens; from {@link createTokens}. */
  readonly tokens: Tokens;
  /** Where sessions live. */
  readonly store: RefreshSessionStore;
  /** Lifetime of each refresh token, renewed on every refresh; default `"30d"`. */
  readonly refreshTtl?: Duration;
  /**
   * How long after a refresh the refresh token it consumed is still accepted (answered with
   * the same successor); default `"5s"`. `0` makes rotation strict: any second use is reuse.
   */
  readonly overlap?: Duration;
  /** Called when reuse revokes a session (alert, audit log). Awaited; its errors propagate. */
  readonly onReuse?: (event: ReuseEvent) => void | Promise<void>;
  /** Clock; default: the tokens' clock. */
  readonly now?: Clock;
  /** Randomness for tokens and ids; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
}

const MAX_SESSION_ID_LENGTH = 128;
const STORE = "refreshSessions";

const optionsSchema = z.strictObject({
  tokens: z.custom<Tokens>((v) => typeof v === "object" && v !== null, "expected tokens from createTokens"),
  store: storeSchema<RefreshSessionStore>(REFRESH_SESSION_STORE_METHODS),
  refreshTtl: durationSchema.default(30 * 86_400_000),
  overlap: z.union([z.literal(0), durationSchema]).default(5_000),
  onReuse: functionSchema<NonNullable<SessionsOptions["onReuse"]>>().optional(),
  now: functionSchema<Clock>().optional(),
  random: functionSchema<RandomSource>().default(() => systemRandom),
});

function requireText(value: unknown, what: string, max: number): string {
  if (typeof value !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: `${what} must be a string` });
  if (value.length === 0 || value.length > max) {
    throw new MoatError("ERR_INVALID_INPUT", { message: `${what} must be 1–${String(max)} characters` });
  }
  return value;
}

function parseStoredClaims(json: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new MoatError("ERR_INTEGRITY", { message: "a stored session has corrupt claims" });
  }
  return { ...parsed };
}

/**
 * Creates refresh sessions over access tokens and a store.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * const sessions = createSessions({ tokens, store: createPostgresRefreshSessionStore({ client }) });
 * const pair = await sessions.start("user_42", { org: "org_7" });
 * const next = await sessions.refresh(req.body.refresh_token);
 * if (!next.ok) return res.status(401).json({ error: next.reason }); // "reused" → alert the user
 * ```
 */
export function createSessions(options: SessionsOptions): Sessions {
  const opts = parseOptions(optionsSchema, options, "createSessions options");
  const { tokens, refreshTtl, overlap, onReuse, random } = opts;
  const store = wrapStore(STORE, opts.store, REFRESH_SESSION_STORE_METHODS);
  const issuer = tokensInternals(tokens);
  if (issuer.verifyOnly) {
    throw new MoatError("ERR_CONFIG", { message: "createSessions needs tokens that can sign, not a remote key set" });
  }
  const now = opts.now ?? issuer.now;

  async function accessPair(
    session: RefreshSessionRecord,
    refreshToken: string,
    refreshTokenExpiresAt: number,
  ): Promise<SessionTokens> {
    const claims = { ...parseStoredClaims(session.claimsJson), sub: session.subject, sid: session.sessionId };
    const access = await issuer.issue(claims);
    return {
      sessionId: session.sessionId,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: new Secret(refreshToken),
      refreshTokenExpiresAt,
    };
  }

  return Object.freeze({
    async start(subject: string, claims: TokenClaimsInput = {}): Promise<SessionTokens> {
      const sub = requireIdentifier(subject, "subject");
      const given: unknown = claims;
      if (typeof given !== "object" || given === null || "sub" in given || "sid" in given) {
        throw new MoatError("ERR_INVALID_INPUT", {
          message: 'session claims must be an object without "sub" or "sid"',
        });
      }
      const createdAt = now();
      const sessionId = randomToken(random, 16);
      const refreshToken = newOpaqueToken(random);
      const expiresAt = createdAt + refreshTtl;
      const session: RefreshSessionRecord = {
        sessionId,
        subject: sub,
        claimsJson: canonicalJson(claims),
        createdAt,
        revokedAt: null,
        generation: 1,
        expiresAt,
      };
      // Signing first validates the claims before anything is written.
      const pair = await accessPair(session, refreshToken, expiresAt);
      await store.createRefreshSession({
        sessionId,
        subject: sub,
        claimsJson: session.claimsJson,
        createdAt,
        tokenHash: hashOpaqueToken(refreshToken),
        expiresAt,
      });
      return pair;
    },

    async refresh(refreshToken: string | Secret<string>): Promise<SessionRefreshResult> {
      const presented = readOpaqueToken(refreshToken, "refresh token");
      if (presented === undefined) return { ok: false, reason: "invalid" };
      const at = now();
      const nonce = randomToken(random, 32);
      const successor = deriveSuccessorToken(presented, nonce);
      const successorExpiresAt = at + refreshTtl;
      const outcome = await store.rotateRefreshToken({
        tokenHash: hashOpaqueToken(presented),
        now: at,
        overlapMs: overlap,
        successor: { tokenHash: hashOpaqueToken(successor), nonce, expiresAt: successorExpiresAt },
      });
      switch (outcome.status) {
        case "rotated":
          return { ok: true, ...(await accessPair(outcome.session, successor, outcome.session.expiresAt)) };
        case "overlap": {
          const again = deriveSuccessorToken(presented, outcome.successorNonce);
          if (!constantTimeEqualString(hashOpaqueToken(again), outcome.successorHash)) {
            throw new MoatError("ERR_INTEGRITY", { message: "a stored refresh session does not match its successor" });
          }
          return { ok: true, ...(await accessPair(outcome.session, again, outcome.session.expiresAt)) };
        }
        case "reused":
          await tokens.forget({ sessionId: outcome.session.sessionId });
          await onReuse?.({ sessionId: outcome.session.sessionId, subject: outcome.session.subject });
          return { ok: false, reason: "reused" };
        case "revoked":
          return { ok: false, reason: "revoked" };
        case "expired":
          return { ok: false, reason: "expired" };
        case "not_found":
          return { ok: false, reason: "invalid" };
      }
    },

    async verify(accessToken: string): Promise<SessionVerifyResult> {
      const verified = await tokens.verify(accessToken);
      if (!verified.ok) return verified;
      const { sid, sub } = verified.claims;
      if (typeof sid !== "string" || sid.length > MAX_SESSION_ID_LENGTH) return { ok: false, reason: "revoked" };
      const session = await store.getRefreshSession(sid);
      if (session === null || session.revokedAt !== null || session.subject !== sub)
        return { ok: false, reason: "revoked" };
      return verified;
    },

    async revoke(sessionId: string): Promise<boolean> {
      const id = requireText(sessionId, "sessionId", MAX_SESSION_ID_LENGTH);
      const revoked = await store.revokeRefreshSession(id, now());
      // Cached revalidate verdicts for the session go here and, with a channel, everywhere.
      await tokens.forget({ sessionId: id });
      return revoked;
    },

    async revokeAll(subject: string): Promise<number> {
      const sub = requireIdentifier(subject, "subject");
      const count = await store.revokeSubjectRefreshSessions(sub, now());
      await tokens.forget({ subject: sub });
      return count;
    },

    async deleteExpired(): Promise<number> {
      return store.deleteExpiredRefreshSessions(now());
    },
  });
}
