/**
 * Data keys in memory: creating, wrapping and unwrapping them under master keys, caching them
 * (with their per-salt subkeys) for `cacheTtlMs`, and finding the one a scope writes under.
 * The envelope (envelope.ts) turns these into messages.
 */
import { constantTimeEqual } from "../_internal/ct-compare.js";
import { base64urlDecode, base64urlEncode, utf8Encode } from "../_internal/encoding.js";
import { type RandomSource, randomBytes } from "../_internal/runtime.js";
import { storeCall } from "../_internal/store-error.js";
import { MoatError } from "../errors.js";
import { AEAD_KEY_LENGTH, type AeadAlgorithm, type CryptoBackend } from "./backend.js";
import {
  COMMITMENT_LENGTH,
  DATA_KEY_ID_LENGTH,
  type KeyMode,
  type ParsedMessage,
  SALT_LENGTH,
  WRAPPED_KEY_LENGTH,
  decryptError,
  encodeHeader,
  suiteByte,
} from "./format.js";
import { type MasterKeyring, masterKeyBytes } from "./keyring.js";
import type { DataKeyRecord, DataKeyStore } from "./store.js";

/** Encryptions under one (data key, salt) pair before a new salt is drawn. */
export const MESSAGES_PER_SALT: number = 2 ** 20;

/** @internal A per-(data key, salt) subkey and its commitment value. */
export interface Derived {
  readonly suite: number;
  readonly salt: Uint8Array;
  readonly subkey: Uint8Array;
  readonly commitment: Uint8Array;
}

/** @internal The encrypting side's current batch under one data key. */
export interface Writer {
  readonly derived: Derived;
  readonly header: Uint8Array;
  /** `mk1.<keyId>.`, and where the base64url payload starts in the binary form. */
  readonly stringPrefix: string;
  readonly payloadOffset: number;
  remaining: number;
}

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
  readonly derived: Map<string, Derived>;
  writer: Writer | undefined;
}

const MESSAGE_INFO = utf8Encode("moatkit/v1 message ");
const WRAP_INFO = utf8Encode("moatkit/v1 key-wrap");
const WRAP_AAD_LABEL = utf8Encode("moatkit/v1 data-key");
const EMPTY = new Uint8Array(0);
/** Derived subkeys kept per data key on the decrypting side. */
const DERIVED_PER_KEY = 64;

function bytesKey(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** @internal Cache key of a data key reference. A wrapped key is keyed by its 12-byte nonce (which is random) and confirmed against the full bytes on lookup. */
export function refKeyOf(mode: KeyMode, ref: Uint8Array): string {
  return bytesKey(mode === "embedded" ? ref.subarray(0, 12) : ref);
}

/** @internal Byte equality of public values (not constant-time). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function lengthPrefixed(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + 4 + p.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const p of parts) {
    view.setUint32(offset, p.length);
    out.set(p, offset + 4);
    offset += 4 + p.length;
  }
  return out;
}

/** @internal What the data key layer needs from the envelope's options. */
export interface DataKeyDeps {
  readonly keyring: MasterKeyring;
  readonly backend: CryptoBackend;
  readonly store: DataKeyStore | undefined;
  readonly algorithm: AeadAlgorithm;
  readonly now: () => number;
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  /** Public random values (nonces, salts, ids), possibly pooled. */
  readonly draw: (n: number) => Uint8Array;
  /** Key material, drawn directly. */
  readonly random: RandomSource;
}

/** @internal */
export interface DataKeys {
  readonly wrap: (keyMode: KeyMode, masterKeyId: string, id: Uint8Array, scope: string, key: Uint8Array) => Uint8Array;
  readonly fromRecord: (record: DataKeyRecord) => DataKey;
  readonly cached: (refKey: string) => DataKey | undefined;
  readonly writingKey: (scope: string) => DataKey | Promise<DataKey>;
  readonly dataKeyFor: (msg: ParsedMessage) => Promise<DataKey>;
  readonly storedDataKey: (activeStore: DataKeyStore, ref: Uint8Array) => Promise<DataKey>;
  readonly currentIdOf: (activeStore: DataKeyStore, scope: string) => Promise<string | undefined>;
  readonly rotate: (activeStore: DataKeyStore, scope: string) => Promise<string>;
  readonly derive: (dk: DataKey, salt: Uint8Array, suite: number) => Derived;
  readonly writerOf: (dk: DataKey) => Writer;
  readonly forget: (scope: string | undefined) => void;
}

/** @internal */
export function createDataKeys(deps: DataKeyDeps): DataKeys {
  const { keyring, backend, store, algorithm, now, cacheTtlMs, cacheMaxEntries, draw, random } = deps;
  const primaryId = keyring.primaryKeyId;

  const wrapKeys = new Map<string, Uint8Array>();
  /** Unwrapped data keys by reference (stored id or wrapped bytes). */
  const byRef = new Map<string, DataKey>();
  /** The stored data key each scope encrypts under. */
  const currentByScope = new Map<string, DataKey>();
  const pendingCurrent = new Map<string, Promise<DataKey>>();
  let statelessKey: DataKey | undefined;

  // -------------------------------------------------------------------------------------------
  // Master keys and wrapping

  function wrapKeyOf(masterKeyId: string): Uint8Array {
    let key = wrapKeys.get(masterKeyId);
    if (key === undefined) {
      const master = masterKeyBytes(keyring, masterKeyId);
      if (master === undefined) {
        throw new MoatError("ERR_KEY_NOT_FOUND", { message: `master key ${masterKeyId} is not in the keyring` });
      }
      key = backend.hkdf(master, EMPTY, WRAP_INFO, AEAD_KEY_LENGTH);
      wrapKeys.set(masterKeyId, key);
    }
    return key;
  }

  function wrapAad(keyMode: KeyMode, masterKeyId: string, id: Uint8Array, scope: string): Uint8Array {
    return lengthPrefixed([WRAP_AAD_LABEL, Uint8Array.of(keyMode === "stored" ? 1 : 2), utf8Encode(masterKeyId), id, utf8Encode(scope)]);
  }

  function wrap(keyMode: KeyMode, masterKeyId: string, id: Uint8Array, scope: string, key: Uint8Array): Uint8Array {
    const out = new Uint8Array(WRAPPED_KEY_LENGTH);
    const nonce = draw(12);
    out.set(nonce);
    backend.sealInto("aes-256-gcm", wrapKeyOf(masterKeyId), nonce, wrapAad(keyMode, masterKeyId, id, scope), key, out, 12);
    return out;
  }

  function unwrap(keyMode: KeyMode, masterKeyId: string, id: Uint8Array, scope: string, wrapped: Uint8Array): Uint8Array | undefined {
    if (wrapped.length !== WRAPPED_KEY_LENGTH) return undefined;
    const key = backend.open("aes-256-gcm", wrapKeyOf(masterKeyId), wrapped.subarray(0, 12), wrapAad(keyMode, masterKeyId, id, scope), wrapped.subarray(12));
    return key?.length === AEAD_KEY_LENGTH ? key : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Data key cache

  function remember(dk: DataKey): DataKey {
    byRef.delete(dk.refKey);
    byRef.set(dk.refKey, dk);
    // Maps iterate in insertion order: dropping the first entry drops the least recently stored.
    while (byRef.size > cacheMaxEntries) {
      const oldest = byRef.keys().next();
      if (oldest.done === true) break;
      byRef.delete(oldest.value);
    }
    return dk;
  }

  function cached(refKey: string): DataKey | undefined {
    const dk = byRef.get(refKey);
    if (dk === undefined) return undefined;
    if (dk.expiresAt <= now()) {
      byRef.delete(refKey);
      return undefined;
    }
    return dk;
  }

  function makeDataKey(keyMode: KeyMode, ref: Uint8Array, id: string | undefined, scope: string, masterKeyId: string, key: Uint8Array): DataKey {
    return { mode: keyMode, ref, refKey: refKeyOf(keyMode, ref), id, scope, masterKeyId, key, expiresAt: now() + cacheTtlMs, derived: new Map(), writer: undefined };
  }

  function fromRecord(record: DataKeyRecord): DataKey {
    const ref = decodeDataKeyId(record.id);
    const key = unwrap("stored", record.masterKeyId, ref, record.scope, record.wrappedKey);
    if (key === undefined) {
      throw new MoatError("ERR_INTEGRITY", { message: `data key ${record.id} does not unwrap under master key ${record.masterKeyId}` });
    }
    return makeDataKey("stored", ref, record.id, record.scope, record.masterKeyId, key);
  }

  function decodeDataKeyId(id: string): Uint8Array {
    const ref = base64urlDecode(id);
    if (ref.length !== DATA_KEY_ID_LENGTH) throw new MoatError("ERR_STORE", { message: "data key store returned a malformed id" });
    return ref;
  }

  async function loadCurrent(activeStore: DataKeyStore, scope: string): Promise<DataKey> {
    const existing = await storeCall("dataKeys", "getCurrent", () => activeStore.getCurrent(scope));
    if (existing?.masterKeyId === primaryId) return remember(fromRecord(existing));
    // No current key, or one wrapped under a master key that is no longer primary: start a new one.
    const { record, key } = newRecord(scope);
    const result = await storeCall("dataKeys", "setCurrent", () => activeStore.setCurrent(record, existing?.id ?? null));
    if (result.created) return remember(makeDataKey("stored", decodeDataKeyId(record.id), record.id, scope, primaryId, key));
    key.fill(0);
    return remember(fromRecord(result.current));
  }

  /** A fresh data key for a scope, wrapped under the primary master key. */
  function newRecord(scope: string): { record: DataKeyRecord; key: Uint8Array } {
    const ref = draw(DATA_KEY_ID_LENGTH).slice();
    const key = randomBytes(random, AEAD_KEY_LENGTH).slice();
    const record: DataKeyRecord = { id: base64urlEncode(ref), scope, masterKeyId: primaryId, wrappedKey: wrap("stored", primaryId, ref, scope, key), createdAt: now() };
    return { record, key };
  }

  /** Makes a new data key the scope's current one; its id. */
  async function rotate(activeStore: DataKeyStore, scope: string): Promise<string> {
    const existing = await storeCall("dataKeys", "getCurrent", () => activeStore.getCurrent(scope));
    const { record, key } = newRecord(scope);
    key.fill(0);
    const result = await storeCall("dataKeys", "setCurrent", () => activeStore.setCurrent(record, existing?.id ?? null));
    currentByScope.delete(scope);
    return result.current.id;
  }

  async function currentDataKey(activeStore: DataKeyStore, scope: string): Promise<DataKey> {
    const hit = cachedCurrent(scope);
    if (hit !== undefined) return hit;
    let pending = pendingCurrent.get(scope);
    if (pending === undefined) {
      pending = loadCurrent(activeStore, scope).finally(() => pendingCurrent.delete(scope));
      pendingCurrent.set(scope, pending);
    }
    const dk = await pending;
    currentByScope.set(scope, dk);
    return dk;
  }

  function statelessDataKey(): DataKey {
    if (statelessKey !== undefined && statelessKey.expiresAt > now()) return statelessKey;
    const key = randomBytes(random, AEAD_KEY_LENGTH).slice();
    const wrapped = wrap("embedded", primaryId, EMPTY, "", key);
    statelessKey = remember(makeDataKey("embedded", wrapped, undefined, "", primaryId, key));
    return statelessKey;
  }

  async function storedRecord(activeStore: DataKeyStore, id: string): Promise<DataKeyRecord> {
    const record = await storeCall("dataKeys", "get", () => activeStore.get(id));
    if (record === undefined) {
      throw new MoatError("ERR_KEY_NOT_FOUND", { message: `data key ${id} not found (shredded, or never stored here)` });
    }
    return record;
  }

  /** The data key a parsed message names (the caller checks the scope). */
  async function dataKeyFor(msg: ParsedMessage): Promise<DataKey> {
    if (msg.mode === "embedded") {
      const key = unwrap("embedded", msg.masterKeyId, EMPTY, "", msg.keyRef);
      if (key === undefined) throw decryptError();
      return remember(makeDataKey("embedded", msg.keyRef.slice(), undefined, "", msg.masterKeyId, key));
    }
    if (store === undefined) {
      throw new MoatError("ERR_KEY_NOT_FOUND", { message: "this value uses a stored data key, but the envelope has no dataKeys store" });
    }
    return storedDataKey(store, msg.keyRef);
  }

  function derive(dk: DataKey, salt: Uint8Array, suite: number): Derived {
    const writer = dk.writer;
    if (writer !== undefined && writer.derived.suite === suite && constantTimeEqual(writer.derived.salt, salt)) return writer.derived;
    const saltKey = bytesKey(salt) + String.fromCharCode(suite);
    let derived = dk.derived.get(saltKey);
    if (derived === undefined) {
      derived = deriveSubkey(dk.key, salt.slice(), suite);
      rememberDerived(dk, saltKey, derived);
    }
    return derived;
  }

  function rememberDerived(dk: DataKey, saltKey: string, derived: Derived): void {
    if (dk.derived.size >= DERIVED_PER_KEY) {
      const oldest = dk.derived.keys().next();
      if (oldest.done !== true) dk.derived.delete(oldest.value);
    }
    dk.derived.set(saltKey, derived);
  }

  /** HKDF-SHA-256(data key, salt, "moatkit/v1 message " ‖ suite) → subkey(32) ‖ commitment(16). */
  function deriveSubkey(key: Uint8Array, salt: Uint8Array, suite: number): Derived {
    const okm = backend.hkdf(key, salt, concat(MESSAGE_INFO, Uint8Array.of(suite)), AEAD_KEY_LENGTH + COMMITMENT_LENGTH);
    return { suite, salt, subkey: okm.subarray(0, AEAD_KEY_LENGTH), commitment: okm.subarray(AEAD_KEY_LENGTH) };
  }

  function writerOf(dk: DataKey): Writer {
    let writer = dk.writer;
    if (writer === undefined || writer.remaining <= 0) {
      const suite = suiteByte(dk.mode, algorithm);
      const derived = deriveSubkey(dk.key, draw(SALT_LENGTH).slice(), suite);
      rememberDerived(dk, bytesKey(derived.salt) + String.fromCharCode(suite), derived);
      writer = {
        derived,
        header: encodeHeader(dk.masterKeyId, suite, dk.ref, derived.salt, derived.commitment),
        stringPrefix: `mk1.${dk.masterKeyId}.`,
        payloadOffset: 2 + dk.masterKeyId.length,
        remaining: MESSAGES_PER_SALT,
      };
      dk.writer = writer;
    }
    writer.remaining--;
    return writer;
  }

  function cachedCurrent(scope: string): DataKey | undefined {
    const hit = currentByScope.get(scope);
    return hit !== undefined && hit.expiresAt > now() ? hit : undefined;
  }

  /** The data key new values of a scope go under; synchronous when cached. */
  function writingKey(scope: string): DataKey | Promise<DataKey> {
    if (store === undefined) return statelessDataKey();
    return cachedCurrent(scope) ?? currentDataKey(store, scope);
  }

  /** A stored data key by id, from the cache or the store (unwrapped and cached). */
  async function storedDataKey(activeStore: DataKeyStore, ref: Uint8Array): Promise<DataKey> {
    return cached(refKeyOf("stored", ref)) ?? remember(fromRecord(await storedRecord(activeStore, base64urlEncode(ref))));
  }

  /** The id of a scope's current data key if it is under the primary master key. */
  async function currentIdOf(activeStore: DataKeyStore, scope: string): Promise<string | undefined> {
    const hit = currentByScope.get(scope);
    if (hit !== undefined && hit.expiresAt > now()) return hit.id;
    const record = await storeCall("dataKeys", "getCurrent", () => activeStore.getCurrent(scope));
    if (record?.masterKeyId !== primaryId) return undefined;
    currentByScope.set(scope, remember(fromRecord(record)));
    return record.id;
  }

  function forget(scope: string | undefined): void {
    for (const [ref, dk] of byRef) if (scope === undefined || dk.scope === scope) byRef.delete(ref);
    if (scope === undefined) currentByScope.clear();
    else currentByScope.delete(scope);
  }

  return { wrap, fromRecord, cached, writingKey, dataKeyFor, storedDataKey, currentIdOf, rotate, derive, writerOf, forget };
}
