/**
 * Sizes as options: a number of bytes, or a string such as "10mb" with the binary units express
 * and body-parser use (1kb = 1024 bytes).
 */
import { MoatError } from "../errors.js";

/** A size: bytes, or a string such as `"512kb"`, `"10mb"`, `"1gb"`. */
export type ByteSize = number | string;

const UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE_RE = /^(\d{1,9}(?:\.\d{1,3})?)\s?(b|kb|mb|gb)$/i;

/** Bytes in a size; ERR_CONFIG for anything that is not a positive size. */
export function parseByteSize(value: ByteSize, what = "size"): number {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value > 0) return value;
  } else if (typeof value === "string") {
    const m = SIZE_RE.exec(value.trim());
    if (m !== null) {
      const bytes = Math.floor(Number(m[1]) * (UNITS[(m[2] ?? "").toLowerCase()] ?? Number.NaN));
      if (Number.isSafeInteger(bytes) && bytes > 0) return bytes;
    }
  }
  throw new MoatError("ERR_CONFIG", { message: `${what} must be a positive number of bytes or a size such as "10mb"` });
}
