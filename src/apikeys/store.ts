import type { ApiKeyInfo, ApiKeyRecord } from "./record.js";

/**
 * Where API keys live. Implement it to keep keys in your own database; the conformance suite in
 * `moatkit/testing` (store name `apiKeys`) checks an implementation behaves like moatkit's memory
 * and Postgres stores. Records are stored and returned exactly as given (timestamps in
 * milliseconds, metadata as JSON), and every method that changes a record is atomic.
 */
export interface ApiKeyStore {
  /**
   * Saves a new key. Rejects (throws) when a record with the same `id` or the same `hash`
   * exists: the hash is a unique index, never a list.
   */
  createApiKey(record: ApiKeyRecord): Promise<void>;

  /** The record whose hash is exactly `hash`, or `null`. This is the lookup `verify` makes. */
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null>;

  /** The record with this id, or `null`. */
  getApiKey(id: string): Promise<ApiKeyRecord | null>;

  /** Every key of an owner, oldest first (ties by id in code-unit order), without hashes. */
  listApiKeysByOwner(ownerId: string): Promise<ApiKeyInfo[]>;

  /**
   * Sets `revokedAt` to `at` if the key exists and is not revoked yet, and returns the updated
   * key; returns `null` otherwise. Of concurrent calls for one key, exactly one gets a record.
   */
  revokeApiKey(id: string, at: number): Promise<ApiKeyInfo | null>;

  /**
   * Replaces key `id` by `successor`, atomically: only if `id` exists, is not revoked, has no
   * successor yet and has not expired at `at`, it sets the old key's `successorId` to
   * `successor.id` and its `expiresAt` to `graceEndsAt` (or keeps an earlier expiry), inserts
   * `successor`, and returns the updated old key. Otherwise it changes nothing and returns
   * `null`. Of concurrent calls for one key, exactly one succeeds, so a key has at most one
   * successor.
   */
  rotateApiKey(id: string, successor: ApiKeyRecord, graceEndsAt: number, at: number): Promise<ApiKeyInfo | null>;

  /**
   * Sets `lastUsedAt` to `at` unless it was set less than `minIntervalMs` before `at` (or
   * later); returns whether it wrote. Of concurrent calls, at most one writes per interval.
   */
  touchApiKey(id: string, at: number, minIntervalMs: number): Promise<boolean>;
}

/** The methods every {@link ApiKeyStore} has (checked at construction and by the suite). */
export const API_KEY_STORE_METHODS: readonly (keyof ApiKeyStore)[] = [
  "createApiKey",
  "findApiKeyByHash",
  "getApiKey",
  "listApiKeysByOwner",
  "revokeApiKey",
  "rotateApiKey",
  "touchApiKey",
];
