/**
 * Envelope encryption for fields: master keys from the environment, per-tenant data keys with
 * crypto-shredding, rotation and rewrap (of data keys and of whole Postgres columns), key
 * commitment, and blind indexes for equality search. node:crypto by default, pure JS
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
export { MESSAGES_PER_SALT } from "./data-keys.js";
export {
  createEnvelope,
  type Envelope,
  type EnvelopeOptions,
  type KeyDependency,
  type RewrapDataKeysOptions,
  type RewrapDataKeysResult,
  type RotateDataKeysResult,
  type ShredTenantResult,
} from "./envelope.js";
export type { BindingOptions, ContextValue, EncryptionContext } from "./context.js";
export type { ColumnRow, RewrapColumnOptions, RewrapColumnProgress, RewrapColumnResult } from "./rewrap-column.js";
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
  type ParseMasterKeysOptions,
  type GeneratedMasterKey,
  type GenerateMasterKeyOptions,
} from "./keyring.js";
export { createBlindIndex, type BlindIndex, type BlindIndexOptions } from "./blind-index.js";
export type { DataKeyRecord, DataKeyStore, ListDataKeysOptions, SetCurrentResult } from "./store.js";
export type { AeadAlgorithm, CryptoBackendName } from "./backend.js";
export { MAX_PLAINTEXT_BYTES } from "./format.js";
