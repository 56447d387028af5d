/**
 * Key administration of an envelope, kept apart from its value API: making a scope's data key
 * new (rotation), re-wrapping stored data keys under the primary master key, crypto-shredding a
 * tenant, and finding which master keys values still depend on. It shares the envelope's key
 * cache, so a shred or a re-wrap is seen by the envelope at once.
 */
import { MoatError } from "../errors.js";
import { tenantScope } from "./context.js";
import type { DataKeys } from "./data-keys.js";
import { parseToken } from "./format.js";
import type { KeyWrapper } from "./key-wrap.js";
import type { DataKeyInvalidation } from "./invalidation.js";
import type { DataKeyRecord, DataKeyStore } from "./store.js";
import { assertKnownKeys, knownKeys } from "../_internal/options.js";

/** What {@link EnvelopeKeys.rotateDataKeys} did. */
export interface DataKeyRotateResult {
  /** The id of the scope's new current data key. */
  readonly dataKeyId: string;
}

/** Options for {@link EnvelopeKeys.rewrapDataKeys}. */
export interface RewrapDataKeysOptions {
  /** Stops between pages with ERR_ABORTED. */
  readonly signal?: AbortSignal;
  /** Records per page. Default 500. */
  readonly batchSize?: number;
}

const REWRAP_KEYS = knownKeys<RewrapDataKeysOptions>({ signal: true, batchSize: true });
const ROTATE_KEYS: readonly string[] = ["tenantId"];

/** What {@link EnvelopeKeys.rewrapDataKeys} did. */
export interface DataKeyRewrapResult {
  /** Records examined. */
  readonly scanned: number;
  /** Records re-wrapped under the primary master key by this call. */
  readonly rewrapped: number;
  /** Records already under the primary (or re-wrapped concurrently by another process). */
  readonly alreadyCurrent: number;
  /** Records the store still holds per master key id after the run. */
  readonly remainingByMasterKeyId: Readonly<Record<string, number>>;
}

/**
 * What {@link EnvelopeKeys.shredTenant} did. It counts stored data keys only: values written in
 * stateless mode carry their own wrapped data key, survive the shred, and are not counted (the
 * envelope keeps no record of them, so it cannot know how many there are).
 */
export interface TenantShredResult {
  /** Stored data keys destroyed. */
  readonly dataKeysDestroyed: number;
}

/** Where a value's readability depends on, for deciding when a master key may be removed. */
export interface KeyDependency {
  /** The master key the value needs today (for stored data keys: the key wrapping it now). */
  readonly masterKeyId: string;
  /** The stored data key id, for values under a stored data key. */
  readonly dataKeyId?: string;
}

/**
 * Key administration of an {@link Envelope}, at `envelope.keys`. Everything except
 * `dependencyOf` needs an envelope created with a `dataKeys` store (ERR_CONFIG otherwise).
 *
 * @example
 * ```ts
 * await envelope.keys.rotateDataKeys({ tenantId: "t1" });        // new values of t1 use a new data key
 * const { remainingByMasterKeyId } = await envelope.keys.rewrapDataKeys(); // after adding a primary
 * await envelope.keys.shredTenant("t2");                         // t2's values are gone for good
 * ```
 */
export interface EnvelopeKeys {
  /** Makes a new current data key for a tenant (or the default scope). */
  rotateDataKeys(options?: { readonly tenantId?: string }): Promise<DataKeyRotateResult>;
  /**
   * Re-wraps every stored data key under the primary master key, without touching values: from
   * an environment key to a key provider's, between providers, or back. It unwraps each record
   * under its own entry, retired entries included (moving records off them is what retiring is
   * for), and compare-and-sets the new wrap.
   *
   * @throws MoatError ERR_KEY_PROVIDER when a provider fails (records done so far stay done).
   */
  rewrapDataKeys(options?: RewrapDataKeysOptions): Promise<DataKeyRewrapResult>;
  /**
   * Destroys a tenant's stored data keys; its values then fail with ERR_KEY_NOT_FOUND. Once it
   * resolves this envelope neither decrypts nor writes the tenant's data under a destroyed key
   * (calls already waiting on the store included); with `invalidation`, other processes drop
   * their cached keys at once. Values written in stateless mode are not reachable and survive.
   *
   * @throws MoatError ERR_STORE when the store fails, or when the keys are destroyed but the
   *   announcement on the invalidation channel failed (`details.dataKeysDestroyed` is set).
   */
  shredTenant(tenantId: string): Promise<TenantShredResult>;
  /** The master key (and data key) a value depends on today. Works in both modes. */
  dependencyOf(token: string | Uint8Array): Promise<KeyDependency>;
  /** How many stored data keys each master key wraps: a master key at 0 wraps none. */
  countDataKeysByMasterKey(): Promise<Readonly<Record<string, number>>>;
}

/** @internal What key administration needs from the envelope. */
interface EnvelopeKeysDeps {
  /** The envelope's store, already wrapped so failures are ERR_STORE. */
  readonly store: DataKeyStore | undefined;
  readonly dataKeys: DataKeys;
  readonly wrapper: KeyWrapper;
  readonly primaryKeyId: string;
  readonly invalidation: DataKeyInvalidation | undefined;
}

function needsStore(what: string): MoatError {
  return new MoatError("ERR_CONFIG", { message: `${what} needs an envelope created with a dataKeys store` });
}

/** @internal */
export function createEnvelopeKeys(deps: EnvelopeKeysDeps): EnvelopeKeys {
  const { store, dataKeys, wrapper, primaryKeyId, invalidation } = deps;

  function storeFor(what: string): DataKeyStore {
    if (store === undefined) throw needsStore(what);
    return store;
  }

  /** Moves one record under the primary master key; whether this call did it. */
  async function rewrapRecord(activeStore: DataKeyStore, record: DataKeyRecord): Promise<boolean> {
    // A retired entry still unwraps here: moving data keys off it is what retiring it is for.
    const dk = await dataKeys.fromRecord(record, true);
    let wrapped: Uint8Array;
    try {
      wrapped = await wrapper.wrapStored(primaryKeyId, dk.ref, record.scope, dk.key);
    } finally {
      dk.key.fill(0);
    }
    return activeStore.updateDataKeyWrapping(record.id, record.masterKeyId, primaryKeyId, wrapped);
  }

  async function rewrapDataKeys(options: RewrapDataKeysOptions = {}): Promise<DataKeyRewrapResult> {
    assertKnownKeys(options, REWRAP_KEYS, "rewrapDataKeys options", "ERR_INVALID_INPUT");
    const activeStore = storeFor("rewrapDataKeys");
    const batchSize = options.batchSize ?? 500;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1)
      throw new MoatError("ERR_INVALID_INPUT", { message: "batchSize must be a positive integer" });
    let after: string | undefined;
    let scanned = 0;
    let rewrapped = 0;
    let alreadyCurrent = 0;
    for (;;) {
      if (options.signal?.aborted === true)
        throw new MoatError("ERR_ABORTED", { details: { scanned, rewrapped, alreadyCurrent } });
      const page = await activeStore.listDataKeys(
        after === undefined ? { limit: batchSize } : { after, limit: batchSize },
      );
      for (const record of page) {
        scanned++;
        // Another process may re-wrap the same record meanwhile: its compare-and-set wins, this one counts it as current.
        if (record.masterKeyId !== primaryKeyId && (await rewrapRecord(activeStore, record))) rewrapped++;
        else alreadyCurrent++;
      }
      const last = page[page.length - 1];
      if (last === undefined || page.length < batchSize) break;
      after = last.id;
    }
    dataKeys.forget(undefined);
    return { scanned, rewrapped, alreadyCurrent, remainingByMasterKeyId: await activeStore.countDataKeysByMasterKey() };
  }

  return {
    async rotateDataKeys(options = {}) {
      // A misspelt tenantId must not rotate the default scope's key instead of the tenant's.
      assertKnownKeys(options, ROTATE_KEYS, "rotateDataKeys options", "ERR_INVALID_INPUT");
      const activeStore = storeFor("rotateDataKeys");
      return { dataKeyId: await dataKeys.rotate(activeStore, tenantScope(options.tenantId)) };
    },
    rewrapDataKeys,
    async shredTenant(tenantId) {
      const activeStore = storeFor("shredTenant");
      if (typeof tenantId !== "string" || tenantId.length === 0)
        throw new MoatError("ERR_INVALID_INPUT", { message: "shredTenant needs a tenant id" });
      const scope = tenantScope(tenantId);
      // Before and after the delete: a load that read the scope's keys in between reads again
      // instead of caching a destroyed key (data-keys.ts, shred generations).
      dataKeys.shredded(scope);
      let dataKeysDestroyed: number;
      try {
        dataKeysDestroyed = await activeStore.deleteDataKeyScope(scope);
      } finally {
        dataKeys.shredded(scope);
      }
      try {
        await invalidation?.publish(scope);
      } catch (err) {
        // The keys are gone; only the other processes' caches were not told (they expire at cacheTtl).
        throw new MoatError("ERR_STORE", {
          message: "shredTenant destroyed the data keys, but announcing it on the invalidation channel failed",
          details: { dataKeysDestroyed },
          cause: err,
        });
      }
      return { dataKeysDestroyed };
    },
    async dependencyOf(token) {
      const msg = parseToken(token);
      if (msg.mode !== "stored") return { masterKeyId: msg.masterKeyId };
      const dk = await dataKeys.storedDataKey(storeFor("a value under a stored data key"), msg.keyRef);
      return { masterKeyId: dk.masterKeyId, dataKeyId: dk.id ?? "" };
    },
    countDataKeysByMasterKey() {
      return Promise.resolve().then(() => storeFor("countDataKeysByMasterKey").countDataKeysByMasterKey());
    },
  };
}
