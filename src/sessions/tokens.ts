/**
 * Access tokens: JWTs signed by a key set's signing key and verified against the whole set,
 * through jose. Verification accepts only the set's algorithms and the key named by `kid`
 * (whose own algorithm must match the header's), requires `exp`, checks `iss` and `aud`, and
 * can re-validate each token against the application (membership still active) with a short
 * cache.
 */
import { SignJWT, jwtVerify } from "jose";
import { z } from "zod";
import { createBoundedCache } from "../_internal/bounded-cache.js";
import { functionSchema } from "../_internal/function-schema.js";
import { canonicalJson } from "../_internal/canonical-json.js";
import { durationSchema } from "../_internal/duration.js";
import type { Duration } from "../_internal/duration.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, randomToken, systemClock, systemRandom } from "../_internal/runtime.js";
import { MoatError, type Result } from "../errors.js";
import { type TokenFailureReason, joseFailureReason } from "./jose-errors.js";
import { KeyResolutionError, type KeySet, type KeySetInternals, keySetInternals } from "./key-set.js";
import type { RemoteKeySet } from "./remote-key-set.js";
import { requireIdentifier } from "../_internal/identifier.js";
import {
  INVALIDATION_TOPICS,
  type InvalidationChannel,
  isInvalidationChannel,
} from "../_internal/invalidation-channel.js";

/** The claims of a verified access token. */
export interface AccessTokenClaims {
  /** Issuer; always the configured issuer. */
  readonly iss: string;
  /** Subject (the user id), when the token has one. */
  readonly sub?: string;
  /** Audience, when configured. */
  readonly aud?: string | readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** Issued at, seconds since the epoch. */
  readonly iat?: number;
  /** Not before, seconds since the epoch. */
  readonly nbf?: number;
  /** Token id. */
  readonly jti?: string;
  /** Session id, on tokens issued by {@link createSessions}. */
  readonly sid?: string;
  /** Any application claim. */
  readonly [claim: string]: unknown;
}

/** Claims an application passes to {@link Tokens.sign}: anything JSON except the registered time and identity claims. */
export type TokenClaimsInput = Readonly<Record<string, unknown>>;

/** The result of {@link Tokens.verify}. */
export type TokenVerifyResult = Result<
  {
    /** The verified claims. */
    readonly claims: AccessTokenClaims;
    /** The id of the key that verified the token. */
    readonly kid: string;
  },
  TokenFailureReason
>;

/** Issues and verifies access tokens. Create with {@link createTokens}. */
export interface Tokens {
  /** The access-token lifetime in milliseconds. */
  readonly accessTtlMs: number;
  /**
   * Signs `claims` with the key set's signing key, adding `iss`, `aud`, `iat`, `exp` and a
   * random `jti`, with the signing key's `kid` in the header.
   *
   * @throws MoatError ERR_INVALID_INPUT when claims are not a plain JSON object, set a
   *   registered claim (`iss`, `aud`, `exp`, `iat`, `nbf`, `jti`), or exceed 8 KB.
   */
  sign(claims?: TokenClaimsInput): Promise<string>;
  /**
   * Verifies a token: structure, algorithm, key, signature, `exp`/`nbf`, `iss`, `aud`, then
   * `revalidate`. Never throws for a bad token.
   *
   * @throws MoatError ERR_INVALID_INPUT when `token` is not a string; `revalidate`'s own
   *   errors pass through (the token is never accepted when it throws).
   */
  verify(token: string): Promise<TokenVerifyResult>;
  /**
   * Drops cached `revalidate` verdicts for a subject or a session (`sid`), here and, with an
   * `invalidation` channel, on every instance. {@link createSessions} calls it from `revoke`
   * and `revokeAll`; call it yourself when your `revalidate` hook's answer changes (a
   * membership removed). Resolves once the local entries are gone and the message is sent.
   *
   * @throws MoatError ERR_INVALID_INPUT for a target without a non-empty `subject` or
   *   `sessionId`; ERR_STORE when the channel fails to publish (the local entries are gone).
   */
  forget(target: { readonly subject?: string; readonly sessionId?: string }): Promise<void>;
}

/** Options for {@link createTokens}. */
export interface TokensOptions {
  /**
   * The key set from {@link createKeySet}, or a verify-only remote key set from
   * createRemoteKeySet (then `sign` throws ERR_CONFIG and createSessions refuses the tokens).
   */
  readonly keys: KeySet | RemoteKeySet;
  /** The `iss` claim set on every token and required on verification. */
  readonly issuer: string;
  /**
   * The `aud` claim set on every token and required on verification. `null` opts out of
   * audience checks: only for a deployment where no other service accepts tokens from this
   * issuer.
   */
  readonly audience: string | null;
  /** Access-token lifetime, at least one second; default `"15m"`. */
  readonly accessTtl?: Duration;
  /**
   * Re-validates a token that passed every other check (for example: the membership in its
   * claims is still active). `false` makes `verify` answer `revoked`.
   */
  readonly revalidate?: (claims: AccessTokenClaims) => boolean | Promise<boolean>;
  /**
   * How long a `revalidate` answer is reused for the same token (its issuer, subject and `jti`
   * together); default 0 (never).
   */
  readonly revalidateCache?: Duration;
  /**
   * Shares `forget` between instances, so a session revoked on one stops passing on all of
   * them at once. While the channel is not live (Redis subscriber disconnected) no verdict is
   * served from or stored in the cache: every verification calls `revalidate`.
   */
  readonly invalidation?: InvalidationChannel;
  /**
   * The `typ` header set on every token and required on verification: `"JWT"` (default) or
   * `"at+jwt"` (RFC 9068 access tokens). A token of another type, or with none, is `malformed`,
   * so a JWT minted for another purpose under the same keys is not taken as an access token.
   */
  readonly type?: "JWT" | "at+jwt";
  /** Leeway for `exp` and `nbf` against clock skew between servers; default 0. */
  readonly clockTolerance?: Duration;
  /** Clock; default `Date.now`. */
  readonly now?: Clock;
  /** Randomness for `jti`; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
}

/** Internals shared with sessions; not exported from the package. */
interface TokensInternals {
  /** The tokens' clock. */
  readonly now: Clock;
  /** True when the key set cannot sign (a remote JWKS). */
  readonly verifyOnly: boolean;
  /** Signs claims at the current time and reports when the token expires (ms). */
  issue(claims: TokenClaimsInput): Promise<{ readonly token: string; readonly expiresAt: number }>;
}

const REGISTERED = new Set(["iss", "aud", "exp", "iat", "nbf", "jti"]);
const MAX_CLAIMS_JSON = 8192;
const MAX_TOKEN_LENGTH = 16_384;
const REVALIDATE_CACHE_LIMIT = 10_000;
const tokensInternalsMap = new WeakMap<object, TokensInternals>();

const durationOrZero = z.union([z.literal(0), durationSchema]);
const optionsSchema = z.strictObject({
  keys: z.custom<KeySet | RemoteKeySet>(
    (v) => typeof v === "object" && v !== null,
    "expected a key set from createKeySet",
  ),
  issuer: z.string().min(1).max(512),
  audience: z.string().min(1).max(512).nullable(),
  accessTtl: durationSchema.default(15 * 60_000),
  revalidate: functionSchema<NonNullable<TokensOptions["revalidate"]>>().optional(),
  revalidateCache: durationOrZero.default(0),
  invalidation: z
    .custom<InvalidationChannel>(isInvalidationChannel, "an invalidation channel (publish, subscribe, isLive)")
    .optional(),
  type: z.enum(["JWT", "at+jwt"]).default("JWT"),
  clockTolerance: durationOrZero.default(0),
  now: functionSchema<Clock>().default(() => systemClock),
  random: functionSchema<RandomSource>().default(() => systemRandom),
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkClaims(claims: unknown): Record<string, unknown> {
  if (!isPlainObject(claims)) throw new MoatError("ERR_INVALID_INPUT", { message: "claims must be a plain object" });
  for (const name of Object.keys(claims)) {
    if (REGISTERED.has(name)) {
      throw new MoatError("ERR_INVALID_INPUT", { message: `claim "${name}" is set by moatkit and cannot be given` });
    }
  }
  for (const name of ["sub", "sid"]) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== "string" || value.length === 0)) {
      throw new MoatError("ERR_INVALID_INPUT", { message: `claim "${name}" must be a non-empty string` });
    }
  }
  // A subject is an identifier like any other moatkit id: one verdict whichever module sees it.
  if (claims.sub !== undefined) requireIdentifier(claims.sub, 'claim "sub"');
  if (canonicalJson(claims).length > MAX_CLAIMS_JSON) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "claims must serialise to at most 8 KB of JSON" });
  }
  return claims;
}

/** A cached `revalidate` answer and what a `forget` matches it by. */
interface Verdict {
  readonly valid: boolean;
  readonly sub: string | undefined;
  readonly sid: string | undefined;
}

function forgetKeys(target: unknown): string[] {
  const fail = (): MoatError =>
    new MoatError("ERR_INVALID_INPUT", {
      message: "tokens.forget needs { subject } or { sessionId } (non-empty strings of at most 512 characters)",
    });
  if (typeof target !== "object" || target === null) throw fail();
  const keys: string[] = [];
  for (const [name, prefix] of [
    ["subject", "sub:"],
    ["sessionId", "sid:"],
  ] as const) {
    const value: unknown = Reflect.get(target, name);
    if (value === undefined) continue;
    if (typeof value !== "string" || value.length === 0 || value.length > 512) throw fail();
    keys.push(prefix + value);
  }
  if (keys.length === 0) throw fail();
  return keys;
}

function isAccessTokenClaims(payload: object): payload is AccessTokenClaims {
  return typeof Reflect.get(payload, "iss") === "string" && typeof Reflect.get(payload, "exp") === "number";
}

function reasonOf(err: unknown): TokenFailureReason {
  if (err instanceof KeyResolutionError) return err.reason;
  const reason = joseFailureReason(err);
  if (reason === undefined) throw err;
  return reason;
}

/**
 * Creates an access-token issuer and verifier over a key set.
 *
 * @throws MoatError ERR_CONFIG for invalid options or a `keys` value not made by `createKeySet`.
 * @example
 * ```ts
 * const tokens = createTokens({ keys, issuer: "https://auth.example.com", audience: "api" });
 * const jwt = await tokens.sign({ sub: "user_42", org: "org_7", role: "admin" });
 * const result = await tokens.verify(jwt);
 * if (!result.ok) return res.status(401).json({ error: result.reason });
 * ```
 */
export function createTokens(options: TokensOptions): Tokens {
  const opts = parseOptions(optionsSchema, options, "createTokens options");
  const keys: KeySetInternals = keySetInternals(opts.keys);
  const ttlSeconds = Math.floor(opts.accessTtl / 1000);
  if (ttlSeconds < 1) throw new MoatError("ERR_CONFIG", { message: "accessTtl must be at least one second" });
  const { issuer, audience, revalidate, now, random, type } = opts;
  const toleranceSeconds = Math.ceil(opts.clockTolerance / 1000);
  const cacheMs = opts.revalidateCache;
  const cache = createBoundedCache<string, Verdict>(REVALIDATE_CACHE_LIMIT);
  const { invalidation } = opts;
  // Bumped by every eviction: a revalidate call that was in flight across one does not store
  // its (possibly stale) answer.
  let generation = 0;
  const evict = (key: string | null): void => {
    generation += 1;
    if (key === null) {
      cache.clear();
      return;
    }
    const [kind, id] = [key.slice(0, 4), key.slice(4)];
    for (const [cacheKey, verdict] of [...cache.entries()]) {
      if ((kind === "sub:" && verdict.sub === id) || (kind === "sid:" && verdict.sid === id)) cache.delete(cacheKey);
    }
  };
  invalidation?.subscribe(INVALIDATION_TOPICS.tokens, evict);
  const cacheUsable = (): boolean => cacheMs > 0 && (invalidation === undefined || invalidation.isLive());
  const signingKey = "signingKey" in opts.keys ? opts.keys.signingKey : undefined;

  const baseVerifyOptions = {
    algorithms: [...keys.algorithms],
    issuer,
    ...(audience === null ? {} : { audience }),
    requiredClaims: ["exp"],
    typ: type,
    clockTolerance: toleranceSeconds,
  };

  async function stillValid(claims: AccessTokenClaims, at: number): Promise<boolean> {
    if (revalidate === undefined) return true;
    // Keyed by issuer, subject and jti together: a jti is only unique within one issuer's tokens
    // for one subject, and another signer of these keys may reuse one. Keyed by jti alone, a
    // revoked user's token was accepted on the strength of another user's cached answer.
    const cacheKey =
      cacheUsable() && typeof claims.jti === "string"
        ? JSON.stringify([claims.iss, typeof claims.sub === "string" ? claims.sub : null, claims.jti])
        : undefined;
    if (cacheKey !== undefined) {
      const hit = cache.get(cacheKey, at);
      if (hit !== undefined) return hit.valid;
    }
    const started = generation;
    // Only a real `true` passes: a hook that returns a truthy non-boolean by mistake fails closed.
    const answer: unknown = await revalidate(claims);
    const valid = answer === true;
    if (cacheKey !== undefined && started === generation && cacheUsable()) {
      const verdict: Verdict = {
        valid,
        sub: typeof claims.sub === "string" ? claims.sub : undefined,
        sid: typeof claims.sid === "string" ? claims.sid : undefined,
      };
      cache.set(cacheKey, verdict, Math.min(at + cacheMs, claims.exp * 1000), at);
    }
    return valid;
  }

  async function issue(claims: TokenClaimsInput): Promise<{ token: string; expiresAt: number }> {
    if (signingKey === undefined || keys.verifyOnly) {
      throw new MoatError("ERR_CONFIG", { message: "these tokens use a verify-only key set and cannot sign" });
    }
    const payload = checkClaims(claims);
    const iat = Math.floor(now() / 1000);
    const exp = iat + ttlSeconds;
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: type })
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomToken(random, 16));
    if (audience !== null) jwt.setAudience(audience);
    return { token: await jwt.sign(await keys.signingCryptoKey()), expiresAt: exp * 1000 };
  }

  const tokens: Tokens = Object.freeze({
    accessTtlMs: ttlSeconds * 1000,
    async sign(claims: TokenClaimsInput = {}): Promise<string> {
      return (await issue(claims)).token;
    },
    async verify(token: string): Promise<TokenVerifyResult> {
      if (typeof token !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: "a token must be a string" });
      if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "malformed" };
      const at = now();
      let kid = "";
      let payload: object;
      try {
        const verified = await jwtVerify(
          token,
          (header) =>
            keys.resolve(header, at, (k) => {
              kid = k;
            }),
          { ...baseVerifyOptions, currentDate: new Date(at) },
        );
        payload = verified.payload;
      } catch (err) {
        return { ok: false, reason: reasonOf(err) };
      }
      if (!isAccessTokenClaims(payload)) return { ok: false, reason: "malformed" };
      if (!(await stillValid(payload, at))) return { ok: false, reason: "revoked" };
      return { ok: true, claims: payload, kid };
    },
    async forget(target: { readonly subject?: string; readonly sessionId?: string }): Promise<void> {
      const keys = forgetKeys(target);
      for (const key of keys) evict(key);
      if (invalidation === undefined) return;
      try {
        for (const key of keys) await invalidation.publish(INVALIDATION_TOPICS.tokens, key);
      } catch (err) {
        throw new MoatError("ERR_STORE", {
          message: "revalidation verdicts were dropped here, but announcing it on the invalidation channel failed",
          cause: err,
        });
      }
    },
  });
  tokensInternalsMap.set(tokens, { now, verifyOnly: keys.verifyOnly, issue });
  return tokens;
}

/** The internals of tokens made by {@link createTokens}. */
export function tokensInternals(tokens: unknown): TokensInternals {
  const found = typeof tokens === "object" && tokens !== null ? tokensInternalsMap.get(tokens) : undefined;
  if (found === undefined) throw new MoatError("ERR_CONFIG", { message: "tokens must be made by createTokens" });
  return found;
}
