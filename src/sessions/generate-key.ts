/**
 * Fresh signing keys, as JWKs an application can keep in its secret manager and pass straight
 * back to `createKeySet`.
 */
import { generateKeyPair as generateKeyPairCallback } from "node:crypto";
import { promisify } from "node:util";
import { base64urlEncode } from "../_internal/encoding.js";
import { type RandomSource, randomBase62, randomBytes, systemRandom } from "../_internal/runtime.js";
import { Secret } from "../_internal/secret.js";
import { MoatError } from "../errors.js";
import { type JsonWebKeyInput, SIGNING_ALGORITHMS, type SigningAlgorithm, isKid } from "./key-material.js";
import { assertKnownKeys, knownKeys } from "../_internal/options.js";

const generateKeyPair = promisify(generateKeyPairCallback);

/** A new signing key, ready to be an entry of {@link createKeySet}. */
export interface GeneratedSigningKey {
  /** A random key id (16 base62 characters) unless one was given. */
  readonly kid: string;
  /** The algorithm. */
  readonly alg: SigningAlgorithm;
  /** Always `"sign"`; set it to `"verify"` (with `verifyUntil`) when the key is rotated out. */
  readonly use: "sign";
  /** The secret or private key as a JWK. `JSON.stringify(key.reveal())` to store it. */
  readonly key: Secret<JsonWebKeyInput>;
}

/** Options for {@link generateSigningKey}. */
export interface GenerateSigningKeyOptions {
  /** The key id; default: 16 random base62 characters. */
  readonly kid?: string;
  /** Randomness for HS256 secrets and the kid; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
}

async function privateJwk(alg: Exclude<SigningAlgorithm, "HS256">): Promise<JsonWebKeyInput> {
  const pair =
    alg === "RS256"
      ? await generateKeyPair("rsa", { modulusLength: 2048 })
      : alg === "ES256"
        ? await generateKeyPair("ec", { namedCurve: "prime256v1" })
        : await generateKeyPair("ed25519");
  const jwk = pair.privateKey.export({ format: "jwk" });
  return { ...jwk, kty: String(jwk.kty) };
}

/**
 * Generates a signing key: a 256-bit secret for HS256, RSA-2048 for RS256, P-256 for ES256,
 * Ed25519 for EdDSA. Key generation runs off the event loop.
 *
 * @throws MoatError ERR_INVALID_INPUT for an unknown algorithm or an invalid kid.
 * @example
 * ```ts
 * const next = await generateSigningKey("EdDSA");
 * await secrets.put(`jwt-key-${next.kid}`, JSON.stringify(next.key.reveal()));
 * const keys = createKeySet([next, { ...current, use: "verify", verifyUntil: Date.now() + 15 * 60_000 }]);
 * ```
 */
export async function generateSigningKey(
  alg: SigningAlgorithm,
  options: GenerateSigningKeyOptions = {},
): Promise<GeneratedSigningKey> {
  assertKnownKeys(
    options,
    knownKeys<GenerateSigningKeyOptions>({ kid: true, random: true }),
    "generateSigningKey options",
  );
  if (!SIGNING_ALGORITHMS.includes(alg)) {
    throw new MoatError("ERR_INVALID_INPUT", { message: `alg must be one of ${SIGNING_ALGORITHMS.join(", ")}` });
  }
  const random = options.random ?? systemRandom;
  const kid = options.kid ?? randomBase62(random, 16);
  if (!isKid(kid)) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "kid must be 1–128 printable ASCII characters" });
  }
  const jwk: JsonWebKeyInput =
    alg === "HS256" ? { kty: "oct", k: base64urlEncode(randomBytes(random, 32)) } : await privateJwk(alg);
  return { kid, alg, use: "sign", key: new Secret<JsonWebKeyInput>({ ...jwk, alg }) };
}
