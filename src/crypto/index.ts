/**
 * Envelope encryption for fields: master keys from the environment, per-tenant data keys with
 * crypto-shredding, rotation and rewrap (`envelope.keys` for data keys, `rewrapColumn` for whole
 * Postgres columns), key commitment, and blind indexes for equality search. node:crypto by default, pure JS
 * (@noble/ciphers, @noble/hashes) where node:crypto is missing or when asked.
 *
 * @example
 * ```ts
 * import { createEnvelope, keyringFromEnv } from "moatkit/crypto";
 * const envelope = createEnvelope({ keyring: keyringFromEnv() });
 * const context = { table: "integrations", column: "api_key", rowId: 42 };
 * const token = await envelope.encrypt("sk_live_…", { context });
 * const apiKey = await envelope.decryptString(token, { context });
 * ```
 *
 * @module
 */
export { MESSAGES_PER_SALT } from "./subkeys.js";
export { createEnvelope, type Envelope, type EnvelopeOptions } from "./envelope.js";
export type {
  EnvelopeKeys,
  KeyDependency,
  RewrapDataKeysOptions,
  DataKeyRewrapResult,
  DataKeyRotateResult,
  TenantShredResult,
} from "./envelope-keys.js";
export type { BindingOptions, ContextValue, EncryptionContext } from "./context.js";
export {
  rewrapColumn,
  type ColumnRow,
  type RewrapColumnOptions,
  type RewrapColumnProgress,
  type ColumnRewrapResult,
} from "./rewrap-column.js";
export {
  createKeyring,
  parseMasterKeys,
  keyringFromEnv,
  generateMasterKey,
  KEY_ID_PATTERN,
  MASTER_KEY_LENGTH,
  DEFAULT_MASTER_KEYS_VARIABLE,
  type MasterKeyring,
  type MasterKeyInput,
  type LocalMasterKeyInput,
  type ProviderMasterKeyInput,
  type ParseMasterKeysOptions,
  type GeneratedMasterKey,
  type GenerateMasterKeyOptions,
} from "./keyring.js";
export { createBlindIndex, type BlindIndex, type BlindIndexOptions } from "./blind-index.js";
export type { DataKeyRecord, DataKeyStore, ListDataKeysOptions, DataKeySetCurrentResult } from "./store.js";
export type { DataKeyInvalidation } from "./invalidation.js";
export type { AeadAlgorithm, CryptoBackendName } from "./backend.js";
export type { Duration } from "../_internal/duration.js";
export { MAX_PLAINTEXT_BYTES } from "./format.js";
export {
  KeyProviderError,
  DATA_KEY_PURPOSE,
  MAX_PROVIDER_CIPHERTEXT,
  type KeyProvider,
  type KeyProviderCallOptions,
  type KeyProviderFailure,
  type GeneratedDataKey,
  type WrapContext,
} from "./key-provider.js";
