/**
 * In-memory stores for every store interface: for tests, demos and single-process apps. Each
 * method completes without awaiting anything, so check-and-consume operations are atomic within
 * the process. Data is lost when the process exits.
 *
 * @example
 * ```ts
 * import { createMemoryRefreshSessionStore } from "moatkit/adapters/memory";
 * const store = createMemoryRefreshSessionStore();
 * ```
 *
 * @module
 */
export { createMemoryRefreshSessionStore } from "./refresh-session-store.js";
export { createMemoryOneTimeTokenStore } from "./one-time-token-store.js";
export { createMemoryServerSessionStore } from "./server-session-store.js";
export { createMemoryApiKeyStore } from "./api-key-store.js";
export { createMemoryTotpStepStore } from "./totp-step-store.js";
export { createMemoryRecoveryCodeStore } from "./recovery-code-store.js";
export { createMemoryRateLimitStore, type MemoryRateLimitStoreOptions } from "./rate-limit-store.js";
export { createMemoryDataKeyStore } from "./data-key-store.js";
export { createMemoryDataKeyInvalidation } from "./data-key-invalidation.js";
export { createMemoryInvalidationChannel } from "./invalidation-channel.js";
export type { InvalidationChannel, InvalidationListener } from "../../_internal/invalidation-channel.js";
export { createMemoryAuditStore, type MemoryAuditStoreOptions } from "./audit-store.js";
