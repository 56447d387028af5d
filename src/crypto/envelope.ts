/**
 * Envelope encryption: each value is encrypted under a data key, and data keys are wrapped under
 * a master key. Per message, a subkey and a key-commitment value are derived with HKDF-SHA-256
 * from the data key and a salt the message carries; the salt is drawn once per batch of
 * 2^20 encryptions, so the HKDF cost is paid once per batch on both sides (subkeys are cached).
 */
import { z } from "zod";
import { constantTimeEqual } from "../_internal/ct-compare.js";
import { base64urlDecode, base64urlEncode, toBytes, utf8Decode, utf8Encode } from "../_internal/encoding.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, randomBytes, systemClock, systemRandom } from "../_internal/runtime.js";
import { durationSchema } from "../_internal/duration.js";
import { storeCall } from "../_internal/store-error.js";
import { MoatError } from "../errors.js";
import { AEAD_KEY_LENGTH, type AeadAlgorithm, type CryptoBackend, type CryptoBackendName, NONCE_LENGTH, TAG_LENGTH } from "./backend.js";
import { resolveBackend } from "./backend-select.js";
import { type Binding, type BindingOptions, associatedData, readBinding, tenantScope } from "./context.js";
import {
  COMMITMENT_LENGTH,
  DATA_KEY_ID_LENGTH,
  MAX_PLAINTEXT_BYTES,
  type KeyMode,
  type ParsedMessage,
  SALT_LENGTH,
  WRAPPED_KEY_LENGTH,
  decryptError,
  encodeHeader,
  parseToken,
  suiteByte,
  toStringForm,
} from "./format.js";
import { type MasterKeyring, isMasterKeyring, masterKeyBytes } from "./keyring.js";
import { pooledRandom } from "./random-pool.js";
import { type RewrapColumnOptions, type RewrapColumnResult, runRewrapColumn } from "./rewrap-column.js";
import type { DataKeyRecord, DataKeyStore } from "./store.js";

/** Encryptions under one (data key, salt) pair before a new salt is drawn. */
export const MESSAGES_PER_SALT: number = 2 ** 20;

/** Options for {@link createEnvelope}. */
export interface EnvelopeOptions {
  /** Master keys; the primary wraps new data keys, all of them unwrap. */
  readonly keyring: MasterKeyring;
  /** The AEAD for values; default `"aes-256-gcm"`. Both decrypt regardless of this setting. */
  readonly algorithm?: AeadAlgorithm;
  /**
   * Where data keys live. With a store, values carry an 8-byte data key id, keys are per tenant
   * and can be shredded. Without one (stateless mode), each value carries its wrapped data key.
   */
  readonly dataKeys?: DataKeyStore;
  /** How long unwrapped data keys stay cached in memory: ms or "5m". Default 5 minutes. */
  readonly cacheTtlMs?: number | string;
  /** Most data keys cached at once. Default 1000. */
  readonly cacheMaxEntries?: number;
  /** `"node"` (node:crypto), `"noble"` (pure JS) or `"auto"` (default: node where available). */
  readonly backend?: CryptoBackendName | "auto";
  /** Clock for cache expiry and key timestamps. */
  readonly now?: Clock;
  /** Randomness for keys, salts and nonces. */
  readonly random?: RandomSource;
}

/** What {@link Envelope.rotateDataKeys} did. */
export interface RotateDataKeysResult {
  /** The id of the scope's new current data key. */
  readonly dataKeyId: string;
}

/** Options for {@link Envelope.rewrapDataKeys}. */
export interface RewrapDataKeysOptions {
  /** Stops between pages with ERR_ABORTED. */
  readonly signal?: AbortSignal;
  /** Records per page. Default 500. */
  readonly batchSize?: number;
}

/** What {@link Envelope.rewrapDataKeys} did. */
export interface RewrapDataKeysResult {
  /** Records examined. */
  readonly scanned: number;
  /** Records re-wrapped under the primary master key by this call. */
  readonly rewrapped: number;
  /** Records already under the primary (or re-wrapped concurrently by another process). */
  readonly alreadyCurrent: number;
  /** Records the store still holds per master key id after the run. */
  readonly remainingByMasterKeyId: Readonly<Record<string, number>>;
}

/** What {@link Envelope.shredTenant} did. */
export interface ShredTenantResult {
  /** Data keys destroyed. */
  readonly dataKeysDestroyed: number;
}

/** Where a value's readability depends on, for deciding when a master key may be removed. */
export interface KeyDependency {
  /** The master key the value needs today (for stored data keys: the key wrapping it now). */
  readonly masterKeyId: string;
  /** The stored data key id, for values under a stored data key. */
  readonly dataKeyId?: string;
}

/** Envelope encryption of values bound to a context. Created by {@link createEnvelope}. */
export interface Envelope {
  /** Encrypts to a token `mk1.<keyId>.<base64url>`. */
  encrypt(plaintext: string | Uint8Array, options: BindingOptions): Promise<string>;
  /** Encrypts to the binary form of the same layout. */
  encryptBytes(plaintext: string | Uint8Array, options: BindingOptions): Promise<Uint8Array>;
  /**
   * Decrypts a token (either form). Throws ERR_DECRYPT for anything that does not authenticate,
   * ERR_KEY_NOT_FOUND for a key that is not available (shredded data key, removed master key),
   * ERR_INVALID_INPUT for something that is not a token at all.
   */
  decrypt(token: string | Uint8Array, options: BindingOptions): Promise<Uint8Array>;
  /** {@link Envelope.decrypt} as UTF-8 text (ERR_DECRYPT if the plaintext is not UTF-8). */
  decryptString(token: string | Uint8Array, options: BindingOptions): Promise<string>;
  /** The master key id written in the token (for stored data keys: the wrapping key when written). */
  keyIdOf(token: string | Uint8Array): string;
  /**
   * Whether rewrapping would move the value: it is not under the primary master key (stateless),
   * not under its scope's current data key (stored), or not in this envelope's mode or algorithm.
   */
  needsRewrap(token: string | Uint8Array): Promise<boolean>;
  /** Decrypts a string token and re-encrypts it under the current keys (always a fresh token). */
  rewrap(token: string, options: BindingOptions): Promise<string>;
  /** {@link Envelope.rewrap} for the binary form. */
  rewrapBytes(token: Uint8Array, options: BindingOptions): Promise<Uint8Array>;
  /** The master key (and data key) a value depends on today. */
  dependencyOf(token: string | Uint8Array): Promise<KeyDependency>;
  /** Makes a new current data key for a tenant (or the default scope). Needs a store. */
  rotateDataKeys(options?: { readonly tenantId?: string }): Promise<RotateDataKeysResult>;
  /** Re-wraps every stored data key under the primary master key, without touching values. */
  rewrapDataKeys(options?: RewrapDataKeysOptions): Promise<RewrapDataKeysResult>;
  /** Destroys a tenant's data keys; its values then fail with ERR_KEY_NOT_FOUND. Needs a store. */
  shredTenant(tenantId: string): Promise<ShredTenantResult>;
  /** Re-encrypts a Postgres column in batches; see {@link RewrapColumnOptions}. */
  rewrapColumn(options: RewrapColumnOptions): Promise<RewrapColumnResult>;
}

const STORE_METHODS = ["get", "getCurrent", "setCurrent", "updateWrapping", "list", "deleteScope", "countByMasterKey"] as const;

const optionsSchema = z.object({
  keyring: z.custom<MasterKeyring>(isMasterKeyring, "a keyring from createKeyring, parseMasterKeys or keyringFromEnv"),
  algorithm: z.enum(["aes-256-gcm", "xchacha20-poly1305"]).default("aes-256-gcm"),
  dataKeys: z
    .custom<DataKeyStore>(
      (v) => typeof v === "object" && v !== null && STORE_METHODS.every((m) => typeof Reflect.get(v, m) === "function"),
      "a DataKeyStore (createMemoryDataKeyStore, createPostgresDataKeyStore or your own)",
    )
    .optional(),
  cacheTtlMs: durationSchema.default(300_000),
  cacheMaxEntries: z.number().int().min(1).max(1_000_000).default(1000),
  backend: z.enum(["node", "noble", "auto"]).default("auto"),
  now: z.custom<Clock>((v) => typeof v === "function", "a function").default(() => systemClock),
  random: z.custom<RandomSource>((v) => typeof v === "function", "a function").default(() => systemRandom),
});

interface Derived {
  readonly suite: number;
  readonly salt: Uint8Array;
  readonly subkey: Uint8Array;
  readonly commitment: Uint8Array;
}

interface Writer {
  readonly derived: Derived;
  readonly header: Uint8Array;
  /** `mk1.<keyId>.`, and where the base64url payload starts in the binary form. */
  readonly stringPrefix: string;
  readonly payloadOffset: number;
  remaining: number;
}

/** An unwrapped data key in memory. */
interface DataKey {
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

/** Cache key of a data key reference. A wrapped key is keyed by its 12-byte nonce (which is random) and confirmed against the full bytes on lookup. */
function refKeyOf(mode: KeyMode, ref: Uint8Array): string {
  return bytesKey(mode === "embedded" ? ref.subarray(0, 12) : ref);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
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

function needsStore(what: string): MoatError {
  return new MoatError("ERR_CONFIG", { message: `${what} needs an envelope created with a dataKeys store` });
}

/**
 * Creates an envelope. With `dataKeys` it keeps per-tenant data keys in the store (small
 * tokens, crypto-shredding, cheap master-key rotation); without, each token carries its own
 * wrapped data key (no database needed).
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createEnvelope, keyringFromEnv } from "moatkit/crypto";
 * const envelope = createEnvelope({ keyring: keyringFromEnv(), dataKeys: store });
 * const token = await envelope.encrypt("sk_live_…", { context: { table: "integrations", column: "api_key", rowId: 7 }, tenantId: "t1" });
 * const plain = await envelope.decryptString(token, { context: { table: "integrations", column: "api_key", rowId: 7 }, tenantId: "t1" });
 * ```
 */
export function createEnvelope(options: EnvelopeOptions): Envelope {
  const opts = parseOptions(optionsSchema, options, "createEnvelope options");
  const { keyring, algorithm, cacheTtlMs, cacheMaxEntries, now } = opts;
  const draw = pooledRandom(opts.random);
  const store = opts.dataKeys;
  const backend: CryptoBackend = resolveBackend(opts.backend);
  const mode: KeyMode = store === undefined ? "embedded" : "stored";
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
    const ref = draw(DATA_KEY_ID_LENGTH).slice();
    const id = base64urlEncode(ref);
    const key = randomBytes(opts.random, AEAD_KEY_LENGTH).slice();
    const record: DataKeyRecord = { id, scope, masterKeyId: primaryId, wrappedKey: wrap("stored", primaryId, ref, scope, key), createdAt: now() };
    const result = await storeCall("dataKeys", "setCurrent", () => activeStore.setCurrent(record, existing?.id ?? null));
    if (result.created) return remember(makeDataKey("stored", ref, id, scope, primaryId, key));
    key.fill(0);
    return remember(fromRecord(result.current));
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
    const key = randomBytes(opts.random, AEAD_KEY_LENGTH).slice();
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

  // -------------------------------------------------------------------------------------------
  // Values

  function cachedCurrent(scope: string): DataKey | undefined {
    const hit = currentByScope.get(scope);
    return hit !== undefined && hit.expiresAt > now() ? hit : undefined;
  }

  /** The data key new values of a scope go under; synchronous when cached. */
  function writingKey(scope: string): DataKey | Promise<DataKey> {
    if (store === undefined) return statelessDataKey();
    return cachedCurrent(scope) ?? currentDataKey(store, scope);
  }

  function checkPlaintext(plaintext: string | Uint8Array): Uint8Array {
    const data = toBytes(plaintext, "plaintext");
    if (data.length > MAX_PLAINTEXT_BYTES) throw new MoatError("ERR_INVALID_INPUT", { message: "plaintext is larger than 64 MiB" });
    return data;
  }

  function sealWith(dk: DataKey, data: Uint8Array, binding: Binding): { out: Uint8Array; writer: Writer } {
    const writer = writerOf(dk);
    const nonceLength = NONCE_LENGTH[algorithm];
    const nonce = draw(nonceLength);
    const headerLength = writer.header.length;
    const out = new Uint8Array(headerLength + nonceLength + data.length + TAG_LENGTH);
    out.set(writer.header);
    out.set(nonce, headerLength);
    backend.sealInto(algorithm, writer.derived.subkey, nonce, associatedData(writer.header, binding), data, out, headerLength + nonceLength);
    return { out, writer };
  }

  async function encryptToBytes(plaintext: string | Uint8Array, options: BindingOptions): Promise<Uint8Array> {
    const data = checkPlaintext(plaintext);
    const binding = readBinding(options);
    const key = writingKey(binding.scope);
    return sealWith(key instanceof Promise ? await key : key, data, binding).out;
  }

  function openWith(dk: DataKey, msg: ParsedMessage, binding: Binding): Uint8Array {
    if (dk.scope !== binding.scope && dk.mode === "stored") throw decryptError();
    const derived = derive(dk, msg.salt, msg.suite);
    // Key commitment: a ciphertext opens under exactly one data key; checked before any AEAD work.
    if (!constantTimeEqual(derived.commitment, msg.commitment)) throw decryptError();
    const plaintext = backend.open(msg.algorithm, derived.subkey, msg.nonce, associatedData(msg.header, binding), msg.sealed);
    if (plaintext === undefined) throw decryptError();
    return plaintext;
  }

  async function decryptParsed(msg: ParsedMessage, options: BindingOptions): Promise<Uint8Array> {
    const binding = readBinding(options);
    const hit = cached(refKeyOf(msg.mode, msg.keyRef));
    if (hit !== undefined && hit.mode === msg.mode && sameBytes(hit.ref, msg.keyRef) && (hit.mode === "stored" || hit.masterKeyId === msg.masterKeyId)) {
      return openWith(hit, msg, binding);
    }
    return openWith(await dataKeyFor(msg), msg, binding);
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

  async function needsRewrap(token: string | Uint8Array): Promise<boolean> {
    const msg = parseToken(token);
    if (msg.mode !== mode || msg.algorithm !== algorithm) return true;
    if (msg.mode === "embedded" || store === undefined) return msg.masterKeyId !== primaryId;
    const dk = await storedDataKey(store, msg.keyRef);
    if (dk.masterKeyId !== primaryId) return true;
    return (await currentIdOf(store, dk.scope)) !== dk.id;
  }

  async function dependencyOf(token: string | Uint8Array): Promise<KeyDependency> {
    const msg = parseToken(token);
    if (msg.mode === "embedded") return { masterKeyId: msg.masterKeyId };
    if (store === undefined) throw needsStore("a value under a stored data key");
    const dk = await storedDataKey(store, msg.keyRef);
    return { masterKeyId: dk.masterKeyId, dataKeyId: dk.id ?? "" };
  }

  async function reencrypt(token: string | Uint8Array, options: BindingOptions): Promise<Uint8Array> {
    const plaintext = await decryptParsed(parseToken(token), options);
    try {
      return await encryptToBytes(plaintext, options);
    } finally {
      plaintext.fill(0);
    }
  }

  function forget(scope: string | undefined): void {
    for (const [ref, dk] of byRef) if (scope === undefined || dk.scope === scope) byRef.delete(ref);
    if (scope === undefined) currentByScope.clear();
    else currentByScope.delete(scope);
  }

  const envelope: Envelope = {
    async encrypt(plaintext, options) {
      const data = checkPlaintext(plaintext);
      const binding = readBinding(options);
      const key = writingKey(binding.scope);
      // Awaiting only on a cache miss keeps the common path free of an extra microtask.
      const { out, writer } = sealWith(key instanceof Promise ? await key : key, data, binding);
      return writer.stringPrefix + base64urlEncode(out.subarray(writer.payloadOffset));
    },
    encryptBytes: encryptToBytes,
    decrypt(token, options) {
      // One async layer: parse errors still arrive as rejections.
      try {
        return decryptParsed(parseToken(token), options);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new MoatError("ERR_INVALID_INPUT"));
      }
    },
    async decryptString(token, options) {
      const bytes = await decryptParsed(parseToken(token), options);
      try {
        return utf8Decode(bytes);
      } catch {
        throw decryptError();
      }
    },
    keyIdOf(token) {
      return parseToken(token).masterKeyId;
    },
    needsRewrap,
    dependencyOf,
    async rewrap(token, options) {
      if (typeof token !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: "rewrap takes a string token; use rewrapBytes for bytes" });
      return toStringForm(await reencrypt(token, options));
    },
    async rewrapBytes(token, options) {
      if (!(token instanceof Uint8Array)) throw new MoatError("ERR_INVALID_INPUT", { message: "rewrapBytes takes a Uint8Array token" });
      return reencrypt(token, options);
    },
    async rotateDataKeys(rotateOptions = {}) {
      if (store === undefined) throw needsStore("rotateDataKeys");
      const scope = tenantScope(rotateOptions.tenantId);
      const existing = await storeCall("dataKeys", "getCurrent", () => store.getCurrent(scope));
      const ref = draw(DATA_KEY_ID_LENGTH).slice();
      const id = base64urlEncode(ref);
      const key = randomBytes(opts.random, AEAD_KEY_LENGTH).slice();
      const record: DataKeyRecord = { id, scope, masterKeyId: primaryId, wrappedKey: wrap("stored", primaryId, ref, scope, key), createdAt: now() };
      const result = await storeCall("dataKeys", "setCurrent", () => store.setCurrent(record, existing?.id ?? null));
      key.fill(0);
      currentByScope.delete(scope);
      return { dataKeyId: result.current.id };
    },
    async rewrapDataKeys(rewrapOptions = {}) {
      if (store === undefined) throw needsStore("rewrapDataKeys");
      const batchSize = rewrapOptions.batchSize ?? 500;
      if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new MoatError("ERR_INVALID_INPUT", { message: "batchSize must be a positive integer" });
      let after: string | undefined;
      let scanned = 0;
      let rewrapped = 0;
      let alreadyCurrent = 0;
      for (;;) {
        if (rewrapOptions.signal?.aborted === true) {
          throw new MoatError("ERR_ABORTED", { details: { scanned, rewrapped, alreadyCurrent } });
        }
        const page = await storeCall("dataKeys", "list", () => store.list(after === undefined ? { limit: batchSize } : { after, limit: batchSize }));
        for (const record of page) {
          scanned++;
          if (record.masterKeyId === primaryId) {
            alreadyCurrent++;
            continue;
          }
          const dk = fromRecord(record);
          const wrapped = wrap("stored", primaryId, dk.ref, record.scope, dk.key);
          dk.key.fill(0);
          const done = await storeCall("dataKeys", "updateWrapping", () => store.updateWrapping(record.id, record.masterKeyId, primaryId, wrapped));
          if (done) rewrapped++;
          else alreadyCurrent++;
        }
        const last = page[page.length - 1];
        if (last === undefined || page.length < batchSize) break;
        after = last.id;
      }
      forget(undefined);
      const remainingByMasterKeyId = await storeCall("dataKeys", "countByMasterKey", () => store.countByMasterKey());
      return { scanned, rewrapped, alreadyCurrent, remainingByMasterKeyId };
    },
    async shredTenant(tenantId) {
      if (store === undefined) throw needsStore("shredTenant");
      if (typeof tenantId !== "string" || tenantId.length === 0) {
        throw new MoatError("ERR_INVALID_INPUT", { message: "shredTenant needs a tenant id" });
      }
      const scope = tenantScope(tenantId);
      const dataKeysDestroyed = await storeCall("dataKeys", "deleteScope", () => store.deleteScope(scope));
      forget(scope);
      return { dataKeysDestroyed };
    },
    rewrapColumn(columnOptions) {
      return runRewrapColumn({ needsRewrap, reencrypt, dependencyOf }, columnOptions);
    },
  };
  return Object.freeze(envelope);
}
