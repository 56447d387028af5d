/**
 * Blind indexes: a deterministic keyed hash of a value, stored beside its ciphertext so an
 * encrypted column can still be searched for equality (`WHERE email_idx = $1`). Each index
 * has its own key, derived from a master key and the index name, and its output is truncated
 * to `bits`, which the caller must choose (see the coincidence budget in the README).
 */
import { z } from "zod";
import { hexEncode, toBytes, utf8Encode } from "../_internal/encoding.js";
import { parseOptions } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import type { CryptoBackendName } from "./backend.js";
import { resolveBackend } from "./backend-select.js";
import { type MasterKeyring, isMasterKeyring, keyringEntry, masterKeyBytes } from "./keyring.js";

/** Options for {@link createBlindIndex}. */
export interface BlindIndexOptions {
  /**
   * Master keys; the index key is derived from the primary unless `keyId` names another. It must
   * be a local key: an index key is derived from master key bytes on every call, which a key held
   * by a key provider never gives out (pin `keyId` to a local entry, see docs/kms.md).
   */
  readonly keyring: MasterKeyring;
  /** The index name, e.g. `"users.email"`; different names give unrelated indexes. */
  readonly name: string;
  /** Output size in bits, 32 to 256. Smaller leaks less and matches more false positives. */
  readonly bits: number;
  /** Applied to string values before hashing, e.g. `(s) => s.trim().toLowerCase()`. */
  readonly normalize?: (value: string) => string;
  /** Pin the master key the index key is derived from (to keep indexes stable across rotations). */
  readonly keyId?: string;
  /** `"node"`, `"noble"` or `"auto"` (default). */
  readonly backend?: CryptoBackendName | "auto";
}

/** A keyed equality index. Created by {@link createBlindIndex}. */
export interface BlindIndex {
  /** The index name. */
  readonly name: string;
  /** The output size in bits. */
  readonly bits: number;
  /** The master key id the index key comes from. */
  readonly keyId: string;
  /** The index of a value, as lower-case hex of ⌈bits/8⌉ bytes (unused low bits are zero). */
  index(value: string | Uint8Array): string;
  /** The index as bytes. */
  indexBytes(value: string | Uint8Array): Uint8Array;
}

const MAX_VALUE_BYTES = 1024 * 1024;
const INDEX_INFO = utf8Encode("moatkit/v1 blind-index\u0000");

const schema = z.strictObject({
  keyring: z.custom<MasterKeyring>(isMasterKeyring, "a keyring from createKeyring, parseMasterKeys or keyringFromEnv"),
  name: z.string().min(1).max(256),
  bits: z.number().int().min(32).max(256),
  normalize: z.custom<(value: string) => string>((v) => typeof v === "function", "a function").optional(),
  keyId: z.string().optional(),
  backend: z.enum(["node", "noble", "auto"]).default("auto"),
});

/**
 * A blind index: HMAC-SHA-256 under a key derived with HKDF-SHA-256 from a master key and the
 * index name, truncated to `bits`.
 *
 * @throws MoatError ERR_CONFIG when `bits` is missing or outside 32..256, `keyId` is unknown, or
 *   the key it names (by default the primary) is held by a key provider.
 * @example
 * ```ts
 * const emailIndex = createBlindIndex({ keyring, name: "users.email", bits: 32, normalize: (s) => s.trim().toLowerCase() });
 * await db.query("SELECT * FROM users WHERE email_idx = $1", [emailIndex.index("Ada@example.com")]);
 * ```
 */
export function createBlindIndex(options: BlindIndexOptions): BlindIndex {
  const opts = parseOptions(schema, options, "createBlindIndex options");
  const backend = resolveBackend(opts.backend);
  const keyId = opts.keyId ?? opts.keyring.primaryKeyId;
  if (keyringEntry(opts.keyring, keyId)?.kind === "provider")
    throw new MoatError("ERR_CONFIG", {
      message: `master key ${keyId} is held by a key provider; a blind index needs a local master key (set keyId)`,
    });
  const master = masterKeyBytes(opts.keyring, keyId);
  if (master === undefined) throw new MoatError("ERR_CONFIG", { message: `master key ${keyId} is not in the keyring` });
  const name = utf8Encode(opts.name);
  const info = new Uint8Array(INDEX_INFO.length + name.length);
  info.set(INDEX_INFO);
  info.set(name, INDEX_INFO.length);
  const key = backend.hkdf(master, new Uint8Array(0), info, 32);
  const { bits, normalize } = opts;
  const length = Math.ceil(bits / 8);
  const lastMask = (0xff << (length * 8 - bits)) & 0xff;

  function indexBytes(value: string | Uint8Array): Uint8Array {
    let input: string | Uint8Array = value;
    if (typeof value === "string" && normalize !== undefined) {
      input = normalize(value);
      if (typeof input !== "string") throw new MoatError("ERR_CONFIG", { message: "normalize must return a string" });
    }
    const bytes = toBytes(input, "value");
    if (bytes.length > MAX_VALUE_BYTES)
      throw new MoatError("ERR_INVALID_INPUT", { message: "value is larger than 1 MiB" });
    const out = backend.hmac(key, bytes).slice(0, length);
    out[length - 1] = (out[length - 1] ?? 0) & lastMask;
    return out;
  }

  return Object.freeze({
    name: opts.name,
    bits,
    keyId,
    indexBytes,
    index: (value: string | Uint8Array) => hexEncode(indexBytes(value)),
  });
}
