/**
 * Constant-time comparison. The loop always runs over the longer input and folds every byte
 * difference (and the length difference) into one accumulator, so the time taken depends only
 * on the lengths, never on where the first differing byte is.
 */
import { utf8Encode } from "./encoding.js";

/** Whether `a` and `b` hold the same bytes, in time independent of their contents. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const len = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < len; i++) {
    // Past the end of the shorter input compare against 0; the length difference has already
    // made `diff` non-zero in that case.
    diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  }
  return diff === 0;
}

/** {@link constantTimeEqual} over the UTF-8 bytes of two strings. */
export function constantTimeEqualString(a: string, b: string): boolean {
  return constantTimeEqual(utf8Encode(a), utf8Encode(b));
}
