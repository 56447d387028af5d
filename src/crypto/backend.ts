/**
 * The crypto backend: the four primitives the envelope is built from (an AEAD, HKDF-SHA-256,
 * HMAC-SHA-256), implemented twice — natively through node:crypto and in pure JavaScript
 * through @noble/ciphers and @noble/hashes. Both produce identical bytes for identical inputs
 * and run one shared test suite (Wycheproof included), so a token written by one decrypts with
 * the other.
 */
import { MoatError } from "../errors.js";

/** The AEAD algorithms moatkit encrypts with. */
export type AeadAlgorithm = "aes-256-gcm" | "xchacha20-poly1305";

/** A backend by name: `"node"` (node:crypto), `"noble"` (pure JS) or `"auto"`. */
export type CryptoBackendName = "node" | "noble";

/** Nonce length in bytes of each algorithm. */
export const NONCE_LENGTH: Readonly<Record<AeadAlgorithm, number>> = {
  "aes-256-gcm": 12,
  "xchacha20-poly1305": 24,
};

/** Every AEAD here uses 32-byte keys and 16-byte tags. */
export const AEAD_KEY_LENGTH = 32;
/** Authentication tag length in bytes. */
export const TAG_LENGTH = 16;

/** @internal The primitives; every function is synchronous and allocation-light. */
export interface CryptoBackend {
  readonly name: CryptoBackendName;
  /** Encrypts `plaintext` and writes ciphertext ‖ tag into `out` at `offset`. */
  sealInto(
    algorithm: AeadAlgorithm,
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    plaintext: Uint8Array,
    out: Uint8Array,
    offset: number,
  ): void;
  /** Decrypts ciphertext ‖ tag; `undefined` when authentication fails (never partial plaintext). */
  open(
    algorithm: AeadAlgorithm,
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    sealed: Uint8Array,
  ): Uint8Array | undefined;
  /** HKDF-SHA-256 (RFC 5869); ERR_INVALID_INPUT when `length` exceeds 255 × 32. */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** HMAC-SHA-256. */
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** RFC 5869's bound on the output of HKDF with SHA-256. */
const HKDF_MAX_LENGTH: number = 255 * 32;

/** @internal Shared argument check for both backends' HKDF. */
export function checkHkdfLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0 || length > HKDF_MAX_LENGTH) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "HKDF output length must be between 0 and 8160 bytes" });
  }
}
