/**
 * Injectable time and randomness. Every module takes `now` and `random` options with these
 * defaults so tests can be deterministic.
 */
import { MoatError } from "../errors.js";

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
