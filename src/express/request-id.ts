/**
 * Request ids: a caller's `X-Request-Id` is kept when it is safe to log (short, no spaces or
 * control characters); otherwise a random UUID v4 is made.
 */
import { hexEncode } from "../_internal/encoding.js";
import { randomBytes, type RandomSource } from "../_internal/runtime.js";

const REQUEST_ID_RE = /^[A-Za-z0-9._:+/=-]{1,128}$/;

/** Whether an incoming request id can be kept as is. */
export function isWellFormedRequestId(value: string): boolean {
  return REQUEST_ID_RE.test(value);
}

/** A random UUID v4 (RFC 9562) from `random`. */
export function generateRequestId(random: RandomSource): string {
  const bytes = randomBytes(random, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = hexEncode(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
