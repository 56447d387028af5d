/**
 * The store contract in one place, for whoever writes a store of their own (a MySQL, DynamoDB
 * or key-value adapter): every store interface moatkit's capabilities take, the list of methods
 * each must have, and the helpers a store calls so that it decides, validates and fails exactly
 * as moatkit's own stores do. docs/writing-a-store.md explains each interface's contract; the
 * conformance suite in `moatkit/testing` checks an implementation against it.
 *
 * Nothing here touches a database or loads a driver: it is the code the stores share, not a
 * store.
 *
 * @example
 * ```ts
 * import { type TotpStepStore, requireTotpStep } from "moatkit/stores";
 * export function createMyTotpStepStore(pool: Pool): TotpStepStore {
 *   return {
 *     async advanceTotpStep(userId, step) {
 *       requireTotpStep(step);
 *       const r = await pool.query("UPDATE … SET last_step = ? WHERE user_id = ? AND last_step < ?", [step, userId, step]);
 *       // … insert when there is no row yet; return whether this call wrote
 *     },
 *     async getLastTotpStep(userId) { … },
 *   };
 * }
 * ```
 *
 * @module
 */

// API keys
export { API_KEY_STORE_METHODS, type ApiKeyStore } from "../apikeys/store.js";
export { toApiKeyInfo, type ApiKeyEnv, type ApiKeyInfo, type ApiKeyRecord } from "../apikeys/record.js";

// Data keys (envelope encryption)
export {
  DATA_KEY_STORE_METHODS,
  type DataKeyRecord,
  type DataKeySetCurrentResult,
  type DataKeyStore,
  type ListDataKeysOptions,
} from "../crypto/store.js";

// TOTP steps and recovery codes
export {
  RECOVERY_CODE_STORE_METHODS,
  TOTP_STEP_STORE_METHODS,
  requireTotpStep,
  type RecoveryCodeEntry,
  type RecoveryCodeStore,
  type TotpStepStore,
} from "../mfa/store.js";

// Refresh sessions
export {
  REFRESH_SESSION_STORE_METHODS,
  type NewRefreshSession,
  type RefreshSessionRecord,
  type RefreshSessionStore,
  type RefreshTokenRotateInput,
  type RefreshTokenRotateOutcome,
} from "../sessions/refresh-session-store.js";
export { planRotation, type RefreshFamilyState, type RefreshRotationPlan } from "../sessions/rotation-plan.js";

// One-time tokens
export {
  ONE_TIME_TOKEN_STORE_METHODS,
  type OneTimeTokenConsumeInput,
  type OneTimeTokenConsumeOutcome,
  type OneTimeTokenRecord,
  type OneTimeTokenStore,
} from "../sessions/one-time-token-store.js";

// Server-side sessions
export {
  SERVER_SESSION_STORE_METHODS,
  type ServerSessionDeleteOthersInput,
  type ServerSessionRecord,
  type ServerSessionRekeyInput,
  type ServerSessionStore,
  type ServerSessionTouchInput,
} from "../sessions/server-session-store.js";

// Audit log
export {
  AUDIT_STORE_METHODS,
  checkSealed,
  type AuditAnchor,
  type AuditScanOptions,
  type AuditSeal,
  type AuditStore,
  type AuditStoreQuery,
} from "../audit/store.js";
export {
  EMPTY_CHAIN_HEAD,
  GENESIS_HASH,
  isStoredAuditEventShape,
  type AuditChainHead,
  type StoredAuditEvent,
} from "../audit/event.js";
export { decodeStoredAuditEvent } from "../audit/decode-stored.js";

// Rate limits
export {
  RATE_LIMIT_STORE_METHODS,
  nextRateLimitWindow,
  type RateLimitConsumeInput,
  type RateLimitStore,
  type RateLimitWindow,
} from "../ratelimit/store.js";
