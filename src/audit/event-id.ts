/**
 * Event ids are UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits. They
 * sort by creation time, which keeps B-tree inserts local, and are unguessable.
 */
import { MoatError } from "../errors.js";
import { type RandomSource, randomBytes } from "../_internal/runtime.js";

const MAX_UNIX_MS = 2 ** 48 - 1;

/** A UUIDv7 for the time `nowMs`, its random part from `random`. */
export function uuidv7(nowMs: number, random: RandomSource): string {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > MAX_UNIX_MS) {
    throw new MoatError("ERR_CONFIG", { message: "the clock returned a time a UUIDv7 cannot hold" });
  }
  const bytes = new Uint8Array(16);
  let ms = nowMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes.set(randomBytes(random, 10), 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f); // version 7
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f); // variant 10
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
