/**
 * CRC-32 (ISO-HDLC: the polynomial of zlib, PNG and Ethernet, reflected, initial value and final
 * XOR 0xFFFFFFFF), table-driven.
 *
 * Written here rather than taken from `node:zlib` (which has `crc32` since Node 20.15) because the
 * checksum is part of a stable key format that secret scanners, pre-commit hooks and browser
 * paste-guards re-implement: these twenty lines are its reference, the format helpers stay free
 * of Node-only imports, and the check runs on the char codes of a string already known to be
 * ASCII, with no Buffer conversion or native call per key on the rejection path. The tests
 * cross-check it against `zlib.crc32` and the catalogue's check value, CRC32("123456789") =
 * cbf43926.
 */
import { utf8Encode } from "../_internal/encoding.js";

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

function update(crc: number, byte: number): number {
  return (TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
}

/**
 * CRC-32 of bytes, or of the UTF-8 encoding of a string, as an unsigned 32-bit integer.
 * `end` limits a string to its first `end` UTF-16 units (ASCII callers only).
 */
export function crc32(data: Uint8Array | string, end: number = data.length): number {
  let crc = -1;
  if (typeof data === "string") {
    for (let i = 0; i < end; i++) {
      const c = data.charCodeAt(i);
      // Outside ASCII a UTF-16 unit is not a byte: start again over the UTF-8 encoding.
      if (c > 0x7f) return crc32(utf8Encode(data.slice(0, end)));
      crc = update(crc, c);
    }
  } else {
    for (let i = 0; i < end; i++) crc = update(crc, data[i] ?? 0);
  }
  return (crc ^ -1) >>> 0;
}
