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

/** What {@link DataKeyStore.setCurrent} did. */
export interface SetCurrentResult {
  /** Whether this call's record became current (and was stored). */
  readonly created: boolean;
  /** The scope's current record after the call: this call's, or the one that won. */
  readonly current: DataKeyRecord;
}

/** A page of {@link DataKeyStore.list}. */
export interface ListDataKeysOptions {
  /** Return records whose id sorts after this one (byte order); omit for the first page. */
  readonly after?: string;
  /** Page size. */
  readonly limit: number;
}

/**
 * Storage for data keys. Every method is one atomic operation; `setCurrent` and `updateWrapping`
 * are compare-and-set: of N concurrent callers with the same expectation, exactly one wins.
 */
export interface DataKeyStore {
  /** A record by id, or `undefined`. */
  get(id: string): Promise<DataKeyRecord | undefined>;
  /** The scope's current record (the one new values are encrypted under), or `undefined`. */
  getCurrent(scope: string): Promise<DataKeyRecord | undefined>;
  /**
   * Stores `record` and makes it its scope's current key if the scope has no current key or its
   * current key id is still `expectedCurrentId`; otherwise stores nothing and returns the
   * current record. Of N concurrent callers with the same expectation, exactly one creates.
   * An id that already exists is an error (ERR_STORE).
   */
  setCurrent(record: DataKeyRecord, expectedCurrentId: string | null): Promise<SetCurrentResult>;
  /** Replaces a record's wrapping if it is still wrapped under `expectedMasterKeyId`; whether it did. */
  updateWrapping(id: string, expectedMasterKeyId: string, masterKeyId: string, wrappedKey: Uint8Array): Promise<boolean>;
  /** Records in id order (byte order of the id strings), for rewrapping. */
  list(options: ListDataKeysOptions): Promise<readonly DataKeyRecord[]>;
  /** Deletes every record of a scope (crypto-shredding); how many it deleted. */
  deleteScope(scope: string): Promise<number>;
  /** How many records each master key wraps. */
  countByMasterKey(): Promise<Readonly<Record<string, number>>>;
}
