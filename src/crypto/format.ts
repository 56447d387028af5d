/**
 * The envelope wire format, version 1 (byte by byte in docs/format.md).
 *
 * Binary form:  version(1) ‖ L(1) ‖ masterKeyId(L) ‖ suite(1) ‖ keyRef ‖ salt(16) ‖
 *               commitment(16) ‖ nonce(12|24) ‖ ciphertext ‖ tag(16)
 * String form:  "mk1." ‖ masterKeyId ‖ "." ‖ base64url(everything from `suite` on)
 *
 * `keyRef` is the 8-byte data key id (stored data keys) or the 60-byte wrapped data key
 * (embedded, stateless mode). Every byte before the nonce — the header — is authenticated as
 * part of the AEAD's associated data.
 */
import { base64urlDecodeAfter, base64urlEncode } from "../_internal/encoding.js";
import { MoatError } from "../errors.js";
import { type AeadAlgorithm, NONCE_LENGTH, TAG_LENGTH } from "./backend.js";
import { KEY_ID_PATTERN } from "./keyring.js";

/** The format version, the digit in `mk1.`. */
const FORMAT_VERSION = 1;
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

/** How a message finds its data key. */
export type KeyMode = "stored" | "embedded";

const ALGORITHM_CODE: Readonly<Record<AeadAlgorithm, number>> = { "aes-256-gcm": 0x01, "xchacha20-poly1305": 0x02 };
const MODE_CODE: Readonly<Record<KeyMode, number>> = { stored: 0x10, embedded: 0x20 };

/** @internal The suite byte: key mode in the high nibble, algorithm in the low nibble. */
export function suiteByte(mode: KeyMode, algorithm: AeadAlgorithm): number {
  return MODE_CODE[mode] | ALGORITHM_CODE[algorithm];
}

function decodeSuite(byte: number): { mode: KeyMode; algorithm: AeadAlgorithm } | undefined {
  const mode = byte >> 4 === 1 ? "stored" : byte >> 4 === 2 ? "embedded" : undefined;
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
  /** The data key id (stored) or the wrapped data key (embedded). */
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
  return new MoatError("ERR_INVALID_INPUT", { message: "not a moatkit mk1 ciphertext" });
}

/** @internal The fixed-size part of a payload (from the suite byte on) before the nonce. */
function keyRefLength(mode: KeyMode): number {
  return mode === "stored" ? DATA_KEY_ID_LENGTH : WRAPPED_KEY_LENGTH;
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

/** @internal The string form of a binary token. */
export function toStringForm(bytes: Uint8Array): string {
  const idLength = bytes[1] ?? 0;
  let keyId = "";
  for (let i = 0; i < idLength; i++) keyId += String.fromCharCode(bytes[2 + i] ?? 0);
  return `mk${String(FORMAT_VERSION)}.${keyId}.${base64urlEncode(bytes.subarray(2 + idLength))}`;
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
  const refLength = keyRefLength(decoded.mode);
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

// Bound on what is worth parsing: the largest plaintext plus generous room for the header.
const MAX_TOKEN_BYTES = MAX_PLAINTEXT_BYTES + 256;
const MAX_TOKEN_CHARS = Math.ceil((MAX_TOKEN_BYTES * 4) / 3) + 64;

/**
 * @internal Parses a token in either form. Anything that is not shaped like a v1 token throws
 * ERR_INVALID_INPUT; a token-shaped value whose payload cannot be right throws ERR_DECRYPT.
 */
export function parseToken(token: unknown): ParsedMessage {
  if (typeof token === "string") {
    if (token.length > MAX_TOKEN_CHARS || !token.startsWith("mk1.")) throw notAToken();
    const dot = token.indexOf(".", 4);
    if (dot === -1) throw notAToken();
    const masterKeyId = token.slice(4, dot);
    if (!KEY_ID_PATTERN.test(masterKeyId)) throw notAToken();
    // The payload is decoded after room for the binary prefix (version ‖ L ‖ keyId), which makes
    // the token's binary form in one buffer: the authenticated header is then a view, not a copy.
    const start = 2 + masterKeyId.length;
    let bytes: Buffer;
    try {
      bytes = base64urlDecodeAfter(token.slice(dot + 1), start);
    } catch {
      throw notAToken();
    }
    bytes[0] = FORMAT_VERSION;
    bytes[1] = masterKeyId.length;
    for (let i = 0; i < masterKeyId.length; i++) bytes[2 + i] = masterKeyId.charCodeAt(i);
    return parsePayload("string", masterKeyId, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), start);
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
