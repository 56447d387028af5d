/**
 * Master keys: the keys that wrap data keys (and derive blind-index keys). They come from the
 * environment as `MOATKIT_MASTER_KEYS="k2025:<base64>,k2024:<base64>"`, or are held by a key
 * management service behind a {@link KeyProvider}: the first entry is primary (it wraps new data
 * keys), the others only unwrap, and a retired entry does neither. Key bytes and providers live in
 * a private table keyed by the keyring object, so no `console.log`, `JSON.stringify` or spread of
 * a keyring can show them.
 */
import { base64Decode, base64Encode } from "../_internal/encoding.js";
import {
  type Clock,
  type RandomSource,
  randomBase62,
  randomBytes,
  systemClock,
  systemRandom,
} from "../_internal/runtime.js";
import { Secret } from "../_internal/secret.js";
import { z } from "zod";
import { assertKnownKeys, knownKeys, parseOptions } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import type { KeyProvider } from "./key-provider.js";

/** Master keys are 256-bit. */
export const MASTER_KEY_LENGTH = 32;

/** Key ids: 1–32 characters of `A–Z a–z 0–9 _ -` (they appear in every token, between dots). */
export const KEY_ID_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,32}$/;

/** The default environment variable. */
export const DEFAULT_MASTER_KEYS_VARIABLE = "MOATKIT_MASTER_KEYS";

/**
 * A set of master keys, one of them primary. It shows only its ids: the key bytes are reachable
 * only by moatkit's envelope and blind-index code.
 */
export interface MasterKeyring {
  /** The id of the key that wraps new data keys. */
  readonly primaryKeyId: string;
  /** Every key id, primary first. */
  readonly keyIds: readonly string[];
  /** Whether a key with this id is present (retired entries included). */
  has(keyId: string): boolean;
  /** The ids of retired entries: kept so errors can name them, used only to move data keys off them. */
  readonly retiredKeyIds: readonly string[];
  /** The ids of entries held by a key provider (the others are local key bytes). */
  readonly providerKeyIds: readonly string[];
}

/** A master key to put in a keyring: local key bytes or a key provider. */
export type MasterKeyInput = LocalMasterKeyInput | ProviderMasterKeyInput;

/** A master key whose 32 bytes this process holds. */
export interface LocalMasterKeyInput {
  /** The key id (see {@link KEY_ID_PATTERN}). */
  readonly id: string;
  /** 32 bytes, as bytes or wrapped in a `Secret`. */
  readonly key: Uint8Array | Secret<Uint8Array>;
  /**
   * A retired entry neither wraps nor unwraps for values: reading a value that still depends on
   * it fails with ERR_KEY_NOT_FOUND naming it retired. Only `envelope.keys.rewrapDataKeys` still
   * unwraps under it, to move stored data keys off it. The primary cannot be retired.
   */
  readonly retired?: boolean;
}

/** A master key held by a key management service; this process never sees its bytes. */
export interface ProviderMasterKeyInput {
  /** The key id (see {@link KEY_ID_PATTERN}): what tokens and data key records name. */
  readonly id: string;
  /** The provider, e.g. from `moatkit/kms/vault`'s `createVaultTransitProvider`. */
  readonly provider: KeyProvider;
  /** See {@link LocalMasterKeyInput.retired}. */
  readonly retired?: boolean;
}

/** @internal One keyring entry. */
export type KeyringEntry =
  | { readonly kind: "local"; readonly id: string; readonly bytes: Uint8Array; readonly retired: boolean }
  | { readonly kind: "provider"; readonly id: string; readonly provider: KeyProvider; readonly retired: boolean };

const entries = new WeakMap<object, ReadonlyMap<string, KeyringEntry>>();

function isKeyProvider(value: unknown): value is KeyProvider {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Partial<Record<keyof KeyProvider, unknown>>;
  return (
    typeof p.kind === "string" &&
    typeof p.keyName === "string" &&
    typeof p.wrap === "function" &&
    typeof p.unwrap === "function" &&
    (p.generate === undefined || typeof p.generate === "function")
  );
}

const idSchema = z.string().regex(KEY_ID_PATTERN, "1-32 characters A-Z a-z 0-9 _ -");

const keyringSchema = z
  .array(
    z.union([
      z.strictObject({
        id: idSchema,
        key: z.union([z.instanceof(Uint8Array), z.instanceof(Secret)]),
        retired: z.boolean().optional(),
        // generateMasterKey()'s result is accepted as it is; its environment `entry` is not used.
        entry: z.instanceof(Secret).optional(),
      }),
      z.strictObject({
        id: idSchema,
        provider: z.custom<KeyProvider>(isKeyProvider, "a key provider (kind, keyName, wrap, unwrap)"),
        retired: z.boolean().optional(),
      }),
    ]),
  )
  .min(1, "a keyring needs at least one master key");

function configError(message: string): MoatError {
  return new MoatError("ERR_CONFIG", { message });
}

/**
 * A keyring from keys you already hold, or from key providers (master keys held in a KMS). The
 * first entry is primary; the others only unwrap; an entry with `retired: true` does neither
 * (see {@link LocalMasterKeyInput.retired}). Local bytes are copied, so you may wipe yours.
 *
 * @throws MoatError ERR_CONFIG for no keys, a malformed or duplicate id, a key that is not 32
 *   bytes, something that is not a key provider, or a retired primary.
 * @example
 * ```ts
 * const keyring = createKeyring([
 *   { id: "kms2026", provider: vaultProvider }, // primary: wraps new data keys at the KMS
 *   { id: "k2025", key: oldKeyBytes },          // decrypt-only until rewrapDataKeys moved everything
 * ]);
 * ```
 */
export function createKeyring(keys: readonly MasterKeyInput[]): MasterKeyring {
  const parsed = parseOptions(keyringSchema, keys, "keyring");
  const table = new Map<string, KeyringEntry>();
  for (const input of parsed) {
    const { id } = input;
    if (table.has(id)) throw configError(`master key id ${id} appears twice`);
    const retired = input.retired === true;
    if ("provider" in input) {
      table.set(id, { kind: "provider", id, provider: input.provider, retired });
      continue;
    }
    const raw = input.key instanceof Secret ? input.key.reveal() : input.key;
    if (!(raw instanceof Uint8Array) || raw.length !== MASTER_KEY_LENGTH) {
      throw configError(`master key ${id} must be ${String(MASTER_KEY_LENGTH)} bytes`);
    }
    table.set(id, { kind: "local", id, bytes: Uint8Array.from(raw), retired });
  }
  const all = [...table.values()];
  if (all[0]?.retired === true) throw configError(`master key ${all[0].id} is first (primary) and cannot be retired`);
  const ids = Object.freeze(all.map((e) => e.id));
  const keyring: MasterKeyring = Object.freeze({
    primaryKeyId: ids[0] ?? "",
    keyIds: ids,
    has: (keyId: string) => table.has(keyId),
    retiredKeyIds: Object.freeze(all.filter((e) => e.retired).map((e) => e.id)),
    providerKeyIds: Object.freeze(all.filter((e) => e.kind === "provider").map((e) => e.id)),
  });
  entries.set(keyring, table);
  return keyring;
}

/** @internal One entry of a keyring, or `undefined` when the keyring lacks it. */
export function keyringEntry(keyring: MasterKeyring, keyId: string): KeyringEntry | undefined {
  return entries.get(keyring)?.get(keyId);
}

/** @internal The bytes of one local master key, or `undefined` when the keyring lacks it or a provider holds it. */
export function masterKeyBytes(keyring: MasterKeyring, keyId: string): Uint8Array | undefined {
  const entry = entries.get(keyring)?.get(keyId);
  return entry?.kind === "local" ? entry.bytes : undefined;
}

/** @internal Whether `value` is a keyring made by {@link createKeyring} (the only kind with keys). */
export function isMasterKeyring(value: unknown): value is MasterKeyring {
  return typeof value === "object" && value !== null && entries.has(value);
}

/** Options for {@link parseMasterKeys}. */
export interface ParseMasterKeysOptions {
  /** The variable the value came from, named in error messages. Default `MOATKIT_MASTER_KEYS`. */
  readonly variable?: string;
}

/**
 * Parses a master key list: `"k2025:<base64 of 32 bytes>,k2024:<base64>"` (first = primary), or a
 * single bare base64 key, which gets the id `k0`. Spaces around entries are ignored.
 *
 * @throws MoatError ERR_CONFIG naming the variable (never echoing its value) when the value is
 *   empty, an entry is malformed, a key is not 32 bytes of padded base64, or an id repeats.
 * @example
 * ```ts
 * const keyring = parseMasterKeys(process.env.APP_KEYS ?? "", { variable: "APP_KEYS" });
 * ```
 */
export function parseMasterKeys(value: string, options: ParseMasterKeysOptions = {}): MasterKeyring {
  assertKnownKeys(options, knownKeys<ParseMasterKeysOptions>({ variable: true }), "parseMasterKeys options");
  const variable = options.variable ?? DEFAULT_MASTER_KEYS_VARIABLE;
  const fail = (what: string): never => {
    throw configError(`${variable}: ${what}`);
  };
  if (typeof value !== "string") return fail("must be a string");
  const entries = value.split(",").map((e) => e.trim());
  if (entries.length === 1 && entries[0] === "") return fail("is empty");
  const keys: LocalMasterKeyInput[] = [];
  for (const [i, entry] of entries.entries()) {
    const position = `entry ${String(i + 1)}`;
    const colon = entry.indexOf(":");
    let id: string;
    let encoded: string;
    if (colon === -1) {
      if (entries.length > 1) fail(`${position} has no "id:" prefix (only a single key may omit it)`);
      id = "k0";
      encoded = entry;
    } else {
      id = entry.slice(0, colon);
      encoded = entry.slice(colon + 1);
      if (!KEY_ID_PATTERN.test(id)) fail(`${position} has a malformed key id (1-32 characters A-Z a-z 0-9 _ -)`);
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = base64Decode(encoded);
    } catch {
      fail(`key ${id} is not valid base64`);
    }
    if (bytes === undefined || bytes.length !== MASTER_KEY_LENGTH)
      fail(`key ${id} is not ${String(MASTER_KEY_LENGTH)} bytes`);
    if (keys.some((k) => k.id === id)) fail(`key id ${id} appears twice`);
    if (bytes !== undefined) keys.push({ id, key: bytes });
  }
  const keyring = createKeyring(keys);
  for (const k of keys) if (k.key instanceof Uint8Array) k.key.fill(0);
  return keyring;
}

/**
 * The keyring in an environment variable (default `MOATKIT_MASTER_KEYS`).
 *
 * @throws MoatError ERR_CONFIG naming the variable when it is unset, not a string, or invalid.
 * @example
 * ```ts
 * const keyring = keyringFromEnv(); // reads MOATKIT_MASTER_KEYS
 * ```
 */
export function keyringFromEnv(
  variable: string = DEFAULT_MASTER_KEYS_VARIABLE,
  env: Readonly<Record<string, string | undefined>> = process.env,
): MasterKeyring {
  if (typeof variable !== "string" || variable.length === 0)
    throw configError("keyringFromEnv: the variable name must be a non-empty string");
  const envValue: unknown = env;
  if (typeof envValue !== "object" || envValue === null)
    throw configError("keyringFromEnv: env must be an object of strings, such as process.env");
  const value: unknown = env[variable];
  if (value === undefined || (typeof value === "string" && value.trim() === ""))
    throw configError(`${variable} is not set`);
  // Something other than a string (a number, a Buffer, an object from a config loader) is a
  // configuration mistake, named without echoing what it was.
  if (typeof value !== "string") throw configError(`${variable}: must be a string`);
  return parseMasterKeys(value, { variable });
}

/** A freshly generated master key. */
export interface GeneratedMasterKey {
  /** The key id, e.g. `k20261123a7Qx` (date plus four random characters). */
  readonly id: string;
  /** The 32 key bytes. */
  readonly key: Secret<Uint8Array>;
  /** `id:base64` — the entry to put first in `MOATKIT_MASTER_KEYS`. */
  readonly entry: Secret<string>;
}

/** Options for {@link generateMasterKey}. */
export interface GenerateMasterKeyOptions {
  /** The id to give the key; default `k<YYYYMMDD><4 random base62>`. */
  readonly id?: string;
  /** Randomness (default: the platform CSPRNG). */
  readonly random?: RandomSource;
  /** Clock for the default id (default `Date.now`). */
  readonly now?: Clock;
}

/**
 * A new random 256-bit master key with an id, and its `MOATKIT_MASTER_KEYS` entry. Used by
 * `moatkit keygen`; to rotate, put the entry first in the variable and keep the old keys after it.
 *
 * @example
 * ```ts
 * const { id, entry } = generateMasterKey();
 * console.log(`MOATKIT_MASTER_KEYS=${entry.reveal()},${process.env.MOATKIT_MASTER_KEYS ?? ""}`);
 * ```
 */
export function generateMasterKey(options: GenerateMasterKeyOptions = {}): GeneratedMasterKey {
  assertKnownKeys(
    options,
    knownKeys<GenerateMasterKeyOptions>({ id: true, random: true, now: true }),
    "generateMasterKey options",
  );
  const random = options.random ?? systemRandom;
  let id = options.id;
  if (id === undefined) {
    const date = new Date((options.now ?? systemClock)()).toISOString().slice(0, 10).replaceAll("-", "");
    id = `k${date}${randomBase62(random, 4)}`;
  }
  if (!KEY_ID_PATTERN.test(id)) throw configError("a master key id must be 1-32 characters A-Z a-z 0-9 _ -");
  const key = Uint8Array.from(randomBytes(random, MASTER_KEY_LENGTH));
  return { id, key: new Secret(key), entry: new Secret(`${id}:${base64Encode(key)}`) };
}
