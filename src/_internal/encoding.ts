/**
 * Strict encoders. Node's Buffer decoders are lenient (they skip characters outside the
 * alphabet and ignore bad padding), which would let two different strings name the same bytes —
 * unacceptable for tokens whose string form is hashed or compared. Every decoder here accepts
 * exactly one string per byte sequence and throws ERR_INVALID_INPUT on anything else.
 */
import { MoatError } from "../errors.js";

function malformed(kind: string): MoatError {
  return new MoatError("ERR_INVALID_INPUT", { message: `malformed ${kind}` });
}

function requireString(value: unknown, kind: string): string {
  if (typeof value !== "string") {
    throw new MoatError("ERR_INVALID_INPUT", { message: `${kind} input must be a string` });
  }
  return value;
}

/** Accepts Uint8Array (Buffer included); anything else is misuse. */
function requireBytes(value: unknown, what = "bytes"): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new MoatError("ERR_INVALID_INPUT", { message: `${what} must be a Uint8Array` });
  }
  return value;
}

/** A copy that owns its memory (a Buffer from the pool shares an ArrayBuffer with others). */
function ownBytes(buf: Buffer): Uint8Array {
  const out = new Uint8Array(buf.length);
  out.set(buf);
  return out;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---------------------------------------------------------------------------------------------
// UTF-8

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Decodes UTF-8, throwing ERR_INVALID_INPUT on invalid sequences instead of inserting U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw malformed("UTF-8");
  }
}

/** Strings become their UTF-8 bytes; byte arrays pass through. */
export function toBytes(value: string | Uint8Array, what = "input"): Uint8Array {
  if (typeof value === "string") return utf8Encode(value);
  return requireBytes(value, what);
}

// ---------------------------------------------------------------------------------------------
// base64url (RFC 4648 §5, no padding) and base64 (RFC 4648 §4, padded)

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** base64url without padding. */
export function base64urlEncode(bytes: Uint8Array): string {
  return asBuffer(requireBytes(bytes)).toString("base64url");
}

/** The base64url alphabet (RFC 4648 §5) in value order: character i stands for the 6 bits i. */
export const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE64URL_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64URL_ALPHABET.length; i++) BASE64URL_VALUE[BASE64URL_ALPHABET.charCodeAt(i)] = i;

/** The 6-bit value of a base64url character, or -1. */
function base64urlValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? (BASE64URL_VALUE[c] ?? -1) : -1;
}

/**
 * Checks the strictness rules Node's decoder does not, around its decode. That decoder skips
 * every character outside `A-Z a-z 0-9 + / - _` and stops at `=`, so any such character leaves
 * the output shorter than `⌊3n/4⌋` bytes (for n ≢ 1 mod 4 one missing character always costs a
 * byte); `+` and `/`, which it reads as `-` and `_`, are searched for (a native scan); and the last
 * character's bits past the last whole byte must be zero. No pass over the text in JS.
 */
function base64urlDecodeChecked(s: string): Buffer {
  return base64urlDecodeAfter(s, 0);
}

/**
 * @internal Strict base64url decode of `text` into a new buffer, after `room` bytes left for the
 * caller to fill (for a header that goes before the decoded bytes, without a second copy). The
 * buffer may come from Node's pool: only for bytes read in place and never handed out.
 */
export function base64urlDecodeAfter(s: string, room: number): Buffer {
  const tail = s.length % 4;
  if (tail === 1) throw malformed("base64url");
  // A final character carries 4 (xx) or 2 (xxx) bits past the last whole byte; they must be
  // zero, or two strings would name the same bytes (e.g. "AB" and "AA" both decode to 0x00).
  if (tail !== 0 && (base64urlValue(s, s.length - 1) & (tail === 2 ? 0x0f : 0x03)) !== 0) throw malformed("base64url");
  const length = (s.length * 3) >>> 2;
  const buf = Buffer.allocUnsafe(room + length);
  // Node writes at most `length` bytes here; fewer means a skipped character or a `=`.
  if (buf.write(s, room, length, "base64url") !== length || s.includes("+") || s.includes("/"))
    throw malformed("base64url");
  return buf;
}

/** Strict base64url decode: no padding, no whitespace, no non-zero trailing bits. */
export function base64urlDecode(text: string): Uint8Array {
  const buf = base64urlDecodeChecked(requireString(text, "base64url"));
  // Large decodes get an ArrayBuffer of their own and need no copy; small ones come from the pool.
  return buf.byteOffset === 0 && buf.buffer.byteLength === buf.length
    ? new Uint8Array(buf.buffer, 0, buf.length)
    : ownBytes(buf);
}

/**
 * {@link base64urlDecode} without the copy out of Node's buffer pool: the result may share its
 * ArrayBuffer with other buffers. Only for bytes read in place and never handed out (or whose
 * `.buffer` is never used), such as a token being parsed.
 */
export function base64urlDecodeShared(text: string): Uint8Array {
  const buf = base64urlDecodeChecked(requireString(text, "base64url"));
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** Standard base64 with padding. */
export function base64Encode(bytes: Uint8Array): string {
  return asBuffer(requireBytes(bytes)).toString("base64");
}

/** Strict standard base64 decode: padding required, no whitespace, canonical trailing bits. */
export function base64Decode(text: string): Uint8Array {
  const s = requireString(text, "base64");
  if (!BASE64_RE.test(s)) throw malformed("base64");
  const buf = Buffer.from(s, "base64");
  if (buf.toString("base64") !== s) throw malformed("base64");
  return ownBytes(buf);
}

// ---------------------------------------------------------------------------------------------
// hex

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Lower-case hex. */
export function hexEncode(bytes: Uint8Array): string {
  return asBuffer(requireBytes(bytes)).toString("hex");
}

/** Hex decode; either case, even length, nothing else. */
export function hexDecode(text: string): Uint8Array {
  const s = requireString(text, "hex");
  if (!HEX_RE.test(s)) throw malformed("hex");
  return ownBytes(Buffer.from(s, "hex"));
}

// ---------------------------------------------------------------------------------------------
// base62 (0-9A-Za-z), used by API keys. Written here because no well-kept dependency-free
// package offers a strict base62 with canonical round trips; the algorithm is the usual
// base conversion with leading zero bytes kept as leading "0" characters, which makes the
// mapping between byte strings and base62 strings a bijection.

/** The base62 alphabet in ascending value order. */
export const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE62_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62_ALPHABET.length; i++) BASE62_VALUE[BASE62_ALPHABET.charCodeAt(i)] = i;

/** The conversion is quadratic; base62 here is for short values (keys, ids), not bulk data. */
const BASE62_MAX_BYTES = 1024;
const BASE62_MAX_CHARS = 1378; // ceil(1024 * 8 / log2(62))

/** Whether every character of `text` is in the base62 alphabet. */
export function isBase62(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || BASE62_VALUE[c] === -1) return false;
  }
  return true;
}

/** base62 encoding of bytes (at most 1024); leading zero bytes become leading "0"s. */
export function base62Encode(bytes: Uint8Array): string {
  const input = requireBytes(bytes);
  if (input.length > BASE62_MAX_BYTES) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "base62 input is too long" });
  }
  let zeros = 0;
  while (zeros < input.length && input[zeros] === 0) zeros++;
  // Little-endian base-62 digits of the big number formed by the remaining bytes.
  const digits: number[] = [];
  for (let i = zeros; i < input.length; i++) {
    let carry = input[i] ?? 0;
    for (let j = 0; j < digits.length; j++) {
      carry += (digits[j] ?? 0) * 256;
      digits[j] = carry % 62;
      carry = Math.floor(carry / 62);
    }
    while (carry > 0) {
      digits.push(carry % 62);
      carry = Math.floor(carry / 62);
    }
  }
  let out = "0".repeat(zeros);
  for (let j = digits.length - 1; j >= 0; j--) out += BASE62_ALPHABET.charAt(digits[j] ?? 0);
  return out;
}

/** Strict base62 decode (the inverse of {@link base62Encode}). */
export function base62Decode(text: string): Uint8Array {
  const s = requireString(text, "base62");
  if (s.length > BASE62_MAX_CHARS || !isBase62(s)) throw malformed("base62");
  let zeros = 0;
  while (zeros < s.length && s.charCodeAt(zeros) === 48) zeros++;
  // Little-endian base-256 bytes.
  const bytes: number[] = [];
  for (let i = zeros; i < s.length; i++) {
    let carry = BASE62_VALUE[s.charCodeAt(i)] ?? 0;
    for (let j = 0; j < bytes.length; j++) {
      carry += (bytes[j] ?? 0) * 62;
      bytes[j] = carry & 0xff;
      carry >>>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>>= 8;
    }
  }
  if (zeros + bytes.length > BASE62_MAX_BYTES) throw malformed("base62");
  const out = new Uint8Array(zeros + bytes.length);
  for (let j = 0; j < bytes.length; j++) out[out.length - 1 - j] = bytes[j] ?? 0;
  return out;
}

/** A non-negative safe integer as exactly `width` base62 digits (left-padded with "0"). */
export function base62EncodeUint(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0 || !Number.isInteger(width) || width < 1) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "base62 integer out of range" });
  }
  const chars = new Array<string>(width);
  let n = value;
  for (let i = width - 1; i >= 0; i--) {
    chars[i] = BASE62_ALPHABET.charAt(n % 62);
    n = Math.floor(n / 62);
  }
  if (n !== 0) throw new MoatError("ERR_INVALID_INPUT", { message: "base62 integer out of range" });
  return chars.join("");
}

/** The integer named by a base62 string (at most 8 digits, so the result is a safe integer). */
export function base62DecodeUint(text: string): number {
  const s = requireString(text, "base62");
  if (s.length === 0 || s.length > 8 || !isBase62(s)) throw malformed("base62");
  let n = 0;
  for (let i = 0; i < s.length; i++) n = n * 62 + (BASE62_VALUE[s.charCodeAt(i)] ?? 0);
  return n;
}
