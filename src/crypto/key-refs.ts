/**
 * How cached data keys are found by the reference a message carries: a stored key's id, or the
 * wrapped key a stateless token embeds.
 */
import type { KeyMode } from "./format.js";
import { bytesKey } from "./subkeys.js";

/**
 * @internal Cache key of a data key reference. A locally wrapped key is keyed by its 12-byte nonce
 * (which is random) and confirmed against the full bytes on lookup; a provider's ciphertext has no
 * known random prefix (Vault's starts `vault:v1:`), so it is keyed by all of it.
 */
export function refKeyOf(mode: KeyMode, ref: Uint8Array): string {
  return mode === "stored" ? bytesKey(ref) : bytesKey(mode === "embedded" ? ref.subarray(0, 12) : ref);
}

/** @internal Byte equality of public values (not constant-time). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
