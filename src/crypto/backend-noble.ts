/** The pure-JavaScript backend: @noble/ciphers and @noble/hashes (audited, dependency-free). */
import { gcm } from "@noble/ciphers/aes.js";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { AeadAlgorithm, CryptoBackend } from "./backend.js";
import { checkHkdfLength } from "./backend.js";

function aead(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array): ReturnType<typeof gcm> {
  return algorithm === "aes-256-gcm" ? gcm(key, nonce, aad) : xchacha20poly1305(key, nonce, aad);
}

/** @internal */
export const nobleBackend: CryptoBackend = {
  name: "noble",
  sealInto(algorithm, key, nonce, aad, plaintext, out, offset) {
    out.set(aead(algorithm, key, nonce, aad).encrypt(plaintext), offset);
  },
  open(algorithm, key, nonce, aad, sealed) {
    try {
      return aead(algorithm, key, nonce, aad).decrypt(sealed);
    } catch {
      return undefined;
    }
  },
  hkdf(ikm, salt, info, length) {
    checkHkdfLength(length);
    if (length === 0) return new Uint8Array(0);
    return hkdf(sha256, ikm, salt, info, length);
  },
  hmac(key, data) {
    return hmac(sha256, key, data);
  },
};
