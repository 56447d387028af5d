/**
 * Where data keys live when an envelope has a store: per tenant scope, random 256-bit keys,
 * each wrapped under a master key. The memory and Postgres adapters implement this interface
 * and pass the `dataKeys` conformance suite of `moatkit/testing`; so must yours.
 */

/** One stored data key. `wrappedKey` is useless without the master key named by `masterKeyId`. */
export interface DataKeyRecord {
  /** Random id (base64url of 8 bytes), unique across all scopes. */
  readonly id: string;
  /** The tenant id, or `""` for the default scope. */
  readonly scope: string;
  /** The master key that wraps it. */
  readonly masterKeyId: string;
  /** nonce ‖ AES-256-GCM ciphertext ‖ tag (60 bytes). */
  readonly wrappedKey: Uint8Array;
  /** Creation time, milliseconds since the epoch. */
  readonly createdAt: number;
}

/** What {@link DataKeyStore.setCurrentDataKey} did. */
export interface DataKeySetCurrentResult {
  /** Whether this call's record became current (and was stored). */
  readonly created: boolean;
  /** The scope's current record after the call: this call's, or the one that won. */
  readonly current: DataKeyRecord;
}

/** A page of {@link DataKeyStore.listDataKeys}. */
export interface ListDataKeysOptions {
  /** Return records whose id sorts after this one (byte order); omit for the first page. */
  readonly after?: string;
  /** Page size. */
  readonly limit: number;
}

/**
 * Storage for data keys. Every method is one atomic operation; `setCurrentDataKey` and
 * `updateDataKeyWrapping` are compare-and-set: of N concurrent callers with the same expectation,
 * exactly one wins. Method names say the record they act on, so one object can implement this and
 * other moatkit store interfaces together.
 */
export interface DataKeyStore {
  /** A record by id, or `null`. */
  getDataKey(id: string): Promise<DataKeyRecord | null>;
  /** The scope's current record (the one new values are encrypted under), or `null`. */
  getCurrentDataKey(scope: string): Promise<DataKeyRecord | null>;
  /**
   * Stores `record` and makes it its scope's current key if the scope has no current key or its
   * current key id is still `expectedCurrentId`; otherwise stores nothing and returns the
   * current record. Of N concurrent callers with the same expectation, exactly one creates.
   * An id that already exists is an error (ERR_STORE).
   */
  setCurrentDataKey(record: DataKeyRecord, expectedCurrentId: string | null): Promise<DataKeySetCurrentResult>;
  /** Replaces a record's wrapping if it is still wrapped under `expectedMasterKeyId`; whether it did. */
  updateDataKeyWrapping(
    id: string,
    expectedMasterKeyId: string,
    masterKeyId: string,
    wrappedKey: Uint8Array,
  ): Promise<boolean>;
  /** Records in id order (byte order of the id strings), for rewrapping. */
  listDataKeys(options: ListDataKeysOptions): Promise<readonly DataKeyRecord[]>;
  /** Deletes every record of a scope (crypto-shredding); how many it deleted. */
  deleteDataKeyScope(scope: string): Promise<number>;
  /** How many records each master key wraps. */
  countDataKeysByMasterKey(): Promise<Readonly<Record<string, number>>>;
}

/** The methods every {@link DataKeyStore} has (checked at construction and by the suite). */
export const DATA_KEY_STORE_METHODS: readonly (keyof DataKeyStore)[] = [
  "getDataKey",
  "getCurrentDataKey",
  "setCurrentDataKey",
  "updateDataKeyWrapping",
  "listDataKeys",
  "deleteDataKeyScope",
  "countDataKeysByMasterKey",
];
