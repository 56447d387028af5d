/**
 * Envelope encryption: each value is encrypted under a data key (data-keys.ts), and data keys are
 * wrapped under a master key (key-wrap.ts). Per message, a subkey and a key-commitment value are
 * derived with HKDF-SHA-256 from the data key and a salt the message carries (subkeys.ts). This
 * file is the value API; key administration is `envelope.keys` (envelope-keys.ts) and the column
 * rewrap a function of its own (rewrap-column.ts).
 */
import { z } from "zod";
import { constantTimeEqual } from "../_internal/ct-compare.js";
import { toBytes, utf8Decode } from "../_internal/encoding.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, randomBytes, systemClock, systemRandom } from "../_internal/runtime.js";
import { type Duration, durationSchema } from "../_internal/duration.js";
import { storeSchema, wrapStore } from "../_internal/store.js";
import { MoatError } from "../errors.js";
import {
  AEAD_KEY_LENGTH,
  type AeadAlgorithm,
  type CryptoBackend,
  type CryptoBackendName,
  NONCE_LENGTH,
  TAG_LENGTH,
} from "./backend.js";
import { resolveBackend } from "./backend-select.js";
import { type Binding, type BindingOptions, associatedData, readBinding } from "./context.js";
import { type DataKey, createDataKeys } from "./data-keys.js";
import { type EnvelopeKeys, createEnvelopeKeys } from "./envelope-keys.js";
import { MAX_PLAINTEXT_BYTES, type ParsedMessage, decryptError, parseToken, toStringForm } from "./format.js";
import { type MasterKeyring, isMasterKeyring } from "./keyring.js";
import { createKeyWrapper } from "./key-wrap.js";
import { createProviderCalls } from "./provider-calls.js";
import { pooledRandom } from "./random-pool.js";
import { DATA_KEY_STORE_METHODS, type DataKeyStore } from "./store.js";
import type { InvalidationChannel } from "../_internal/invalidation-channel.js";
import { type DataKeyInvalidation, isDataKeyInvalidation, shredChannelOf } from "./invalidation.js";
import { createSubkeys } from "./subkeys.js";

/** String tokens up to this size are built in one reused buffer (see `tokenScratch`). */
const SCRATCH_MAX_BYTES = 4 * 1024 * 1024;
let scratch: Buffer | undefined;

/**
 * A buffer for building a string token before its one base64url encode, reused across calls up
 * to {@link SCRATCH_MAX_BYTES} (a fresh megabyte-sized ArrayBuffer per call was a visible share of
 * the 1 MiB cost). It holds only the sealed token (no plaintext, no key), is filled and read
 * synchronously, and never leaves `encrypt`.
 */
function tokenScratch(n: number): Buffer {
  if (n > SCRATCH_MAX_BYTES) return Buffer.allocUnsafe(n);
  if (scratch === undefined || scratch.length < n)
    scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX_BYTES, Math.max(n, 4096, 2 * (scratch?.length ?? 0))));
  return scratch.subarray(0, n);
}

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
  /**
   * Tells the other processes that share `dataKeys` when this one shreds a tenant, and hears
   * of their shreds, so cached keys of a shredded tenant go at once rather than after `cacheTtl`.
   * Pass the same {@link InvalidationChannel} API keys and sessions use (e.g.
   * `createRedisInvalidationChannel` from `moatkit/adapters/redis`; shreds travel on topic
   * `"datakeys"`): while it is not live the envelope keeps no data key cached, and when it comes
   * back every cached key goes. A {@link DataKeyInvalidation} (the older, best-effort interface)
   * is still accepted. Needs `dataKeys`.
   */
  readonly invalidation?: InvalidationChannel | DataKeyInvalidation;
  /** How long unwrapped data keys stay cached in memory: ms or "5m". Default 5 minutes. */
  readonly cacheTtl?: Duration;
  /** Most data keys cached at once. Default 1000. */
  readonly cacheMaxEntries?: number;
  /**
   * Messages one cached data key serves before it leaves the cache: a stateless envelope then
   * makes a new data key, and a cached read key is unwrapped again (with a key provider: one call
   * per this many messages at most). Default 2³² (only `cacheTtl` limits it).
   */
  readonly maxMessagesPerDataKey?: number;
  /**
   * How long one key provider operation may take, retries of throttling and outages included:
   * ms or "5s". Past it the operation fails with ERR_KEY_PROVIDER. Default 5 seconds.
   */
  readonly keyProviderDeadline?: Duration;
  /** `"node"` (node:crypto), `"noble"` (pure JS) or `"auto"` (default: node where available). */
  readonly backend?: CryptoBackendName | "auto";
  /** Clock for cache expiry and key timestamps. */
  readonly now?: Clock;
  /** Randomness for keys, salts and nonces. */
  readonly random?: RandomSource;
}

/**
 * Envelope encryption of values bound to a context. Created by {@link createEnvelope}. The
 * methods here work on values; key administration is at {@link Envelope.keys}.
 *
 * @example
 * ```ts
 * const context = { table: "integrations", column: "api_key", rowId: 7 };
 * const token = await envelope.encrypt("sk_live_…", { context, tenantId: "t1" });
 * if (await envelope.needsRewrap(token)) await envelope.rewrap(token, { context, tenantId: "t1" });
 * await envelope.keys.shredTenant("t1"); // key administration lives apart
 * ```
 */
export interface Envelope {
  /**
   * Encrypts to a string token, `mk2` ‖ key id ‖ base64url (docs/format.md: the string form v2,
   * which is one base64url string as a whole). Tokens of the v1 form `mk1.<keyId>.<base64url>`
   * written by earlier versions keep decrypting.
   */
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
  /**
   * Key administration: rotation, re-wrapping data keys, shredding, dependencies. To re-encrypt
   * a whole Postgres column, see `rewrapColumn(envelope, client, options)`.
   */
  readonly keys: EnvelopeKeys;
}

const optionsSchema = z.strictObject({
  keyring: z.custom<MasterKeyring>(isMasterKeyring, "a keyring from createKeyring, parseMasterKeys or keyringFromEnv"),
  algorithm: z.enum(["aes-256-gcm", "xchacha20-poly1305"]).default("aes-256-gcm"),
  dataKeys: storeSchema<DataKeyStore>(DATA_KEY_STORE_METHODS).optional(),
  invalidation: z
    .custom<InvalidationChannel | DataKeyInvalidation>(
      isDataKeyInvalidation,
      "an invalidation channel (publish, subscribe, isLive) or a data key invalidation (publish, subscribe)",
    )
    .optional(),
  cacheTtl: durationSchema.default(300_000),
  cacheMaxEntries: z.number().int().min(1).max(1_000_000).default(1000),
  maxMessagesPerDataKey: z
    .number()
    .int()
    .min(1)
    .max(2 ** 32)
    .default(2 ** 32),
  keyProviderDeadline: durationSchema.default(5000),
  backend: z.enum(["node", "noble", "auto"]).default("auto"),
  now: z.custom<Clock>((v) => typeof v === "function", "a function").default(() => systemClock),
  random: z.custom<RandomSource>((v) => typeof v === "function", "a function").default(() => systemRandom),
});

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
  const { keyring, algorithm, now } = opts;
  const draw = pooledRandom(opts.random);
  // Wrapped once here: every store failure below is ERR_STORE naming the operation.
  const store = opts.dataKeys === undefined ? undefined : wrapStore("dataKeys", opts.dataKeys, DATA_KEY_STORE_METHODS);
  const invalidation = opts.invalidation === undefined ? undefined : shredChannelOf(opts.invalidation);
  if (invalidation !== undefined && store === undefined)
    throw new MoatError("ERR_CONFIG", {
      message: "createEnvelope options: invalidation needs a dataKeys store (stateless values cannot be shredded)",
    });
  const backend: CryptoBackend = resolveBackend(opts.backend);
  const primaryKeyId = keyring.primaryKeyId;
  const newKey = (): Uint8Array => randomBytes(opts.random, AEAD_KEY_LENGTH).slice();
  const wrapper = createKeyWrapper(keyring, backend, draw, createProviderCalls(opts.keyProviderDeadline), newKey);
  const { derive, writerOf } = createSubkeys(backend, algorithm, draw);
  const dataKeys = createDataKeys({
    wrapper,
    primaryKeyId,
    store,
    now,
    cacheTtl: opts.cacheTtl,
    cacheMaxEntries: opts.cacheMaxEntries,
    maxMessagesPerDataKey: opts.maxMessagesPerDataKey,
    draw,
  });
  const { cached, writingKey, dataKeyFor, storedDataKey, currentIdOf } = dataKeys;
  // For the life of the envelope: a shred announced anywhere drops this envelope's cached keys.
  invalidation?.subscribe((scope) => {
    if (typeof scope === "string") dataKeys.shredded(scope);
    else dataKeys.forget(undefined);
  });
  // Fail-safe: while the channel cannot deliver, a shred elsewhere would go unheard, so nothing
  // cached is trusted: every call reads and unwraps from the store until the channel is back.
  const isLive = invalidation?.isLive;
  const distrustCacheIfDeaf = (): void => {
    if (isLive !== undefined && !isLive()) dataKeys.forget(undefined);
  };

  const newBytes = (n: number): Uint8Array => new Uint8Array(n);

  function checkPlaintext(plaintext: string | Uint8Array): Uint8Array {
    const data = toBytes(plaintext, "plaintext");
    if (data.length > MAX_PLAINTEXT_BYTES)
      throw new MoatError("ERR_INVALID_INPUT", { message: "plaintext is larger than 64 MiB" });
    return data;
  }

  /**
   * Seals `data` under the writer's current batch into `lead ‖ header body ‖ nonce ‖ ciphertext ‖
   * tag`, where `lead` is the binary prefix (binary form) or the bytes of the string lead (string
   * form). The AAD is always built from the binary header.
   */
  function sealWith<T extends Uint8Array>(
    dk: DataKey,
    data: Uint8Array,
    binding: Binding,
    alloc: (n: number) => T,
    form: "string" | "bytes",
  ): T {
    const writer = writerOf(dk);
    const lead = form === "string" ? writer.stringLead.bytes : writer.binaryLead;
    const nonceLength = NONCE_LENGTH[algorithm];
    const nonce = draw(nonceLength);
    const nonceStart = lead.length + writer.headerBody.length;
    const out = alloc(nonceStart + nonceLength + data.length + TAG_LENGTH);
    out.set(lead);
    out.set(writer.headerBody, lead.length);
    out.set(nonce, nonceStart);
    backend.sealInto(
      algorithm,
      writer.derived.subkey,
      nonce,
      associatedData(writer.header, binding),
      data,
      out,
      nonceStart + nonceLength,
    );
    return out;
  }

  /**
   * `seal(dk)` with the scope's writing key, waiting for the store on a cache miss. The key is
   * checked and used in one synchronous step: a shred heard while the key loaded (or in the
   * microtask after) sends it back for another key, so nothing is sealed under a destroyed key.
   */
  function withWritingKey<T>(scope: string, seal: (dk: DataKey) => T): T | Promise<T> {
    const key = writingKey(scope);
    if (!(key instanceof Promise)) return seal(key);
    const retry = (dk: DataKey): T | Promise<T> => {
      if (!dk.destroyed) return seal(dk);
      const next = writingKey(scope);
      return next instanceof Promise ? next.then(retry) : retry(next);
    };
    return key.then(retry);
  }

  async function encryptToBytes(plaintext: string | Uint8Array, options: BindingOptions): Promise<Uint8Array> {
    const data = checkPlaintext(plaintext);
    const binding = readBinding(options);
    distrustCacheIfDeaf();
    return withWritingKey(binding.scope, (dk) => sealWith(dk, data, binding, newBytes, "bytes"));
  }

  function openWith(dk: DataKey, msg: ParsedMessage, binding: Binding): Uint8Array {
    if (dk.scope !== binding.scope && dk.mode === "stored") throw decryptError();
    const derived = derive(dk, msg.salt, msg.suite);
    // Key commitment: a ciphertext opens under exactly one data key; checked before any AEAD work.
    if (!constantTimeEqual(derived.commitment, msg.commitment)) throw decryptError();
    const plaintext = backend.open(
      msg.algorithm,
      derived.subkey,
      msg.nonce,
      associatedData(msg.header, binding),
      msg.sealed,
    );
    if (plaintext === undefined) throw decryptError();
    return plaintext;
  }

  async function decryptParsed(msg: ParsedMessage, options: BindingOptions): Promise<Uint8Array> {
    const binding = readBinding(options);
    distrustCacheIfDeaf();
    const hit = cached(msg.mode, msg.keyRef);
    // `cached` matched mode and reference bytes; an embedded key must also be under the token's master key.
    if (hit !== undefined && (hit.mode === "stored" || hit.masterKeyId === msg.masterKeyId)) {
      return openWith(hit, msg, binding);
    }
    const dk = await dataKeyFor(msg);
    // Its scope was shredded while this call waited: the key is gone.
    if (dk.destroyed) throw new MoatError("ERR_KEY_NOT_FOUND", { message: "the data key was shredded" });
    return openWith(dk, msg, binding);
  }

  async function needsRewrap(token: string | Uint8Array): Promise<boolean> {
    const msg = parseToken(token);
    if ((msg.mode === "stored") !== (store !== undefined) || msg.algorithm !== algorithm) return true;
    if (msg.mode !== "stored" || store === undefined) return msg.masterKeyId !== primaryKeyId;
    const dk = await storedDataKey(store, msg.keyRef);
    if (dk.masterKeyId !== primaryKeyId) return true;
    return (await currentIdOf(store, dk.scope)) !== dk.id;
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
      distrustCacheIfDeaf();
      // Waiting only on a cache miss keeps the common path free of an extra microtask. The seal
      // runs synchronously, so the scratch buffer is filled and read at once. The v2 string
      // lead is a whole number of base64url quanta, so encoding lead bytes ‖ payload in one call
      // gives the whole token: one pass, and one flat string (no prefix + payload rope, which every
      // later read would copy into a new string).
      return withWritingKey(binding.scope, (dk) =>
        sealWith(dk, data, binding, tokenScratch, "string").toString("base64url"),
      );
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
    async rewrap(token, options) {
      if (typeof token !== "string")
        throw new MoatError("ERR_INVALID_INPUT", { message: "rewrap takes a string token; use rewrapBytes for bytes" });
      return toStringForm(await reencrypt(token, options));
    },
    async rewrapBytes(token, options) {
      if (!(token instanceof Uint8Array))
        throw new MoatError("ERR_INVALID_INPUT", { message: "rewrapBytes takes a Uint8Array token" });
      return reencrypt(token, options);
    },
    keys: Object.freeze(createEnvelopeKeys({ store, dataKeys, wrapper, primaryKeyId, invalidation })),
  };
  return Object.freeze(envelope);
}
