/**
 * Stores that compare text the way MySQL/MariaDB's default collations do: case-insensitively
 * (`utf8mb4_general_ci`, `utf8mb4_0900_ai_ci`) and ignoring trailing spaces (PAD SPACE).
 */
import { createMemoryApiKeyStore, createMemoryRecoveryCodeStore } from "../../../src/adapters/memory/index.js";
import type { ApiKeyStore } from "../../../src/apikeys/index.js";
import type { RecoveryCodeStore } from "../../../src/mfa/index.js";

/** API keys found by hash and id case-insensitively: the ids and hashes are stored lower-cased. */
export function createCaseInsensitiveApiKeyStore(): ApiKeyStore {
  const inner = createMemoryApiKeyStore();
  return {
    ...inner,
    createApiKey: (record) => inner.createApiKey({ ...record, hash: record.hash.toLowerCase() }),
    findApiKeyByHash: (hash) => inner.findApiKeyByHash(hash.toLowerCase()),
  };
}

/** Recovery codes keyed by user id with trailing spaces ignored, as a PAD SPACE collation compares. */
export function createPadSpaceRecoveryCodeStore(): RecoveryCodeStore {
  const inner = createMemoryRecoveryCodeStore();
  const key = (userId: string): string => userId.replace(/ +$/, "");
  return {
    replaceRecoveryCodes: (userId, entries) => inner.replaceRecoveryCodes(key(userId), entries),
    findRecoveryCode: (userId, selector) => inner.findRecoveryCode(key(userId), selector),
    consumeRecoveryCode: (userId, selector, hash) => inner.consumeRecoveryCode(key(userId), selector, hash),
    countRecoveryCodes: (userId) => inner.countRecoveryCodes(key(userId)),
  };
}
