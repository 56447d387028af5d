/**
 * Data keys in memory: creating them, unwrapping them from store records or from stateless
 * tokens, caching them (with their per-salt subkeys) for `cacheTtl` and at most
 * `maxMessagesPerDataKey` uses, and finding the one a scope writes under. Concurrent misses for
 * one key share one load (one store read, one unwrap: one key provider call). Wrapping is in
 * key-wrap.ts, subkeys in subkeys.ts; the envelope (envelope.ts) turns data keys into messages.
 */
import { type BoundedCache, createBoundedCache } from "../_internal/bounded-cache.js";
import { base64urlDecode, base64urlEncode } from "../_internal/encoding.js";
import { MoatError } from "../errors.js";
import { DATA_KEY_ID_LENGTH, type KeyMode, type ParsedMessage, decryptError } from "./format.js";
import type { KeyWrapper } from "./key-wrap.js";
import type { DataKeyRecord, DataKeyStore } from "./store.js";
import { createShredGenerations } from "./shred-generations.js";
import { refKeyOf, sameBytes } from "./key-refs.js";
import { DERIVED_PER_KEY, type Derived, type Writer } from "./subkeys.js";

/** @internal An unwrapped data key in memory. */
export interface DataKey {
  readonly mode: KeyMode;
  readonly ref: Uint8Array;
  readonly refKey: string;
  readonly id: string | undefined;
  readonly scope: string;
  /** The master key that wraps it: the record's (stored) or the token's (embedded). */
  readonly masterKeyId: string;
  readonly key: Uint8Array;
  readonly expiresAt: number;
  /** Subkeys by salt and suite (subkeys.ts). */
  readonly derived: BoundedCache<string, Derived>;
  writer: Writer | undefined;
  /** Messages sealed or opened with it from this cache entry (bounded by maxMessagesPerDataKey). */
  uses: number;
  /** Set when its scope is shredded: nothing may use it from then on. */
  destroyed: boolean;
}

/** @internal What the data key layer needs from the envelope's options. */
interface DataKeyDeps {
  readonly wrapper: KeyWrapper;
  readonly primaryKeyId: string;
  /** The envelope's store, already wrapped so failures are ERR_STORE. */
  readonly store: DataKeyStore | undefined;
  readonly now: () => number;
  readonly cacheTtl: number;
  readonly cacheMaxEntries: number;
  readonly maxMessagesPerDataKey: number;
  /** Public random values (ids), possibly pooled. */
  readonly draw: (n: number) => Uint8Array;
}

/** @internal */
export interface DataKeys {
  /** Unwraps a store record (ERR_INTEGRITY when it does not unwrap); `allowRetired` for rewrapDataKeys. */
  readonly fromRecord: (record: DataKeyRecord, allowRetired?: boolean) => Promise<DataKey>;
  /** A cached data key with exactly this mode and reference, if not expired. */
  readonly cached: (mode: KeyMode, ref: Uint8Array) => DataKey | undefined;
  /** The data key new values of a scope go under; synchronous when cached. */
  readonly writingKey: (scope: string) => DataKey | Promise<DataKey>;
  /** The data key a parsed message names (the caller checks the scope). */
  readonly dataKeyFor: (msg: ParsedMessage) => Promise<DataKey>;
  /** A stored data key by id, from the cache or the store (unwrapped and cached). */
  readonly storedDataKey: (activeStore: DataKeyStore, ref: Uint8Array) => Promise<DataKey>;
  /** The id of a scope's current data key if it is under the primary master key. */
  readonly currentIdOf: (activeStore: DataKeyStore, scope: string) => Promise<string | undefined>;
  /** Makes a new data key the scope's current one; its id. */
  readonly rotate: (activeStore: DataKeyStore, scope: string) => Promise<string>;
  /** Drops cached keys of a scope, or all of them (a rewrap: the keys still exist). */
  readonly forget: (scope: string | undefined) => void;
  /**
   * A scope's keys are being (or were) destroyed: drops and marks its cached keys, and makes
   * every load of that scope still waiting on the store retry rather than cache what it read.
   * A shred calls it before and after its delete; an invalidation message once.
   */
  readonly shredded: (scope: string) => void;
}

function integrityError(message: string): MoatError {
  return new MoatError("ERR_INTEGRITY", { message });
}

/** @internal */
export function createDataKeys(deps: DataKeyDeps): DataKeys {
  const { wrapper, primaryKeyId, store, now, cacheTtl, cacheMaxEntries, maxMessagesPerDataKey, draw } = deps;

  /** Unwrapped data keys by reference (stored id or wrapped bytes). */
  const byRef = createBoundedCache<string, DataKey>(cacheMaxEntries);
  /** The stored data key each scope encrypts under. */
  const currentByScope = createBoundedCache<string, DataKey>(cacheMaxEntries);
  const pendingCurrent = new Map<string, Promise<DataKey>>();
  /** Loads in flight by reference: concurrent misses for one key wait for the same unwrap. */
  const pendingRef = new Map<string, Promise<DataKey>>();
  let statelessKey: DataKey | undefined;
  let pendingStateless: Promise<DataKey> | undefined;
  // The last key found in each cache: a hit here skips the LRU bookkeeping of a cache read (a
  // Map delete and insert), a visible share of a small field's cost. Cleared with the caches.
  let hotRef: DataKey | undefined;
  let hotCurrent: DataKey | undefined;

  function usable(dk: DataKey | undefined): dk is DataKey {
    return dk !== undefined && !dk.destroyed && dk.expiresAt > now() && dk.uses < maxMessagesPerDataKey;
  }

  /** Counts a message against a cached key; undefined when it has served its share. */
  function counted(dk: DataKey | undefined): DataKey | undefined {
    if (dk === undefined || dk.uses >= maxMessagesPerDataKey) return undefined;
    dk.uses++;
    return dk;
  }

  /** Counts a message against a key just loaded (every caller that waited for the load). */
  const use = (dk: DataKey): DataKey => {
    dk.uses++;
    return dk;
  };

  /** One load per key at a time: later callers for a reference wait for the first. */
  function singleFlight(refKey: string, load: () => Promise<DataKey>): Promise<DataKey> {
    let pending = pendingRef.get(refKey);
    if (pending === undefined) {
      pending = load().finally(() => pendingRef.delete(refKey));
      pendingRef.set(refKey, pending);
    }
    return pending;
  }
  // A shred of a scope while one of its keys loads makes the load read again (shred-generations.ts).
  const generations = createShredGenerations();
  /** A record a store returned for `scope` must be that scope's: its wrap AAD authenticates it. */
  function checkScope(record: DataKeyRecord, scope: string): void {
    if (record.scope !== scope)
      throw integrityError(`the data key store's current key for a scope belongs to another scope (${record.id})`);
  }

  function remember(dk: DataKey): DataKey {
    byRef.set(dk.refKey, dk, dk.expiresAt, now());
    return dk;
  }

  function rememberCurrent(dk: DataKey): DataKey {
    currentByScope.set(dk.scope, dk, dk.expiresAt, now());
    return dk;
  }

  function makeDataKey(
    mode: KeyMode,
    ref: Uint8Array,
    id: string | undefined,
    scope: string,
    masterKeyId: string,
    key: Uint8Array,
  ): DataKey {
    const derived = createBoundedCache<string, Derived>(DERIVED_PER_KEY);
    return {
      mode,
      ref,
      refKey: refKeyOf(mode, ref),
      id,
      scope,
      masterKeyId,
      key,
      expiresAt: now() + cacheTtl,
      derived,
      writer: undefined,
      uses: 0,
      destroyed: false,
    };
  }

  function decodeDataKeyId(id: string): Uint8Array {
    const ref = base64urlDecode(id);
    if (ref.length !== DATA_KEY_ID_LENGTH)
      throw new MoatError("ERR_STORE", { message: "data key store returned a malformed id" });
    return ref;
  }

  async function fromRecord(record: DataKeyRecord, allowRetired = false): Promise<DataKey> {
    const ref = decodeDataKeyId(record.id);
    const key = await wrapper.unwrapStored(record.masterKeyId, ref, record.scope, record.wrappedKey, allowRetired);
    if (key === undefined) {
      throw new MoatError("ERR_INTEGRITY", {
        message: `data key ${record.id} does not unwrap under master key ${record.masterKeyId}`,
      });
    }
    return makeDataKey("stored", ref, record.id, record.scope, record.masterKeyId, key);
  }

  /** A fresh data key for a scope, wrapped under the primary master key. */
  async function newRecord(scope: string): Promise<{ record: DataKeyRecord; key: Uint8Array }> {
    const ref = draw(DATA_KEY_ID_LENGTH).slice();
    const { key, wrapped: wrappedKey } = await wrapper.newStored(primaryKeyId, ref, scope);
    return {
      record: { id: base64urlEncode(ref), scope, masterKeyId: primaryKeyId, wrappedKey, createdAt: now() },
      key,
    };
  }

  /** The scope's current key from the store, cached; reads again when the scope was shredded meanwhile. */
  async function loadCurrent(activeStore: DataKeyStore, scope: string): Promise<DataKey> {
    for (;;) {
      const started = generations.current();
      const existing = await activeStore.getCurrentDataKey(scope);
      if (existing !== null) checkScope(existing, scope);
      if (generations.shreddedSince(scope, started)) continue;
      if (existing?.masterKeyId === primaryKeyId) {
        const dk = await fromRecord(existing);
        if (generations.shreddedSince(scope, started)) continue;
        return rememberCurrent(remember(dk));
      }
      // No current key, or one wrapped under a master key that is no longer primary: start a new one.
      const { record, key } = await newRecord(scope);
      const result = await activeStore.setCurrentDataKey(record, existing?.id ?? null);
      checkScope(result.current, scope);
      if (generations.shreddedSince(scope, started) || !result.created) key.fill(0);
      if (generations.shreddedSince(scope, started)) continue;
      if (result.created)
        return rememberCurrent(
          remember(makeDataKey("stored", decodeDataKeyId(record.id), record.id, scope, primaryKeyId, key)),
        );
      const dk = await fromRecord(result.current);
      if (generations.shreddedSince(scope, started)) continue;
      return rememberCurrent(remember(dk));
    }
  }

  async function rotate(activeStore: DataKeyStore, scope: string): Promise<string> {
    const existing = await activeStore.getCurrentDataKey(scope);
    const { record, key } = await newRecord(scope);
    key.fill(0);
    const result = await activeStore.setCurrentDataKey(record, existing?.id ?? null);
    currentByScope.delete(scope);
    hotCurrent = undefined;
    return result.current.id;
  }

  async function currentDataKey(activeStore: DataKeyStore, scope: string): Promise<DataKey> {
    const hit = currentByScope.get(scope, now());
    if (hit !== undefined) return hit;
    // Concurrent first writes of a scope share one load, so they agree on one key.
    let pending = pendingCurrent.get(scope);
    if (pending === undefined) {
      pending = generations.tracked(() => loadCurrent(activeStore, scope)).finally(() => pendingCurrent.delete(scope));
      pendingCurrent.set(scope, pending);
    }
    return pending;
  }

  /** The key new stateless values go under: renewed at cacheTtl or after maxMessagesPerDataKey messages. */
  function statelessDataKey(): DataKey | Promise<DataKey> {
    if (usable(statelessKey)) {
      statelessKey.uses++;
      return statelessKey;
    }
    // Concurrent writers at a renewal share one new key (one provider call). Each waiter asks
    // again once it is in, so each is counted and a key that has served its share is renewed
    // again rather than used past maxMessagesPerDataKey.
    if (pendingStateless !== undefined) return pendingStateless.then(() => statelessDataKey());
    const { mode, made } = wrapper.newEmbedded(primaryKeyId);
    const adopt = ({ key, wrapped }: { key: Uint8Array; wrapped: Uint8Array }): DataKey => {
      statelessKey = remember(makeDataKey(mode, wrapped, undefined, "", primaryKeyId, key));
      statelessKey.uses++;
      return statelessKey;
    };
    if (!(made instanceof Promise)) return adopt(made);
    pendingStateless = made.then(adopt).finally(() => {
      pendingStateless = undefined;
    });
    return pendingStateless;
  }

  async function storedDataKey(activeStore: DataKeyStore, ref: Uint8Array): Promise<DataKey> {
    const refKey = refKeyOf("stored", ref);
    const hit = counted(byRef.get(refKey, now()));
    if (hit !== undefined) return hit;
    return singleFlight(refKey, () => loadStored(activeStore, ref)).then(use);
  }

  function loadStored(activeStore: DataKeyStore, ref: Uint8Array): Promise<DataKey> {
    const id = base64urlEncode(ref);
    return generations.tracked(async () => {
      for (;;) {
        const started = generations.current();
        const record = await activeStore.getDataKey(id);
        if (record === null)
          throw new MoatError("ERR_KEY_NOT_FOUND", {
            message: `data key ${id} not found (shredded, or never stored here)`,
          });
        if (record.id !== id) throw integrityError(`the data key store answered a read of ${id} with another key`);
        const dk = await fromRecord(record);
        // Read before a shred of its scope finished: read again (the key is then gone, or was not yet deleted).
        if (!generations.shreddedSince(record.scope, started)) return remember(dk);
      }
    });
  }

  function drop(scope: string, destroyed: boolean): void {
    hotRef = undefined;
    hotCurrent = undefined;
    for (const [ref, dk] of byRef.entries()) {
      if (dk.scope !== scope || dk.mode !== "stored") continue;
      if (destroyed) dk.destroyed = true;
      byRef.delete(ref);
    }
    const current = currentByScope.get(scope);
    if (current !== undefined && destroyed) current.destroyed = true;
    currentByScope.delete(scope);
  }

  return {
    fromRecord,
    cached(mode, ref) {
      // Compared as bytes, so a hit does not build the cache key string.
      if (usable(hotRef) && hotRef.mode === mode && sameBytes(hotRef.ref, ref)) {
        hotRef.uses++;
        return hotRef;
      }
      const refKey = refKeyOf(mode, ref);
      const dk = byRef.get(refKey, now());
      // A wrapped key is cached by its nonce alone: confirm the whole reference.
      if (dk === undefined || dk.mode !== mode || !sameBytes(dk.ref, ref)) return undefined;
      // It has served its share of messages: drop it, so the next use unwraps it again.
      if (counted(dk) === undefined) {
        byRef.delete(refKey);
        return undefined;
      }
      hotRef = dk;
      return dk;
    },
    writingKey(scope) {
      if (store === undefined) return statelessDataKey();
      if (usable(hotCurrent) && hotCurrent.scope === scope) {
        hotCurrent.uses++;
        return hotCurrent;
      }
      const dk = counted(currentByScope.get(scope, now()));
      if (dk === undefined) {
        currentByScope.delete(scope);
        return currentDataKey(store, scope).then(use);
      }
      hotCurrent = dk;
      return dk;
    },
    dataKeyFor(msg) {
      if (msg.mode !== "stored") {
        const { mode, masterKeyId } = msg;
        const ref = msg.keyRef.slice();
        // Keyed by master key id too: the same wrapped bytes relabelled to another entry load apart.
        return singleFlight(`${masterKeyId}\u0000${refKeyOf(mode, ref)}`, async () => {
          const key = await wrapper.unwrapEmbedded(mode, masterKeyId, ref);
          if (key === undefined) throw decryptError();
          return remember(makeDataKey(mode, ref, undefined, "", masterKeyId, key));
        }).then(use);
      }
      if (store === undefined) {
        throw new MoatError("ERR_KEY_NOT_FOUND", {
          message: "this value uses a stored data key, but the envelope has no dataKeys store",
        });
      }
      return storedDataKey(store, msg.keyRef);
    },
    storedDataKey,
    async currentIdOf(activeStore, scope) {
      const hit = currentByScope.get(scope, now());
      if (hit !== undefined) return hit.id;
      return generations.tracked(async () => {
        const started = generations.current();
        const record = await activeStore.getCurrentDataKey(scope);
        if (record !== null) checkScope(record, scope);
        if (record?.masterKeyId !== primaryKeyId) return undefined;
        const dk = await fromRecord(record);
        if (!generations.shreddedSince(scope, started)) rememberCurrent(remember(dk));
        return record.id;
      });
    },
    rotate,
    forget(scope) {
      if (scope === undefined) {
        byRef.clear();
        currentByScope.clear();
        hotRef = undefined;
        hotCurrent = undefined;
        return;
      }
      drop(scope, false);
    },
    shredded(scope) {
      generations.shredded(scope);
      drop(scope, true);
    },
  };
}
