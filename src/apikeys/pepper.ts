/**
 * The optional server-side secret mixed into every API key hash.
 */
import { toBytes } from "../_internal/encoding.js";
import { type Secret, isSecret } from "../_internal/secret.js";

/** Fewest bytes a pepper may have. */
export const PEPPER_MIN_BYTES = 32;

/** A server-side secret mixed into every key hash. */
export type ApiKeyPepper = string | Uint8Array | Secret<string | Uint8Array>;

export function isPepper(value: unknown): value is ApiKeyPepper {
  const raw = isSecret(value) ? value.reveal() : value;
  return (typeof raw === "string" || raw instanceof Uint8Array) && toBytes(raw).length >= PEPPER_MIN_BYTES;
}

export function pepperBytes(pepper: ApiKeyPepper): Uint8Array {
  // A copy, so later changes to the caller's buffer cannot change how keys hash.
  return Uint8Array.from(toBytes(isSecret(pepper) ? pepper.reveal() : pepper));
}
