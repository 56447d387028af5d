/**
 * The envelope wire format (byte by byte in docs/format.md). One binary layout, version 1, and
 * two text encodings of it: the string form v2, which moatkit writes, and v1, which it reads.
 *
 * Binary form:    version(1) ‖ L(1) ‖ masterKeyId(L) ‖ suite(1) ‖ keyRef ‖ salt(16) ‖
 *                 commitment(16) ‖ nonce(12|24) ‖ ciphertext ‖ tag(16)
 * String form v2: "mk2" ‖ c(L) ‖ masterKeyId ‖ "_"×f ‖ base64url(everything from `suite` on)
 *                 c(L) is the base64url character of value L; f = 4 − (L mod 4) makes the text
 *                 before the payload a whole number of base64url quanta.
 * String form v1: "mk1." ‖ masterKeyId ‖ "." ‖ base64url(everything from `suite` on)  (read only)
 *
 * Why v2 (issue 18 item 8): a v2 token is, as a whole, one base64url string, so it is written by
 * a single native encode of one buffer and read by a single native decode of the token itself.
 * The dots of v1 cannot come out of an encoder, and a v1 payload is a slice that Node copies
 * before decoding: at 1 MiB those are two extra 1.4 MB copies and string allocations per round
 * trip, measured at about a quarter of its cost.
 *
 * `keyRef` is the 8-byte data key id (stored data keys), the 60-byte wrapped data key
 * (embedded, stateless mode, local master key), or uint16 length ‖ the key provider's ciphertext
 * (embedded, master key held by a key provider; 1 to MAX_PROVIDER_CIPHERTEXT bytes). Every byte before the nonce — the header — is authenticated as
 * part of the AEAD's associated data; it is the same bytes whichever form a message is read from.
 */
import { BASE64URL_ALPHABET, base64urlDecode, base64urlDecodeAfter, base64urlEncode } from "../_internal/encoding.js";
import { MoatError } from "../errors.js";
import { type AeadAlgorithm, NONCE_LENGTH, TAG_LENGTH } from "./backend.js";
import { KEY_ID_PATTERN } from "./keyring.js";
import { MAX_PROVIDER_CIPHERTEXT } from "./key-provider.js";

/** The binary layout's version, its first byte (and the digit of the v1 string form `mk1.`). */
const FORMAT_VERSION = 1;
/** The longest master key id (see KEY_ID_PATTERN). */
const MAX_KEY_ID_LENGTH = 32;
/** Random salt per batch of messages, input to the per-message subkey derivation. */
export const SALT_LENGTH = 16;
/** Key commitment carried in each message. */
export const COMMITMENT_LENGTH = 16;
/** Stored data keys are referenced by an 8-byte random id. */
export const DATA_KEY_ID_LENGTH = 8;
/** A data key wrapped under a master key: nonce(12) ‖ AES-256-GCM(key)(32) ‖ tag(16). */
export const WRAPPED_KEY_LENGTH: number = 12 + 32 + TAG_LENGTH;
/** The largest plaintext one call encrypts (the envelope is single-shot, in memory). */
export const MAX_PLAINTEXT_BYTES: number = 64 * 1024 * 1024;

/**
 * How a message finds its data key: a stored data key id, or the data key itself wrapped under a
 * local master key (`embedded`) or by a key provider (`embedded-provider`).
 */
export type KeyMode = "stored" | "embedded" | "embedded-provider";

const ALGORITHM_CODE: Readonly<Record<AeadAlgorithm, number>> = { "aes-256-gcm": 0x01, "xchacha20-poly1305": 0x02 };
const MODE_CODE: Readonly<Record<KeyMode, number>> = { stored: 0x10, embedded: 0x20, "embedded-provider": 0x30 };
const MODE_OF_CODE: readonly (KeyMode | undefined)[] = [undefined, "stored", "embedded", "embedded-provider"];

/** @internal The suite byte: key mode in the high nibble, algorithm in the low nibble. */
export function suiteByte(mode: KeyMode, algorithm: AeadAlgorithm): number {
  return MODE_CODE[mode] | ALGORITHM_CODE[algorithm];
}

function decodeSuite(byte: number): { mode: KeyMode; algorithm: AeadAlgorithm } | undefined {
  const mode = MODE_OF_CODE[byte >> 4];
  const algorithm = (byte & 0x0f) === 1 ? "aes-256-gcm" : (byte & 0x0f) === 2 ? "xchacha20-poly1305" : undefined;
  return mode === undefined || algorithm === undefined ? undefined : { mode, algorithm };
}

/** @internal A parsed message; `header` is the authenticated prefix in binary form. */
export interface ParsedMessage {
  readonly form: "string" | "bytes";
  readonly masterKeyId: string;
  readonly suite: number;
  readonly mode: KeyMode;
  readonly algorithm: AeadAlgorithm;
  /** The data key id (stored), the wrapped data key (embedded), or uint16 length ‖ ciphertext (embedded-provider). */
  readonly keyRef: Uint8Array;
  readonly salt: Uint8Array;
  readonly commitment: Uint8Array;
  readonly nonce: Uint8Array;
  /** ciphertext ‖ tag */
  readonly sealed: Uint8Array;
  readonly header: Uint8Array;
}

/** The one message for everything that fails to authenticate. */
export function decryptError(): MoatError {
  return new MoatError("ERR_DECRYPT");
}

function notAToken(): MoatError {
  return new MoatError("ERR_INVALID_INPUT", { message: "not a moatkit ciphertext" });
}

/** @internal The length of the keyRef field after a suite byte at `payload[0]`, or -1 when it cannot be right. */
function keyRefLength(mode: KeyMode, payload: Uint8Array): number {
  if (mode === "stored") return DATA_KEY_ID_LENGTH;
  if (mode === "embedded") return WRAPPED_KEY_LENGTH;
  // uint16 big-endian length ‖ the provider's ciphertext.
  if (payload.length < 3) return -1;
  const length = ((payload[1] ?? 0) << 8) | (payload[2] ?? 0);
  return length === 0 || length > MAX_PROVIDER_CIPHERTEXT ? -1 : 2 + length;
}

/** @internal The keyRef field of a provider-wrapped embedded key: uint16 length ‖ ciphertext. */
export function providerKeyRef(ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + ciphertext.length);
  out[0] = ciphertext.length >> 8;
  out[1] = ciphertext.length & 0xff;
  out.set(ciphertext, 2);
  return out;
}

/** @internal Binary header: version ‖ L ‖ keyId ‖ suite ‖ keyRef ‖ salt ‖ commitment. */
export function encodeHeader(
  masterKeyId: string,
  suite: number,
  keyRef: Uint8Array,
  salt: Uint8Array,
  commitment: Uint8Array,
): Uint8Array {
  const header = new Uint8Array(2 + masterKeyId.length + 1 + keyRef.length + salt.length + commitment.length);
  header[0] = FORMAT_VERSION;
  header[1] = masterKeyId.length;
  let offset = 2;
  for (let i = 0; i < masterKeyId.length; i++) header[offset++] = masterKeyId.charCodeAt(i);
  header[offset++] = suite;
  header.set(keyRef, offset);
  offset += keyRef.length;
  header.set(salt, offset);
  header.set(commitment, offset + salt.length);
  return header;
}

/** @internal The text of a v2 string token before its payload, and the bytes it decodes to. */
export interface StringLead {
  /** `"mk2" ‖ c(L) ‖ masterKeyId ‖ "_"×f`, a multiple of 4 characters. */
  readonly text: string;
  /** base64url-decode(text): written before the payload, one encode gives the whole token. */
  readonly bytes: Uint8Array;
}

/** Characters of the v2 lead for a key id of `length` characters: 4 + L + f, f = 4 − (L mod 4). */
function leadLength(keyIdLength: number): number {
  return 8 + keyIdLength - (keyIdLength % 4);
}

/** @internal The v2 string lead of a master key id (one of KEY_ID_PATTERN). */
export function stringLead(masterKeyId: string): StringLead {
  const text = `mk2${BASE64URL_ALPHABET.charAt(masterKeyId.length)}${masterKeyId}`.padEnd(
    leadLength(masterKeyId.length),
    "_",
  );
  return { text, bytes: base64urlDecode(text) };
}

/** @internal The string form (v2) of a binary token. */
export function toStringForm(bytes: Uint8Array): string {
  const idLength = bytes[1] ?? 0;
  let keyId = "";
  for (let i = 0; i < idLength; i++) keyId += String.fromCharCode(bytes[2 + i] ?? 0);
  return stringLead(keyId).text + base64urlEncode(bytes.subarray(2 + idLength));
}

/**
 * Splits the payload (suite byte on) once the master key id is known. `bytes` is the binary form
 * (for a string token, its decoded payload after the binary prefix), so the header is a view.
 */
function parsePayload(
  form: "string" | "bytes",
  masterKeyId: string,
  bytes: Uint8Array,
  payloadStart: number,
): ParsedMessage {
  const payload = bytes.subarray(payloadStart);
  const suite = payload[0];
  const decoded = suite === undefined ? undefined : decodeSuite(suite);
  if (suite === undefined || decoded === undefined) throw decryptError();
  const refLength = keyRefLength(decoded.mode, payload);
  if (refLength < 0) throw decryptError();
  const nonceLength = NONCE_LENGTH[decoded.algorithm];
  const headerEnd = 1 + refLength + SALT_LENGTH + COMMITMENT_LENGTH;
  if (payload.length < headerEnd + nonceLength + TAG_LENGTH) throw decryptError();
  const saltStart = 1 + refLength;
  return {
    form,
    masterKeyId,
    suite,
    mode: decoded.mode,
    algorithm: decoded.algorithm,
    keyRef: payload.subarray(1, saltStart),
    salt: payload.subarray(saltStart, saltStart + SALT_LENGTH),
    commitment: payload.subarray(saltStart + SALT_LENGTH, headerEnd),
    nonce: payload.subarray(headerEnd, headerEnd + nonceLength),
    sealed: payload.subarray(headerEnd + nonceLength),
    header: bytes.subarray(0, payloadStart + headerEnd),
  };
}

// Bound on what is worth parsing: the largest plaintext plus room for the largest header (its keyRef up to 2 + 2048 bytes).
const MAX_TOKEN_BYTES = MAX_PLAINTEXT_BYTES + 256 + MAX_PROVIDER_CIPHERTEXT;
const MAX_TOKEN_CHARS = Math.ceil((MAX_TOKEN_BYTES * 4) / 3) + 64;

/**
 * Writes the binary prefix (version ‖ L ‖ keyId) into `bytes` at `start`, in front of a decoded
 * payload, which makes the token's binary form in one buffer: the authenticated header is then a
 * view, not a copy.
 */
function binaryFormAt(bytes: Buffer, start: number, masterKeyId: string): Uint8Array {
  bytes[start] = FORMAT_VERSION;
  bytes[start + 1] = masterKeyId.length;
  for (let i = 0; i < masterKeyId.length; i++) bytes[start + 2 + i] = masterKeyId.charCodeAt(i);
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, bytes.length - start);
}

function strictDecode(text: string, room: number): Buffer {
  try {
    return base64urlDecodeAfter(text, room);
  } catch {
    throw notAToken();
  }
}

/**
 * A v2 string token: the lead is checked character by character, then the whole token (lead
 * included, it is a whole number of quanta of the same alphabet) is decoded in one native call;
 * the lead's bytes are overwritten with the binary prefix, so nothing is sliced or copied.
 */
function parseStringV2(token: string): ParsedMessage {
  const idLength = BASE64URL_ALPHABET.indexOf(token.charAt(3));
  if (idLength < 1 || idLength > MAX_KEY_ID_LENGTH) throw notAToken();
  const lead = leadLength(idLength);
  if (token.length < lead) throw notAToken();
  for (let i = 4 + idLength; i < lead; i++) if (token.charCodeAt(i) !== 0x5f) throw notAToken();
  // No pattern test of the key id: KEY_ID_PATTERN is the base64url alphabet at length 1..32, and the
  // strict decode below refuses the token if any of its characters, the key id's included, is not
  // in that alphabet (Node's decoder skips such a character, which shortens its output).
  const masterKeyId = token.slice(4, 4 + idLength);
  // The payload lands at leadBytes; the binary prefix (2 + L bytes) must end exactly there.
  const leadBytes = (lead * 3) / 4;
  const room = Math.max(0, 2 + idLength - leadBytes);
  const bytes = strictDecode(token, room);
  return parsePayload(
    "string",
    masterKeyId,
    binaryFormAt(bytes, room + leadBytes - 2 - idLength, masterKeyId),
    2 + idLength,
  );
}

/** A v1 string token (read, never written): `mk1.` ‖ keyId ‖ `.` ‖ base64url(payload). */
function parseStringV1(token: string): ParsedMessage {
  const dot = token.indexOf(".", 4);
  if (dot === -1) throw notAToken();
  const masterKeyId = token.slice(4, dot);
  if (!KEY_ID_PATTERN.test(masterKeyId)) throw notAToken();
  const start = 2 + masterKeyId.length;
  const bytes = strictDecode(token.slice(dot + 1), start);
  return parsePayload("string", masterKeyId, binaryFormAt(bytes, 0, masterKeyId), start);
}

/**
 * @internal Parses a token in any form. Anything that is not shaped like a token throws
 * ERR_INVALID_INPUT; a token-shaped value whose payload cannot be right throws ERR_DECRYPT.
 */
export function parseToken(token: unknown): ParsedMessage {
  if (typeof token === "string") {
    if (token.length > MAX_TOKEN_CHARS) throw notAToken();
    if (token.startsWith("mk2")) return parseStringV2(token);
    if (token.startsWith("mk1.")) return parseStringV1(token);
    throw notAToken();
  }
  if (token instanceof Uint8Array) {
    if (token.length > MAX_TOKEN_BYTES || token.length < 3 || token[0] !== FORMAT_VERSION) throw notAToken();
    const idLength = token[1] ?? 0;
    if (token.length < 2 + idLength + 1) throw notAToken();
    let masterKeyId = "";
    for (let i = 0; i < idLength; i++) masterKeyId += String.fromCharCode(token[2 + i] ?? 0);
    if (!KEY_ID_PATTERN.test(masterKeyId)) throw notAToken();
    return parsePayload("bytes", masterKeyId, token, 2 + idLength);
  }
  throw new MoatError("ERR_INVALID_INPUT", { message: "a ciphertext must be a string or a Uint8Array" });
}
