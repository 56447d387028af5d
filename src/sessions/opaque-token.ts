/**
 * Opaque bearer tokens (refresh tokens, one-time tokens): 32 random bytes as 43 base64url
 * characters, stored only as their SHA-256. A database leak gives hashes of 256-bit random
 * values, which cannot be turned back into usable tokens.
 */
import { base64urlDecode, base64urlEncode } from "../_internal/encoding.js";
import { hmacSha256, sha256Hex } from "../_internal/hash.js";
import { type RandomSource, randomToken } from "../_internal/runtime.js";
import { isSecret } from "../_internal/secret.js";
import { MoatError } from "../errors.js";

const TOKEN_BYTES = 32;
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
const SUCCESSOR_LABEL = "moatkit refresh successor v1\u0000";

/** A new random token. */
export function newOpaqueToken(random: RandomSource): string {
  return randomToken(random, TOKEN_BYTES);
}

/**
 * The token string from caller input (a string or a Secret holding one), or `undefined` when it
 * cannot be a token of ours (wrong length or alphabet), so no store is asked about it.
 *
 * @throws MoatError ERR_INVALID_INPUT when the input is neither a string nor a Secret string.
 */
export function readOpaqueToken(input: unknown, what: string): string | undefined {
  const value = isSecret(input) ? input.reveal() : input;
  if (typeof value !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: `${what} must be a string` });
  return TOKEN_RE.test(value) ? value : undefined;
}

/** The stored form of a token: lower-case hex SHA-256. */
export function hashOpaqueToken(token: string): string {
  return sha256Hex(token);
}

/**
 * The refresh token that follows `presented`, given the rotation's random nonce. Deriving it
 * (instead of storing it) lets a refresh inside the overlap window hand out the successor that
 * was already issued: reproducing it needs both the presented token, which the database never
 * holds, and the nonce, which the client never sees.
 */
export function deriveSuccessorToken(presented: string, nonce: string): string {
  return base64urlEncode(hmacSha256(base64urlDecode(nonce), SUCCESSOR_LABEL + presented));
}
