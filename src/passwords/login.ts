/**
 * An enumeration-safe login check. Every attempt that passes the rate limiter costs exactly one
 * bcrypt compare: against the user's hash, or, for an unknown user, a user without a password,
 * a stored hash bcrypt cannot use ("", "!", argon2, a cost outside 4–20) or an unusable
 * password, against a dummy hash of the same cost made when the login is created. Every failure
 * is the same `invalid_credentials` result. The compare is queued under the client's key, so a
 * client flooding the login waits behind its own attempts, not in front of everyone else's.
 */
import { z } from "zod";
import { DEFAULT_BCRYPT_COST, bcryptCostSchema, bcryptWorkers, parseBcryptHash } from "../_internal/bcrypt-pool.js";
import { lazyDummyHash } from "../_internal/dummy-hash.js";
import { DEFAULT_IPV6_PREFIX, groupAddress, ipv6PrefixSchema } from "../_internal/address-key.js";
import { parseInput, parseOptions } from "../_internal/options.js";
import { storeCall } from "../_internal/store-error.js";
import { MoatError } from "../errors.js";
import { type LongPasswordPolicy, bcryptInput, longPolicySchema, signalSchema } from "./password-hash.js";

/** What `findUser` must return: any object with the user's bcrypt hash (or none, for SSO-only users). */
export interface LoginUser {
  /** The bcrypt hash from {@link hashPassword}; `null`/absent for users who cannot log in with a password. */
  readonly passwordHash?: string | null | undefined;
}

/** A limiter's answer for one key. */
export interface LoginLimiterVerdict {
  /** Whether the attempt is within the limit. */
  readonly ok: boolean;
  /** When not `ok`: milliseconds until the key may try again. */
  readonly retryAfterMs: number;
}

/**
 * A rate limiter as the login sees it. `moatkit/ratelimit` limiters satisfy it; so does any
 * object with this method.
 */
export interface LoginLimiter {
  /** Counts one attempt under `key`; `ok: false` when the key is over its limit. */
  consume(key: string): Promise<LoginLimiterVerdict>;
  /**
   * How many leading bits of an IPv6 address name one client (moatkit limiters have it; see
   * `createRateLimiter`'s `ipv6Prefix`). Absent: 64.
   */
  readonly ipv6Prefix?: number;
}

/** What {@link LoginOptions.limiterKeys} is given for an attempt. */
export interface LoginLimiterAttempt {
  /** What the user typed to name their account. */
  readonly identifier: string;
  /**
   * The client as a rate-limit key: an IPv4 address as it is (IPv4-mapped IPv6 included), an IPv6
   * address as its network of the limiter's `ipv6Prefix` bits (`"2001:db8:1:2::/64"`), so a
   * client rotating addresses inside its network keeps one key. Build address keys from this.
   */
  readonly ip: string;
  /** The client's address exactly as the attempt gave it (for allowlists, not for keys). */
  readonly address: string;
}

/** Options for {@link createLogin}. */
export interface LoginOptions<U extends LoginUser> {
  /** Looks a user up by the identifier they typed (email, username); `null` when there is none. */
  readonly findUser: (identifier: string) => Promise<U | null | undefined>;
  /**
   * Called after the password checks out: whether this user must still pass a second factor
   * (for example `resolveMfaPolicy(...) === "required"` or the user has enrolled TOTP). Its
   * answer is `mfaRequired` in the result. Without it, `mfaRequired` is `false`.
   */
  readonly verifyMfa?: (user: U) => boolean | Promise<boolean>;
  /** Consulted before any password work; a refusal is `rate_limited`, never `invalid_credentials`. */
  readonly limiter?: LoginLimiter;
  /**
   * The limiter keys for an attempt. Default: one key per client, `login:ip:<ip>`, where an IPv6
   * client is its /64 network (the limiter's `ipv6Prefix`) and an IPv4-mapped address is IPv4.
   */
  readonly limiterKeys?: (attempt: LoginLimiterAttempt) => readonly string[];
  /** Cost of the dummy hash; make it the cost of your users' hashes. Default 12. */
  readonly cost?: number;
  /** The long-password mode your hashes were made with. Default `"reject"`. */
  readonly long?: LongPasswordPolicy;
  /**
   * Called with a user whose stored `passwordHash` is a string bcrypt cannot use: `""`, a lock
   * marker such as `"!"`, another algorithm's hash (argon2, a legacy scheme), a bcrypt hash of a
   * cost outside 4–20. The attempt itself is answered exactly like an unknown user's (one dummy
   * compare, `invalid_credentials`); the hook runs after it is answered, so it cannot change its
   * timing, and what it throws or rejects with is ignored. Use it to log or to migrate the hash.
   */
  readonly onUnusableHash?: (user: U) => unknown;
  /**
   * The bcrypt queue key of an attempt: attempts with the same key take turns with other keys
   * for the workers, and at most `maxQueuedPerKey` of them may be pending (see
   * configurePasswordWorkers); beyond that `login` throws ERR_OVERLOADED. Default: the client,
   * `ip:<ip>`, with `ip` grouped as for {@link LoginOptions.limiterKeys} (an IPv6 client by network).
   */
  readonly queueKey?: (attempt: LoginLimiterAttempt) => string;
}

/** One login attempt. */
export interface LoginAttempt {
  /** What the user typed to name their account. */
  readonly identifier: string;
  /** What the user typed as their password. */
  readonly password: string;
  /**
   * The client's IP address, for rate limiting: with moatkit/express, `clientAddress(req)` (the
   * address requestContext() resolved behind your proxies), never `req.ip` unless express's
   * `trust proxy` matches them.
   */
  readonly ip: string;
  /** Stops the attempt's bcrypt work (ERR_ABORTED), e.g. the request's signal. */
  readonly signal?: AbortSignal;
}

/** The outcome of {@link Login.login}. */
export type LoginAttemptResult<U> =
  | {
      /** The password checked out. */
      readonly ok: true;
      /** The user `findUser` returned. */
      readonly user: U;
      /** Whether the user must pass a second factor before being signed in. */
      readonly mfaRequired: boolean;
    }
  | {
      /** The attempt failed. */
      readonly ok: false;
      /** Unknown user, wrong password, or no password: deliberately indistinguishable. */
      readonly reason: "invalid_credentials";
    }
  | {
      /** The attempt was not checked. */
      readonly ok: false;
      /** Too many attempts: answer 429 with `Retry-After`, not 401. */
      readonly reason: "rate_limited";
      /** How long until the limiter lets this client try again. */
      readonly retryAfterMs: number;
    };

/** A login checker made by {@link createLogin}. */
export interface Login<U> {
  /**
   * Checks one attempt. Never throws for a bad credential; throws ERR_STORE when a lookup fails,
   * ERR_OVERLOADED when the bcrypt queue or this client's share of it is full (answer 503 with
   * `Retry-After`; `errorHandler()` does), ERR_ABORTED when the attempt's signal aborts.
   */
  login(attempt: LoginAttempt): Promise<LoginAttemptResult<U>>;
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", { message: "expected a function" });

const optionsSchema = z.strictObject({
  findUser: fn,
  verifyMfa: fn.optional(),
  limiter: z.object({ consume: fn, ipv6Prefix: ipv6PrefixSchema.optional() }).optional(),
  limiterKeys: fn.optional(),
  cost: bcryptCostSchema.default(DEFAULT_BCRYPT_COST),
  long: longPolicySchema.default("reject"),
  onUnusableHash: fn.optional(),
  queueKey: fn.optional(),
});

const attemptSchema = z.strictObject({
  identifier: z.string(),
  password: z.string(),
  ip: z.string().min(1).max(256),
  signal: signalSchema,
});

const limiterResultSchema = z.object({ ok: z.boolean(), retryAfterMs: z.number().nonnegative() });

// Identifiers longer than this are not looked up (no account has one).
const MAX_IDENTIFIER_LENGTH = 1024;

function isKeyList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.length > 0 && value.every((k) => typeof k === "string");
}

const INVALID_CREDENTIALS = Object.freeze({ ok: false, reason: "invalid_credentials" } as const);

// After the attempt is answered, so the hook's own time is not the attempt's; never throws.
function report<U>(hook: ((user: U) => unknown) | undefined, user: U): void {
  if (hook === undefined) return;
  setImmediate(() => {
    try {
      const result: unknown = hook(user);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // A failing log hook must not fail the login.
    }
  });
}

/**
 * Creates an enumeration-safe login check. Unknown users, wrong passwords and stored hashes
 * bcrypt cannot use cost the same one bcrypt compare and return the same
 * `{ ok: false, reason: "invalid_credentials" }`. A limiter, when given, is consulted first and
 * fails closed: if it throws, the login throws. The compare waits in the bcrypt queue under the
 * client's key (`queueKey`), so one client's flood delays another client's login by at most the
 * work already running, and its attempts beyond its share fail at once with ERR_OVERLOADED.
 *
 * The dummy hash is computed once, in the background, when the login is created.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createLogin } from "moatkit/passwords";
 * const { login } = createLogin({
 *   findUser: (email) => db.users.findByEmail(email),
 *   verifyMfa: (user) => user.totpEnabled,
 *   limiter,
 * });
 * const result = await login({ identifier: body.email, password: body.password, ip: clientAddress(req) });
 * if (!result.ok) return res.status(result.reason === "rate_limited" ? 429 : 401).end();
 * ```
 */
export function createLogin<U extends LoginUser>(options: LoginOptions<U>): Login<U> {
  const { cost, long, limiter: checkedLimiter } = parseOptions(optionsSchema, options, "createLogin options");
  const { findUser, verifyMfa, limiter, onUnusableHash } = options;
  const limiterKeys = options.limiterKeys ?? ((a: LoginLimiterAttempt) => [`login:ip:${a.ip}`]);
  const queueKey = options.queueKey ?? ((a: LoginLimiterAttempt) => `ip:${a.ip}`);
  const ipv6Prefix = checkedLimiter?.ipv6Prefix ?? DEFAULT_IPV6_PREFIX;

  // What an unknown user's password is compared against; made now, in the background.
  const dummyHash = lazyDummyHash(cost);

  async function checkLimiter(identifier: string, address: string): Promise<number | null> {
    if (limiter === undefined) return null;
    let limitedFor: number | null = null;
    const keys: unknown = limiterKeys({ identifier, ip: groupAddress(address, ipv6Prefix), address });
    if (!isKeyList(keys)) {
      throw new MoatError("ERR_CONFIG", {
        message: "createLogin limiterKeys must return a non-empty array of strings",
      });
    }
    for (const key of keys) {
      const raw: unknown = await storeCall("login limiter", "consume", () => limiter.consume(key));
      const verdict = limiterResultSchema.safeParse(raw);
      if (!verdict.success) {
        throw new MoatError("ERR_STORE", { message: "login limiter returned a malformed result" });
      }
      if (!verdict.data.ok) limitedFor = Math.max(limitedFor ?? 0, verdict.data.retryAfterMs);
    }
    return limitedFor;
  }

  return {
    async login(attempt: LoginAttempt): Promise<LoginAttemptResult<U>> {
      const { identifier, password, ip, signal } = parseInput(attemptSchema, attempt, "login attempt");
      const limitedFor = await checkLimiter(identifier, ip);
      if (limitedFor !== null) return { ok: false, reason: "rate_limited", retryAfterMs: limitedFor };
      // The queue takes turns by client like the limiter counts them: an IPv6 client by its network.
      const key: unknown = queueKey({ identifier, ip: groupAddress(ip, ipv6Prefix), address: ip });
      if (typeof key !== "string")
        throw new MoatError("ERR_CONFIG", { message: "createLogin queueKey must return a string" });
      const task = { key, signal };

      const input = password === "" ? null : bcryptInput(password, long);
      const lookup = identifier !== "" && identifier.length <= MAX_IDENTIFIER_LENGTH;
      const user = lookup ? await storeCall("user", "findUser", () => findUser(identifier)) : null;
      const hash = user?.passwordHash;
      const usable = typeof hash === "string" && parseBcryptHash(hash) !== null;

      if (user === null || user === undefined || !usable || input === null) {
        // Same work as a wrong password, so the response time does not tell the two apart.
        await bcryptWorkers.compare(input ?? "", await dummyHash(), task);
        if (user !== null && user !== undefined && typeof hash === "string" && !usable) report(onUnusableHash, user);
        return INVALID_CREDENTIALS;
      }
      if (!(await bcryptWorkers.compare(input, hash, task))) return INVALID_CREDENTIALS;
      const answer: unknown = verifyMfa === undefined ? false : await verifyMfa(user);
      // A hook that forgets to return must not be read as "no second factor needed".
      if (typeof answer !== "boolean") {
        throw new MoatError("ERR_CONFIG", { message: "createLogin verifyMfa must return a boolean" });
      }
      return { ok: true, user, mfaRequired: answer };
    },
  };
}
