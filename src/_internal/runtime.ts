/**
 * Injectable time and randomness. Every module takes `now` and `random` options with these
 * defaults so tests can be deterministic.
 */
import { MoatError } from "../errors.js";
import { BASE62_ALPHABET, base64urlEncode } from "./encoding.js";

/** Milliseconds since the Unix epoch, like `Date.now`. */
export type Clock = () => number;

/** Returns `n` cryptographically secure random bytes. */
export type RandomSource = (n: number) => Uint8Array;

/** `Date.now`. */
export const systemClock: Clock = () => Date.now();

// crypto.getRandomValues fills at most 65,536 bytes per call.
const GET_RANDOM_VALUES_LIMIT = 65_536;

/** CSPRNG bytes from `crypto.getRandomValues`, any length. */
export const systemRandom: RandomSource = (n) => {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "random length must be a non-negative integer" });
  }
  const out = new Uint8Array(n);
  for (let offset = 0; offset < n; offset += GET_RANDOM_VALUES_LIMIT) {
    crypto.getRandomValues(out.subarray(offset, Math.min(n, offset + GET_RANDOM_VALUES_LIMIT)));
  }
  return out;
};

/** Calls a user-supplied random source and checks it returned what was asked for. */
export function randomBytes(random: RandomSource, n: number): Uint8Array {
  const bytes = random(n);
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
    throw new MoatError("ERR_CONFIG", { message: "random source returned the wrong number of bytes" });
  }
  return bytes;
}

/** A random token of `bytes` bytes, base64url-encoded (one-time and refresh tokens). */
export function randomToken(random: RandomSource, bytes: number): string {
  return base64urlEncode(randomBytes(random, bytes));
}

/**
 * `length` uniformly random base62 characters. Bytes ≥ 248 are discarded (rejection sampling),
 * since 256 is not a multiple of 62 and `byte % 62` would favour the first eight characters.
 */
export function randomBase62(random: RandomSource, length: number): string {
  let out = "";
  while (out.length < length) {
    const bytes = randomBytes(random, Math.ceil((length - out.length) * 1.1) + 4);
    for (const b of bytes) {
      if (b < 248 && out.length < length) out += BASE62_ALPHABET.charAt(b % 62);
    }
  }
  return out;
}
