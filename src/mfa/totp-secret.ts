/**
 * TOTP shared secrets: random bytes shown to the user as RFC 4648 base32 (what authenticator
 * apps expect), decoded strictly so that one secret has one accepted spelling apart from letter
 * case and optional padding.
 */
import { ScureBase32Plugin } from "otplib";
import { isSecret, type Secret } from "../_internal/secret.js";
import { MoatError } from "../errors.js";

/** RFC 4226 §4 R6: at least 128 bits. */
const MIN_TOTP_SECRET_BYTES = 16;
/** The largest key any supported HMAC uses without hashing it first (SHA-512's block). */
export const MAX_TOTP_SECRET_BYTES = 64;

const base32 = new ScureBase32Plugin();
const BASE32_RE = /^[A-Z2-7]+=*$/;

function invalidSecret(): MoatError {
  return new MoatError("ERR_INVALID_INPUT", { message: "TOTP secret must be base32 of 16 to 64 bytes" });
}

/** Unpadded upper-case base32 of `bytes`. */
export function encodeTotpSecret(bytes: Uint8Array): string {
  return base32.encode(bytes, { padding: false });
}

/**
 * The bytes of a base32 TOTP secret (a string or a {@link Secret} holding one).
 *
 * @throws MoatError ERR_INVALID_INPUT for anything else, non-canonical base32, or a secret
 *   shorter than 16 or longer than 64 bytes.
 */
export function decodeTotpSecret(secret: unknown): Uint8Array {
  const text: unknown = isSecret(secret) ? secret.reveal() : secret;
  if (typeof text !== "string" || text.length > 128) throw invalidSecret();
  const upper = text.toUpperCase();
  if (!BASE32_RE.test(upper)) throw invalidSecret();
  const unpadded = upper.replace(/=+$/, "");
  let bytes: Uint8Array;
  try {
    bytes = base32.decode(unpadded);
  } catch {
    throw invalidSecret();
  }
  // Re-encoding rejects non-zero trailing bits (two spellings of one secret) and bad padding.
  const canonical = encodeTotpSecret(bytes);
  if (canonical !== unpadded) throw invalidSecret();
  if (upper !== unpadded && upper !== base32.encode(bytes, { padding: true })) throw invalidSecret();
  if (bytes.length < MIN_TOTP_SECRET_BYTES || bytes.length > MAX_TOTP_SECRET_BYTES) throw invalidSecret();
  return bytes;
}

/** The type a TOTP secret may be passed as. */
export type TotpSecretInput = string | Secret<string>;
