/**
 * The native backend. node:crypto is reached through `process.getBuiltinModule` rather than a
 * static import, so this module loads (and the envelope falls back to the pure-JS backend) in
 * runtimes that have no node:crypto.
 */
import type * as NodeCrypto from "node:crypto";
import { MoatError } from "../errors.js";
import { type AeadAlgorithm, type CryptoBackend, TAG_LENGTH, checkHkdfLength } from "./backend.js";

/** @internal node:crypto if the runtime provides it. */
export function loadNodeCrypto(): typeof NodeCrypto | undefined {
  if (typeof process === "undefined" || typeof process.getBuiltinModule !== "function") return undefined;
  try {
    return process.getBuiltinModule("node:crypto");
  } catch {
    return undefined;
  }
}

function view(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

/**
 * HChaCha20 (the XChaCha20 subkey derivation) from node's raw ChaCha20 stream. A ChaCha20
 * keystream block is `rounds(state) + state`; HChaCha20 is `rounds(state)` at words 0–3 and
 * 12–15, with the 16-byte input in words 12–15 — exactly where node puts its 16-byte IV
 * (32-bit counter ‖ 96-bit nonce). Subtracting the known state words gives the subkey.
 */
function hchacha20(nodeCrypto: typeof NodeCrypto, key: Uint8Array, input16: Uint8Array): Uint8Array {
  const stream = nodeCrypto.createCipheriv("chacha20", key, input16);
  const block = stream.update(new Uint8Array(64));
  const blockWords = new DataView(block.buffer, block.byteOffset, 64);
  const inputWords = new DataView(input16.buffer, input16.byteOffset, 16);
  const out = new Uint8Array(32);
  const outWords = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) {
    outWords.setUint32(i * 4, (blockWords.getUint32(i * 4, true) - (SIGMA[i] ?? 0)) >>> 0, true);
    outWords.setUint32(
      16 + i * 4,
      (blockWords.getUint32(48 + i * 4, true) - inputWords.getUint32(i * 4, true)) >>> 0,
      true,
    );
  }
  return out;
}

/** XChaCha20-Poly1305 = ChaCha20-Poly1305 under HChaCha20(key, nonce[0..16]) with nonce 0⁴ ‖ nonce[16..24]. */
function xchachaParams(nodeCrypto: typeof NodeCrypto, key: Uint8Array, nonce: Uint8Array): [Uint8Array, Uint8Array] {
  const subkey = hchacha20(nodeCrypto, key, nonce.subarray(0, 16));
  const iv = new Uint8Array(12);
  iv.set(nonce.subarray(16, 24), 4);
  return [subkey, iv];
}

/** @internal */
export function createNodeBackend(nodeCrypto: typeof NodeCrypto): CryptoBackend {
  const { createCipheriv, createDecipheriv, createHmac, hkdfSync } = nodeCrypto;

  function cipherFor(
    algorithm: AeadAlgorithm,
    key: Uint8Array,
    nonce: Uint8Array,
  ): NodeCrypto.CipherGCM | NodeCrypto.CipherChaCha20Poly1305 {
    if (algorithm === "aes-256-gcm") return createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_LENGTH });
    const [subkey, iv] = xchachaParams(nodeCrypto, key, nonce);
    return createCipheriv("chacha20-poly1305", subkey, iv, { authTagLength: TAG_LENGTH });
  }

  function decipherFor(
    algorithm: AeadAlgorithm,
    key: Uint8Array,
    nonce: Uint8Array,
  ): NodeCrypto.DecipherGCM | NodeCrypto.DecipherChaCha20Poly1305 {
    if (algorithm === "aes-256-gcm") return createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_LENGTH });
    const [subkey, iv] = xchachaParams(nodeCrypto, key, nonce);
    return createDecipheriv("chacha20-poly1305", subkey, iv, { authTagLength: TAG_LENGTH });
  }

  return {
    name: "node",
    sealInto(algorithm, key, nonce, aad, plaintext, out, offset) {
      const cipher = cipherFor(algorithm, key, nonce);
      cipher.setAAD(aad, { plaintextLength: plaintext.length });
      const body = cipher.update(plaintext);
      out.set(body, offset);
      const rest = cipher.final();
      out.set(rest, offset + body.length);
      out.set(cipher.getAuthTag(), offset + body.length + rest.length);
    },
    open(algorithm, key, nonce, aad, sealed) {
      if (sealed.length < TAG_LENGTH) return undefined;
      const split = sealed.length - TAG_LENGTH;
      const decipher = decipherFor(algorithm, key, nonce);
      decipher.setAuthTag(sealed.subarray(split));
      decipher.setAAD(aad, { plaintextLength: split });
      const body = decipher.update(sealed.subarray(0, split));
      try {
        decipher.final();
      } catch {
        // The tag did not verify: the body must never leave this function.
        body.fill(0);
        return undefined;
      }
      return view(body);
    },
    hkdf(ikm, salt, info, length) {
      checkHkdfLength(length);
      if (length === 0) return new Uint8Array(0);
      try {
        return new Uint8Array(hkdfSync("sha256", ikm, salt, info, length));
      } catch (err) {
        throw new MoatError("ERR_INVALID_INPUT", { message: "HKDF rejected its input", cause: err });
      }
    },
    hmac(key, data) {
      return view(createHmac("sha256", key).update(data).digest());
    },
  };
}
