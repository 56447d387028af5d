/**
 * API keys: shown once, stored as SHA-256 hashes, listed by preview, checked offline by a CRC-32
 * checksum before any hash or lookup, with scopes, expiry, revocation and rotation with a grace
 * period. Keys look like `acme_live_4Fh2…` (`<prefix>_<env>_<body><checksum>`), so secret
 * scanners can find leaked ones with {@link apiKeyPattern}.
 *
 * @example
 * ```ts
 * import { createApiKeys } from "moatkit/apikeys";
 * import { createMemoryApiKeyStore } from "moatkit/adapters/memory";
 *
 * const apiKeys = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore() });
 * const { key } = await apiKeys.issue({ ownerId: "user_1", env: "live", scopes: ["read"] });
 * const result = await apiKeys.verify(key.reveal(), { scopes: ["read"] });
 * ```
 *
 * @module
 */
export { createApiKeys, LAST_USED_RESOLUTION_MS, type ApiKeys, type ApiKeysOptions } from "./api-keys.js";
export type { ApiKeyIssueInput, ApiKeyVerifyOptions, ApiKeyRotateOptions } from "./api-key-input.js";
export type {
  ApiKeyFailureReason,
  ApiKeyVerifyResult,
  ApiKeyRotateResult,
  ApiKeyRevokeResult,
  IssuedApiKey,
} from "./api-key-results.js";
export type { ApiKeyPepper } from "./pepper.js";
export { parseApiKey, apiKeyPattern, API_KEY_MAX_LENGTH, type ParsedApiKey } from "./format.js";
export type { ApiKeyEnv, ApiKeyInfo, ApiKeyRecord, ApiKeyRedaction } from "./record.js";
export type { ApiKeyStore } from "./store.js";
export type { InvalidationChannel, InvalidationListener } from "../_internal/invalidation-channel.js";
