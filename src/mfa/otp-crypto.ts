/**
 * The otplib crypto plugin moatkit uses: HMAC from node:crypto (native, several times faster
 * than the pure-JS default) and moatkit's constant-time comparison. It is one shared object
 * whose `hmac` otplib looks up on every call, which is also how tests count HMACs.
 */
import { createHmac } from "node:crypto";
import type { CryptoPlugin, HashAlgorithm } from "otplib";
import { constantTimeEqual, constantTimeEqualString } from "../_internal/ct-compare.js";
import { systemRandom } from "../_internal/runtime.js";
import { MoatError } from "../errors.js";

const NODE_NAMES: Readonly<Record<HashAlgorithm, string>> = { sha1: "sha1", sha256: "sha256", sha512: "sha512" };

export const otpCrypto: { -readonly [K in keyof CryptoPlugin]: CryptoPlugin[K] } = {
  name: "moatkit-node",
  algorithms: ["sha1", "sha256", "sha512"],
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    const name = Object.hasOwn(NODE_NAMES, algorithm) ? NODE_NAMES[algorithm] : undefined;
    if (name === undefined) throw new MoatError("ERR_UNSUPPORTED", { message: "unsupported TOTP algorithm" });
    const digest = createHmac(name, key).update(data).digest();
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  },
  randomBytes: systemRandom,
  constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
    if (typeof a === "string" && typeof b === "string") return constantTimeEqualString(a, b);
    if (a instanceof Uint8Array && b instanceof Uint8Array) return constantTimeEqual(a, b);
    return false;
  },
};
