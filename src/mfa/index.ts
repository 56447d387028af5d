/**
 * Second factors: TOTP with replay protection, single-use recovery codes, and the MFA policy
 * that says who must use them.
 *
 * - {@link createTotp}: enrol (secret + `otpauth://` URI) and verify codes; a code is accepted
 *   once, and never after a later one (time steps are compared, not codes).
 * - {@link createRecoveryCodes}: 10 codes `XXXXX-XXXXX`, bcrypt-hashed, one bcrypt compare per
 *   redemption, single use under concurrency.
 * - {@link resolveMfaPolicy}: platform → org → tenant → user, `required` never loosened,
 *   owners and operators always required.
 * - Store contracts {@link TotpStepStore} and {@link RecoveryCodeStore}; implementations in
 *   `moatkit/adapters/memory`, `moatkit/adapters/postgres` and `moatkit/adapters/redis`.
 *
 * @example
 * ```ts
 * import { createTotp, createRecoveryCodes } from "moatkit/mfa";
 * import { createMemoryTotpStepStore, createMemoryRecoveryCodeStore } from "moatkit/adapters/memory";
 * const totp = createTotp({ issuer: "Acme", store: createMemoryTotpStepStore() });
 * const recovery = createRecoveryCodes({ store: createMemoryRecoveryCodeStore() });
 * ```
 *
 * @module
 */
export {
  createTotp,
  type Totp,
  type TotpAlgorithm,
  type TotpEnrollment,
  type TotpFailureReason,
  type TotpOptions,
  type TotpVerifyResult,
} from "./totp.js";
export type { TotpSecretInput } from "./totp-secret.js";
export {
  createRecoveryCodes,
  type RecoveryCodeFailureReason,
  type RecoveryCodeRedeemResult,
  type RecoveryCodes,
  type RecoveryCodesOptions,
} from "./recovery-codes.js";
export { resolveMfaPolicy, DEFAULT_MFA_REQUIRED_ROLES, type MfaPolicyInput, type MfaRequirement } from "./policy.js";
export type { RecoveryCodeEntry, RecoveryCodeStore, TotpStepStore } from "./store.js";
