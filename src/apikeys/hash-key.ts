/**
 * How a key is hashed at rest. A key body carries ~190 bits from a CSPRNG, so a fast hash is
 * enough: nobody can brute-force the preimage, and verification stays at native SHA-256 speed
 * (a slow password hash would cap throughput for no gain). A server-side pepper turns the hash
 * into HMAC-SHA-256, so a leaked table is useless without the application's secret as well.
 */
import { hmacSha256Hex, sha256Hex } from "../_internal/hash.js";

/** Maps a full key string to the lower-case hex the store indexes. */
type ApiKeyHasher = (key: string) => string;

/** SHA-256 of the key, or HMAC-SHA-256 keyed with `pepper` when one is given. */
export function apiKeyHasher(pepper?: Uint8Array): ApiKeyHasher {
  if (pepper === undefined) return (key) => sha256Hex(key);
  return (key) => hmacSha256Hex(pepper, key);
}
