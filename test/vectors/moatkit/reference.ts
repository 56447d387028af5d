/**
 * A second implementation of moatkit's formats, written from docs/format.md alone: it uses only
 * the crypto primitives (AES-256-GCM / XChaCha20-Poly1305, HKDF-SHA-256, HMAC-SHA-256 from a
 * backend; SHA-256 and HMAC from @noble/hashes; CRC-32 from node:zlib) and never moatkit's own
 * format code. The tests check that it and moatkit produce the committed bytes, so the document,
 * the code and the vectors cannot drift apart silently.
 */
import { crc32 } from "node:zlib";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { AeadAlgorithm, CryptoBackend } from "./fixtures.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** lp(x) = u32be(len(x)) ‖ x */
const lp = (x: Uint8Array): Uint8Array => concat(u32(x.length), x);

function seal(
  backend: CryptoBackend,
  algorithm: AeadAlgorithm,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(plaintext.length + 16);
  backend.sealInto(algorithm, key, nonce, aad, plaintext, out, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// envelope v1

export interface EnvelopeInput {
  readonly algorithm: AeadAlgorithm;
  readonly mode: "stored" | "embedded";
  readonly masterKeyId: string;
  readonly masterKey: Uint8Array;
  readonly tenantId: string | undefined;
  /** The context's canonical JSON text (see canonicalJsonRef for how it is made). */
  readonly contextJson: string;
  readonly plaintext: Uint8Array;
  readonly dataKey: Uint8Array;
  /** Stored mode only: the 8-byte data key id. */
  readonly dataKeyId: Uint8Array | undefined;
  readonly wrapNonce: Uint8Array;
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
}

export interface EnvelopeOutput {
  readonly suite: number;
  readonly wrapKey: Uint8Array;
  readonly wrapAad: Uint8Array;
  readonly wrappedKey: Uint8Array;
  readonly hkdfInfo: Uint8Array;
  readonly okm: Uint8Array;
  readonly header: Uint8Array;
  readonly aad: Uint8Array;
  readonly binary: Uint8Array;
  /** The string form v1 (what moatkit wrote before the string form v2). */
  readonly token: string;
  /** The string form v2. */
  readonly tokenV2: string;
}

export function suiteOf(mode: "stored" | "embedded", algorithm: AeadAlgorithm): number {
  return (mode === "stored" ? 0x10 : 0x20) | (algorithm === "aes-256-gcm" ? 0x01 : 0x02);
}

/** wrapKey = HKDF-SHA-256(master, salt "", info "moatkit/v1 key-wrap", 32) */
export function wrapKeyRef(backend: CryptoBackend, masterKey: Uint8Array): Uint8Array {
  return backend.hkdf(masterKey, new Uint8Array(0), utf8("moatkit/v1 key-wrap"), 32);
}

/** lp("moatkit/v1 data-key") ‖ lp(mode byte) ‖ lp(masterKeyId) ‖ lp(id) ‖ lp(scope) */
export function wrapAadRef(
  mode: "stored" | "embedded",
  masterKeyId: string,
  id: Uint8Array,
  scope: string,
): Uint8Array {
  return concat(
    lp(utf8("moatkit/v1 data-key")),
    lp(Uint8Array.of(mode === "stored" ? 0x01 : 0x02)),
    lp(utf8(masterKeyId)),
    lp(id),
    lp(utf8(scope)),
  );
}

/** wrapNonce(12) ‖ AES-256-GCM(wrapKey, wrapNonce, wrapAad, dataKey) (32) ‖ tag(16) */
export function wrapDataKeyRef(
  backend: CryptoBackend,
  masterKey: Uint8Array,
  mode: "stored" | "embedded",
  masterKeyId: string,
  id: Uint8Array,
  scope: string,
  dataKey: Uint8Array,
  wrapNonce: Uint8Array,
): Uint8Array {
  return concat(
    wrapNonce,
    seal(
      backend,
      "aes-256-gcm",
      wrapKeyRef(backend, masterKey),
      wrapNonce,
      wrapAadRef(mode, masterKeyId, id, scope),
      dataKey,
    ),
  );
}

export function envelopeRef(backend: CryptoBackend, input: EnvelopeInput): EnvelopeOutput {
  const suite = suiteOf(input.mode, input.algorithm);
  const scope = input.tenantId ?? "";
  const id = input.mode === "stored" ? (input.dataKeyId ?? new Uint8Array(0)) : new Uint8Array(0);
  const wrapAad = wrapAadRef(input.mode, input.masterKeyId, id, input.mode === "stored" ? scope : "");
  const wrappedKey = wrapDataKeyRef(
    backend,
    input.masterKey,
    input.mode,
    input.masterKeyId,
    id,
    input.mode === "stored" ? scope : "",
    input.dataKey,
    input.wrapNonce,
  );
  const hkdfInfo = concat(utf8("moatkit/v1 message "), Uint8Array.of(suite));
  const okm = backend.hkdf(input.dataKey, input.salt, hkdfInfo, 48);
  const keyRef = input.mode === "stored" ? id : wrappedKey;
  const keyIdBytes = utf8(input.masterKeyId);
  const header = concat(
    Uint8Array.of(0x01, keyIdBytes.length),
    keyIdBytes,
    Uint8Array.of(suite),
    keyRef,
    input.salt,
    okm.subarray(32, 48),
  );
  const tenant = utf8(scope);
  const aad = concat(header, u32(tenant.length), tenant, utf8(input.contextJson));
  const sealed = seal(backend, input.algorithm, okm.subarray(0, 32), input.nonce, aad, input.plaintext);
  const binary = concat(header, input.nonce, sealed);
  const token = stringFormV1Ref(binary);
  return {
    suite,
    wrapKey: wrapKeyRef(backend, input.masterKey),
    wrapAad,
    wrappedKey,
    hkdfInfo,
    okm,
    header,
    aad,
    binary,
    token,
    tokenV2: stringFormV2Ref(binary),
  };
}

// ---------------------------------------------------------------------------------------------
// string form v2

const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** lead = "mk2" ‖ c(L) ‖ masterKeyId ‖ "_" × f, with c(L) the base64url character of value L and f = 4 − (L mod 4). */
export function stringLeadRef(masterKeyId: string): string {
  const length = masterKeyId.length;
  return `mk2${BASE64URL_ALPHABET.charAt(length)}${masterKeyId}${"_".repeat(4 - (length % 4))}`;
}

/** The string form v2 of a binary token: its lead, then base64url(payload), the payload being everything after the key id. */
export function stringFormV2Ref(binary: Uint8Array): string {
  const length = binary[1] ?? 0;
  const masterKeyId = new TextDecoder().decode(binary.subarray(2, 2 + length));
  return stringLeadRef(masterKeyId) + b64url(binary.subarray(2 + length));
}

/** The string form v1 (read only since v2): "mk1." ‖ masterKeyId ‖ "." ‖ base64url(payload). */
export function stringFormV1Ref(binary: Uint8Array): string {
  const length = binary[1] ?? 0;
  const masterKeyId = new TextDecoder().decode(binary.subarray(2, 2 + length));
  return `mk1.${masterKeyId}.${b64url(binary.subarray(2 + length))}`;
}

// ---------------------------------------------------------------------------------------------
// blind index

/** HKDF-SHA-256(master, "", "moatkit/v1 blind-index" ‖ 0x00 ‖ name, 32) */
export function blindIndexKeyRef(backend: CryptoBackend, masterKey: Uint8Array, name: string): Uint8Array {
  return backend.hkdf(
    masterKey,
    new Uint8Array(0),
    concat(utf8("moatkit/v1 blind-index"), Uint8Array.of(0), utf8(name)),
    32,
  );
}

/** HMAC-SHA-256(index key, value) cut to ⌈bits/8⌉ bytes, unused low bits of the last byte zero. */
export function blindIndexRef(
  backend: CryptoBackend,
  masterKey: Uint8Array,
  name: string,
  bits: number,
  value: Uint8Array,
): string {
  const full = backend.hmac(blindIndexKeyRef(backend, masterKey, name), value);
  const out = full.slice(0, Math.ceil(bits / 8));
  const unused = out.length * 8 - bits;
  out[out.length - 1] = (out[out.length - 1] ?? 0) & ((0xff << unused) & 0xff);
  return toHex(out);
}

// ---------------------------------------------------------------------------------------------
// API keys, recovery codes, opaque tokens (SHA-256 / HMAC from @noble/hashes)

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** 6 base62 digits, most significant first, of CRC-32 (ISO-HDLC, as zlib) over the ASCII head. */
export function apiKeyChecksumRef(head: string): { crc32: number; checksum: string } {
  const crc = crc32(utf8(head));
  let n = crc;
  let out = "";
  for (let i = 0; i < 6; i++) {
    out = (BASE62[n % 62] ?? "") + out;
    n = Math.floor(n / 62);
  }
  return { crc32: crc, checksum: out };
}

/** SHA-256 of the full key's ASCII, or HMAC-SHA-256 keyed with the pepper's bytes; lower-case hex. */
export function apiKeyHashRef(key: string, pepper?: Uint8Array): string {
  return toHex(pepper === undefined ? sha256(utf8(key)) : hmac(sha256, pepper, utf8(key)));
}

/** First 4 hex digits of HMAC-SHA-256(selector key, userId ‖ ":" ‖ normalized code). */
export function recoverySelectorRef(selectorKey: Uint8Array, userId: string, code: string): string {
  return toHex(hmac(sha256, selectorKey, utf8(`${userId}:${code}`))).slice(0, 4);
}

/** SHA-256 hex of the token's 43 ASCII characters. */
export function opaqueTokenHashRef(token: string): string {
  return toHex(sha256(utf8(token)));
}

/** base64url(HMAC-SHA-256(key = base64url-decoded nonce, "moatkit refresh successor v1" ‖ 0x00 ‖ presented)) */
export function successorTokenRef(presented: string, nonce: string): string {
  return b64url(
    hmac(
      sha256,
      new Uint8Array(Buffer.from(nonce, "base64url")),
      concat(utf8("moatkit refresh successor v1"), Uint8Array.of(0), utf8(presented)),
    ),
  );
}

/**
 * What bcrypt is given for a password: the password itself when its UTF-8 is at most 72 bytes,
 * else base64 (standard, padded) of HMAC-SHA-256(key = "moatkit/passwords/prehash/v1", UTF-8 password).
 */
export function passwordBcryptInputRef(password: string): string {
  const bytes = utf8(password);
  if (bytes.length <= 72) return password;
  return Buffer.from(hmac(sha256, utf8("moatkit/passwords/prehash/v1"), bytes)).toString("base64");
}

// ---------------------------------------------------------------------------------------------
// audit

/** SHA-256 hex of the UTF-8 canonical JSON of the stored event without its `hash` member. */
export function auditHashRef(canonicalText: string): string {
  return toHex(sha256(utf8(canonicalText)));
}

// ---------------------------------------------------------------------------------------------
// canonical JSON (RFC 8785) — an independent writer, for the rules in docs/format.md

export function canonicalJsonRef(value: unknown): string {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("not representable");
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    if (/\p{Cs}/u.test(value)) throw new Error("lone surrogate");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJsonRef).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${canonicalJsonRef(k)}:${canonicalJsonRef(Reflect.get(value, k))}`).join(",")}}`;
  }
  throw new Error("not representable");
}
