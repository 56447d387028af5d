/**
 * Envelope encryption: each value is encrypted under a data key (data-keys.ts), and data keys are
 * wrapped under a master key. Per message, a subkey and a key-commitment value are derived with HKDF-SHA-256
 * from the data key and a salt the message carries; the salt is drawn once per batch of
 * 2^20 encryptions, so the HKDF cost is paid once per batch on both sides (subkeys are cached).
 */
import { z } from "zod";
import { constantTimeEqual } from "../_internal/ct-compare.js";
import { base64urlEncode, toBytes, utf8Decode } from "../_internal/encoding.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, systemClock, systemRandom } from "../_internal/runtime.js";
import { durationSchema } from "../_internal/duration.js";
import { storeCall } from "../_internal/store-error.js";
import { MoatError } from "../errors.js";
import { type AeadAlgorithm, type CryptoBackend, type CryptoBackendName, NONCE_LENGTH, TAG_LENGTH } from "./backend.js";
import { resolveBackend } from "./backend-select.js";
import { type Binding, type BindingOptions, associatedData, readBinding, tenantScope } from "./context.js";
import { type DataKey, type Writer, createDataKeys, refKeyOf, sameBytes } from "./data-keys.js";
import { MAX_PLAINTEXT_BYTES, type KeyMode, type ParsedMessage, decryptError, parseToken, toStringForm } from "./format.js";
import { type MasterKeyring, isMasterKeyring } from "./keyring.js";
import { pooledRandom } from "./random-pool.js";
import { type RewrapColumnOptions, type RewrapColumnResult, runRewrapColumn } from "./rewrap-column.js";
import type { DataKeyStore } from "./store.js";

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

const optionsSchema = z.strictObject({
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

  const {
    wrap,
    fromRecord,
    cached,
    writingKey,
    dataKeyFor,
    storedDataKey,
    currentIdOf,
    rotate,
    derive,
    writerOf,
    forget,
  } = createDataKeys({ keyring, backend, store, algorithm, now, cacheTtlMs, cacheMaxEntries, draw, random: opts.random });

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
      return { dataKeyId: await rotate(store, scope) };
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
