/**
 * How cached data keys are found by the reference a message carries: a stored key's id, or the
 * wrapped key a stateless token embeds.
 */
import type { KeyMode } from "./format.js";
import { bytesKey } from "./subkeys.js";

/** One letter per mode, so that equal bytes in two modes never share a cache key. */
const MODE_TAG: Readonly<Record<KeyMode, string>> = { stored: "s", embedded: "e", "embedded-provider": "p" };

/**
 * @internal Cache key of a data key reference, tagged with its mode: the same bytes mean a stored
 * key's id in one mode and a provider's ciphertext in another (a 6-byte ciphertext behind its
 * 2-byte length is 8 bytes, an id's length), and a token must never be answered with a key
 * cached for the other meaning. A locally wrapped key is keyed by its 12-byte nonce (which is
 * random) and confirmed against the full bytes on lookup; a provider's ciphertext has no known
 * random prefix (Vault's starts `vault:v1:`), so it is keyed by all of it.
 */
export function refKeyOf(mode: KeyMode, ref: Uint8Array): string {
  return MODE_TAG[mode] + bytesKey(mode === "embedded" ? ref.subarray(0, 12) : ref);
}

/** @internal Byte equality of public values (not constant-time). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
