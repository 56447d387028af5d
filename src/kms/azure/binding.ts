/**
 * Binding a wrapped data key to its {@link WrapContext}. Key Vault's wrapKey (RSA-OAEP-256, or
 * A256KW on a Managed HSM) has no associated data, so the binding travels inside the wrapped
 * plaintext: the vault wraps `dataKey ‖ SHA-256(binding(context))` (64 bytes), and unwrap
 * compares the second half with the digest of the context it is asked to unwrap under. A wrapped
 * key copied to another tenant's record unwraps at the vault, but its digest names the first
 * tenant, so moatkit refuses it and the key bytes never leave this function.
 * docs/kms-azure.md explains why this design rather than a local AEAD layer.
 */
import { createHash } from "node:crypto";
import { constantTimeEqual } from "../../_internal/ct-compare.js";
import type { WrapContext } from "../../crypto/key-provider.js";
import { MoatError } from "../../errors.js";

/** Data keys are 32 bytes; the wrapped plaintext is the key and a 32-byte context digest. */
export const DATA_KEY_BYTES = 32;
const BOUND_BYTES = DATA_KEY_BYTES + 32;
// Domain separation: this digest is only ever this binding, for this format version.
const BINDING_LABEL = "moatkit/v1 azure-key-vault context\u0000";
const MAX_FIELD_CHARS = 1024;
const MODES: ReadonlySet<string> = new Set(["stored", "embedded"]);

function invalid(message: string): never {
  throw new MoatError("ERR_INVALID_INPUT", { message: `Azure Key Vault provider: ${message}` });
}

/** Checks a context's shape (a misuse, so it throws) without echoing any value. */
export function assertContext(context: unknown): asserts context is WrapContext {
  if (typeof context !== "object" || context === null) invalid("context must be an object");
  for (const field of ["keyId", "mode", "dataKeyId", "scope", "purpose"] as const) {
    const value: unknown = Reflect.get(context, field);
    if (typeof value !== "string" || value.length > MAX_FIELD_CHARS)
      invalid(`context.${field} must be a string of at most ${MAX_FIELD_CHARS} characters`);
  }
  if (!MODES.has(String(Reflect.get(context, "mode")))) invalid('context.mode must be "stored" or "embedded"');
}

/** The digest a wrap is bound to: every field, in a fixed order, in an unambiguous encoding. */
export function contextDigest(context: WrapContext): Buffer {
  // A JSON array of strings is injective: no two contexts give the same text.
  const fields = [context.keyId, context.mode, context.dataKeyId, context.scope, context.purpose];
  return createHash("sha256").update(BINDING_LABEL).update(JSON.stringify(fields)).digest();
}

/** The 64 bytes the vault wraps: the data key, then the context digest. */
export function bindDataKey(dataKey: Uint8Array, context: WrapContext): Buffer {
  return Buffer.concat([dataKey, contextDigest(context)]);
}

/**
 * The data key out of an unwrapped plaintext, or `undefined` when the plaintext is not a bound
 * key or is bound to another context. The plaintext buffer is wiped either way.
 */
export function openBoundDataKey(plaintext: Uint8Array, context: WrapContext): Uint8Array | undefined {
  try {
    if (plaintext.length !== BOUND_BYTES) return undefined;
    const digest = plaintext.subarray(DATA_KEY_BYTES);
    if (!constantTimeEqual(digest, contextDigest(context))) return undefined;
    return Uint8Array.from(plaintext.subarray(0, DATA_KEY_BYTES));
  } finally {
    plaintext.fill(0);
  }
}
