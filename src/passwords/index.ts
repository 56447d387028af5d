/**
 * Password hashing with bcrypt and an enumeration-safe login check.
 *
 * - {@link hashPassword}, {@link verifyPassword}, {@link needsRehash}: bcrypt (cost 12 by
 *   default) on worker threads, so the event loop is never blocked; passwords over 72 UTF-8
 *   bytes are refused or, with `long: "prehash"`, pre-hashed — never silently truncated.
 * - {@link createLogin}: one bcrypt compare per attempt whether or not the user exists, one
 *   generic `invalid_credentials`, and a distinct `rate_limited`.
 * - {@link configurePasswordWorkers}, {@link shutdownPasswordWorkers}: the worker pool.
 * - {@link createPasswordPolicy}: NIST SP 800-63B rules (length, common passwords, context
 *   words), with reasons instead of exceptions; {@link createBreachedPasswordCheck}: the Pwned
 *   Passwords range lookup by k-anonymity.
 *
 * @example
 * ```ts
 * import { hashPassword, verifyPassword } from "moatkit/passwords";
 * const hash = await hashPassword(password);
 * const ok = await verifyPassword(password, hash);
 * ```
 *
 * @module
 */
export {
  hashPassword,
  verifyPassword,
  needsRehash,
  BCRYPT_MAX_PASSWORD_BYTES,
  type HashPasswordOptions,
  type VerifyPasswordOptions,
  type NeedsRehashOptions,
  type LongPasswordPolicy,
} from "./password-hash.js";
export {
  createLogin,
  type Login,
  type LoginAttempt,
  type LoginLimiter,
  type LoginLimiterAttempt,
  type LoginLimiterVerdict,
  type LoginOptions,
  type LoginAttemptResult,
  type LoginUser,
} from "./login.js";
export { DEFAULT_BCRYPT_COST } from "../_internal/bcrypt-pool.js";
export { configurePasswordWorkers, shutdownPasswordWorkers, type PasswordWorkerOptions } from "./workers.js";
export {
  createPasswordPolicy,
  type PasswordPolicy,
  type PasswordPolicyOptions,
  type PasswordPolicyResult,
  type PasswordPolicyReason,
  type PasswordContext,
  type PasswordCheckOptions,
} from "./policy.js";
export {
  createBreachedPasswordCheck,
  PWNED_PASSWORDS_RANGE_URL,
  type BreachedPasswordCheck,
  type BreachedPasswordCheckOptions,
  type BreachCheckOptions,
  type BreachCheckResult,
  type BreachCheckFailure,
  type BreachFetch,
  type BreachFetchInit,
  type BreachFetchResponse,
} from "./breached.js";
