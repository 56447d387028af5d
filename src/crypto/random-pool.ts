/**
 * Nonces and salts from a pool: `crypto.getRandomValues` costs about as much per call for 12
 * bytes as for 4 KiB, which for a 64-byte field is a noticeable share of an encryption. Each
 * refill allocates a fresh pool, so bytes handed out earlier are never overwritten or reused.
 * Only public values (nonces, salts, ids) come from here; keys are drawn directly.
 */
import { type RandomSource, randomBytes, systemRandom } from "../_internal/runtime.js";

const POOL_BYTES = 4096;

/** @internal A source that batches calls to the system CSPRNG; other sources are called as given. */
export function pooledRandom(random: RandomSource): (n: number) => Uint8Array {
  if (random !== systemRandom) return (n) => randomBytes(random, n);
  let pool: Uint8Array = new Uint8Array(0);
  let offset = 0;
  return (n) => {
    if (n > POOL_BYTES / 4) return systemRandom(n);
    if (offset + n > pool.length) {
      pool = systemRandom(POOL_BYTES);
      offset = 0;
    }
    const out = pool.subarray(offset, offset + n);
    offset += n;
    return out;
  };
}
