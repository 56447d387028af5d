import { nobleBackend } from "../../src/crypto/backend-noble.js";
import { nodeCryptoBackend } from "../../src/crypto/backend-select.js";
import type { CryptoBackend } from "../../src/crypto/backend.js";

/** Both backends, so every backend test runs against each (noble's suite style). */
export const BACKENDS: readonly CryptoBackend[] = [nodeCryptoBackend()!, nobleBackend];

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "hex"));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** A deterministic random source (a counter stream), for byte-identical cross-backend runs. */
export function seededRandom(seed = 1): (n: number) => Uint8Array {
  let state = seed >>> 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      // xorshift32: not cryptographic, only reproducible.
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      out[i] = state & 0xff;
    }
    return out;
  };
}
