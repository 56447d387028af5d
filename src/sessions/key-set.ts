/**
 * Key sets: one signing key and any number of verify-only keys, each verify-only key accepted
 * until its `verifyUntil`. This is the rotation window: start signing with a new key, keep the
 * old one verifying until the last token it signed has expired, then drop it.
 *
 * Each key is imported into WebCrypto once and cached, because jose re-imports raw secrets and
 * KeyObjects on every call, which would cost more than the HMAC itself.
 */
import type { KeyObject } from "node:crypto";
import { type CryptoKey, compactVerify, importJWK } from "jose";
import type { Clock } from "../_internal/runtime.js";
import type { Secret } from "../_internal/secret.js";
import { systemClock } from "../_internal/runtime.js";
import { MoatError } from "../errors.js";
import type { Result } from "../errors.js";
import {
  type JsonWebKeyInput,
  type KeyMaterial,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  isKid,
  prepareKey,
} from "./key-material.js";
import { joseFailureReason } from "./jose-errors.js";
import { assertKnownKeys, knownKeys } from "../_internal/options.js";

/** One key of a key set, as given to {@link createKeySet}. */
export interface KeySetEntry {
  /** Key id, sent in each token's header (`kid`) and used to pick the verifying key. */
  readonly kid: string;
  /** The algorithm this key is used with; a token naming another algorithm is rejected. */
  readonly alg: SigningAlgorithm;
  /**
   * The key: for HS256 bytes (≥ 32) or an `oct` JWK; otherwise a JWK, a PEM string (PKCS#8
   * private or SPKI public) or a KeyObject. May be wrapped in a `Secret`.
   */
  readonly key: KeyMaterial | Secret<KeyMaterial>;
  /** `sign`: the one key new tokens are signed with. `verify`: accepted, never used to sign. */
  readonly use: "sign" | "verify";
  /**
   * For a verify-only key: the time (ms since the epoch, or a Date) from which tokens carrying
   * its `kid` are answered with `unknown_key`. Omit to accept it until it is removed.
   */
  readonly verifyUntil?: number | Date;
}

/** A key of a key set, without its material. */
export interface KeyDescription {
  /** Key id. */
  readonly kid: string;
  /** Algorithm. */
  readonly alg: SigningAlgorithm;
  /** Whether the key signs or only verifies. */
  readonly use: "sign" | "verify";
  /** When a verify-only key stops being accepted (ms since the epoch), if it does. */
  readonly verifyUntil?: number;
}

/** A public key in JWK form, as published in a JWKS document. */
export interface PublicJwk {
  /** Key type. */
  readonly kty: string;
  /** Key id. */
  readonly kid: string;
  /** Algorithm. */
  readonly alg: SigningAlgorithm;
  /** Always `"sig"`. */
  readonly use: "sig";
  /** The public key parameters (`n`/`e`, `crv`/`x`/`y`). */
  readonly [parameter: string]: unknown;
}

/** A JWKS document (RFC 7517 §5). */
export interface Jwks {
  /** The public keys. */
  readonly keys: readonly PublicJwk[];
}

/** A verified JWS protected header. */
export interface JwsHeader {
  /** The algorithm, always one of the set's. */
  readonly alg: string;
  /** The key id, when the token names one. */
  readonly kid?: string;
  /** Any other header parameter. */
  readonly [parameter: string]: unknown;
}

/** Why a JWS did not verify. */
/** `keys_unavailable`: a remote key set could not fetch its JWKS (see createRemoteKeySet). */
export type JwsFailureReason = "malformed" | "invalid_signature" | "unknown_key" | "keys_unavailable";

/** The result of {@link KeySet.verifyJws}. */
export type JwsVerifyResult = Result<
  {
    /** The verified payload bytes. */
    readonly payload: Uint8Array;
    /** The verified protected header. */
    readonly header: JwsHeader;
    /** The id of the key that verified it. */
    readonly kid: string;
  },
  JwsFailureReason
>;

/** A set of signing and verification keys. Create with {@link createKeySet}. */
export interface KeySet {
  /** The key new tokens are signed with. */
  readonly signingKey: KeyDescription;
  /** Every key in the set, signing key first. */
  readonly keys: readonly KeyDescription[];
  /**
   * The public keys still accepted now, for a `/.well-known/jwks.json` endpoint. HS256 keys are
   * secrets and are never exported.
   */
  exportJwks(): Jwks;
  /**
   * Verifies a compact JWS against the set (signature, `kid`, algorithm and `verifyUntil`),
   * without interpreting the payload. Tokens use this plus claim checks.
   */
  verifyJws(jws: string): Promise<JwsVerifyResult>;
}

/** Options for {@link createKeySet}. */
export interface KeySetOptions {
  /** Clock for `verifyUntil` in {@link KeySet.verifyJws} and {@link KeySet.exportJwks}; default `Date.now`. */
  readonly now?: Clock;
}

/** The set's internals, shared with tokens; never exported from the package. */
export interface KeySetInternals {
  /** Algorithms any key of the set uses. */
  readonly algorithms: readonly SigningAlgorithm[];
  /** True for a set that can only verify (a remote JWKS). */
  readonly verifyOnly: boolean;
  /** The signing key as a CryptoKey. */
  signingCryptoKey(): Promise<CryptoKey>;
  /**
   * Picks the key for a header at time `at`, or throws a {@link KeyResolutionError}; calls
   * `onKid` with the id of the key it picked.
   */
  resolve(header: KeyLookupHeader, at: number, onKid?: (kid: string) => void): CryptoKey | Promise<CryptoKey>;
}

/** Thrown from inside jose's key callback; mapped to a reason, never escapes. */
export class KeyResolutionError extends Error {
  readonly reason: "unknown_key" | "invalid_signature" | "keys_unavailable";
  constructor(reason: "unknown_key" | "invalid_signature" | "keys_unavailable") {
    super(reason);
    this.reason = reason;
  }
}

/** The header fields key resolution reads. */
interface KeyLookupHeader {
  /** Algorithm named by the token. */
  readonly alg?: string | undefined;
  /** Key id named by the token. */
  readonly kid?: unknown;
}

interface Entry {
  readonly description: KeyDescription;
  readonly verifyUntil: number;
  readonly verifyKey: KeyObject;
  readonly signKey: KeyObject | undefined;
  verifyCrypto: Promise<CryptoKey> | undefined;
  /** The imported key once ready, handed to jose without a promise on the hot path. */
  verifyReady: CryptoKey | undefined;
  publicJwk: PublicJwk | undefined;
}

const MAX_KEYS = 64;
const MAX_JWS_LENGTH = 16_384;
const internals = new WeakMap<object, KeySetInternals>();

function hmacImport(key: KeyObject, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", key.export(), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

async function importForJose(key: KeyObject, alg: SigningAlgorithm, usage: "sign" | "verify"): Promise<CryptoKey> {
  if (alg === "HS256") return hmacImport(key, usage);
  const imported = await importJWK({ ...key.export({ format: "jwk" }) }, alg);
  if (imported instanceof Uint8Array) throw new MoatError("ERR_CONFIG", { message: "unexpected symmetric key" });
  return imported;
}

function toMillis(value: unknown, kid: string): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new MoatError("ERR_CONFIG", { message: `key "${kid}" has an invalid verifyUntil` });
  }
  return ms;
}

function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return SIGNING_ALGORITHMS.some((alg) => alg === value);
}

interface CheckedEntry {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: "sign" | "verify";
  readonly key: unknown;
  readonly verifyUntil: unknown;
}

function validateEntry(entry: unknown, index: number): CheckedEntry {
  if (typeof entry !== "object" || entry === null) {
    throw new MoatError("ERR_CONFIG", { message: `key set entry ${String(index)} must be an object` });
  }
  const kid: unknown = Reflect.get(entry, "kid");
  const alg: unknown = Reflect.get(entry, "alg");
  const use: unknown = Reflect.get(entry, "use");
  if (!isKid(kid)) {
    throw new MoatError("ERR_CONFIG", {
      message: `key set entry ${String(index)} needs a kid of 1–128 printable ASCII characters`,
    });
  }
  if (!isSigningAlgorithm(alg)) {
    throw new MoatError("ERR_CONFIG", { message: `key "${kid}" needs alg ${SIGNING_ALGORITHMS.join(", ")}` });
  }
  if (use !== "sign" && use !== "verify") {
    throw new MoatError("ERR_CONFIG", { message: `key "${kid}" needs use "sign" or "verify"` });
  }
  return { kid, alg, use, key: Reflect.get(entry, "key"), verifyUntil: Reflect.get(entry, "verifyUntil") };
}

/**
 * Creates a key set from one signing key and any number of verify-only keys. Every key is
 * parsed and checked here (ERR_CONFIG names the offending `kid`, never the material).
 *
 * @throws MoatError ERR_CONFIG for no or several signing keys, duplicate kids, unknown
 *   algorithms, keys that do not fit their algorithm (short HS256 secrets, RSA under 2048 bits,
 *   wrong curves), a public key given for signing, or `verifyUntil` on the signing key.
 * @example
 * ```ts
 * const keys = createKeySet([
 *   { kid: "2026-02", alg: "EdDSA", use: "sign", key: newKey.key },
 *   { kid: "2026-01", alg: "EdDSA", use: "verify", key: oldPublicJwk, verifyUntil: rotatedAt + 15 * 60_000 },
 * ]);
 * app.get("/.well-known/jwks.json", (_req, res) => res.json(keys.exportJwks()));
 * ```
 */
export function createKeySet(entries: readonly KeySetEntry[], options: KeySetOptions = {}): KeySet {
  assertKnownKeys(options, knownKeys<KeySetOptions>({ now: true }), "createKeySet options");
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_KEYS) {
    throw new MoatError("ERR_CONFIG", { message: `a key set needs 1–${String(MAX_KEYS)} keys` });
  }
  const now = options.now ?? systemClock;
  if (typeof now !== "function") throw new MoatError("ERR_CONFIG", { message: "now must be a function" });

  const byKid = new Map<string, Entry>();
  let signing: Entry | undefined;
  entries.forEach((raw: unknown, index) => {
    const entry = validateEntry(raw, index);
    if (byKid.has(entry.kid)) throw new MoatError("ERR_CONFIG", { message: `key "${entry.kid}" appears twice` });
    const canSign = entry.use === "sign";
    if (canSign && entry.verifyUntil !== undefined) {
      throw new MoatError("ERR_CONFIG", { message: `signing key "${entry.kid}" cannot have verifyUntil` });
    }
    const prepared = prepareKey(entry.key, entry.kid, entry.alg, canSign);
    const verifyUntil = toMillis(entry.verifyUntil, entry.kid);
    const description: KeyDescription = {
      kid: entry.kid,
      alg: entry.alg,
      use: entry.use,
      ...(Number.isFinite(verifyUntil) ? { verifyUntil } : {}),
    };
    const record: Entry = {
      description,
      verifyUntil,
      verifyKey: prepared.verify,
      signKey: prepared.sign,
      verifyCrypto: undefined,
      verifyReady: undefined,
      publicJwk: undefined,
    };
    if (canSign) {
      if (signing !== undefined)
        throw new MoatError("ERR_CONFIG", { message: "a key set has exactly one signing key" });
      signing = record;
    }
    byKid.set(entry.kid, record);
  });
  const signer = signing;
  if (signer === undefined) throw new MoatError("ERR_CONFIG", { message: "a key set has exactly one signing key" });
  const ordered = [signer, ...[...byKid.values()].filter((e) => e !== signer)];
  const algorithms = [...new Set(ordered.map((e) => e.description.alg))];

  let signingCrypto: Promise<CryptoKey> | undefined;
  const signingCryptoKey = (): Promise<CryptoKey> => {
    const signKey = signer.signKey;
    if (signKey === undefined) throw new MoatError("ERR_CONFIG", { message: "the signing key cannot sign" });
    signingCrypto ??= importForJose(signKey, signer.description.alg, "sign");
    return signingCrypto;
  };

  const verifyCryptoKey = (entry: Entry): CryptoKey | Promise<CryptoKey> => {
    if (entry.verifyReady !== undefined) return entry.verifyReady;
    entry.verifyCrypto ??= importForJose(entry.verifyKey, entry.description.alg, "verify").then(
      (key) => (entry.verifyReady = key),
    );
    return entry.verifyCrypto;
  };

  const active = (entry: Entry, at: number): boolean => at < entry.verifyUntil;

  const resolve = (
    header: KeyLookupHeader,
    at: number,
    onKid?: (kid: string) => void,
  ): CryptoKey | Promise<CryptoKey> => {
    let entry: Entry | undefined;
    if (typeof header.kid === "string") {
      entry = byKid.get(header.kid);
    } else if (header.kid === undefined) {
      // Tokens from elsewhere may omit kid; accept them only when exactly one key could apply.
      const candidates = ordered.filter((e) => e.description.alg === header.alg && active(e, at));
      entry = candidates.length === 1 ? candidates[0] : undefined;
    }
    if (entry === undefined || !active(entry, at)) throw new KeyResolutionError("unknown_key");
    // The header's alg must be this key's: an HS256 header naming an RSA key's kid is forged.
    if (entry.description.alg !== header.alg) throw new KeyResolutionError("invalid_signature");
    onKid?.(entry.description.kid);
    return verifyCryptoKey(entry);
  };

  const publicJwkOf = (entry: Entry): PublicJwk => {
    if (entry.publicJwk === undefined) {
      const jwk = entry.verifyKey.export({ format: "jwk" });
      entry.publicJwk = Object.freeze({
        ...jwk,
        kty: String(jwk.kty),
        kid: entry.description.kid,
        alg: entry.description.alg,
        use: "sig" as const,
      });
    }
    return entry.publicJwk;
  };

  const keySet: KeySet = Object.freeze({
    signingKey: signer.description,
    keys: Object.freeze(ordered.map((e) => e.description)),
    exportJwks(): Jwks {
      const at = now();
      const keys = ordered.filter((e) => e.description.alg !== "HS256" && active(e, at)).map(publicJwkOf);
      return { keys };
    },
    async verifyJws(jws: string): Promise<JwsVerifyResult> {
      if (typeof jws !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: "a JWS must be a string" });
      if (jws.length === 0 || jws.length > MAX_JWS_LENGTH) return { ok: false, reason: "malformed" };
      const at = now();
      let kid = "";
      try {
        const { payload, protectedHeader } = await compactVerify(
          jws,
          (header) =>
            resolve(header, at, (k) => {
              kid = k;
            }),
          { algorithms },
        );
        return { ok: true, payload, header: { ...protectedHeader, alg: protectedHeader.alg }, kid };
      } catch (err) {
        return { ok: false, reason: failureReason(err) };
      }
    },
  });

  internals.set(keySet, { algorithms, verifyOnly: false, signingCryptoKey, resolve });
  return keySet;
}

/** Maps an error thrown while verifying to a JWS failure reason; rethrows anything unexpected. */
function failureReason(err: unknown): JwsFailureReason {
  if (err instanceof KeyResolutionError) return err.reason;
  const reason = joseFailureReason(err);
  if (reason === undefined) throw err;
  return reason === "invalid_signature" ? reason : "malformed";
}

/** Records the internals of a key set made elsewhere in this module tree (remote key sets). */
export function registerKeySetInternals(keys: object, found: KeySetInternals): void {
  internals.set(keys, found);
}

/** The internals of a key set made by {@link createKeySet} or createRemoteKeySet. */
export function keySetInternals(keys: unknown): KeySetInternals {
  const found = typeof keys === "object" && keys !== null ? internals.get(keys) : undefined;
  if (found === undefined)
    throw new MoatError("ERR_CONFIG", { message: "keys must be a key set made by createKeySet or createRemoteKeySet" });
  return found;
}

export type { JsonWebKeyInput, KeyMaterial, SigningAlgorithm };
