/**
 * Turns the key forms users hold (bytes, JWK, PEM, KeyObject, any of them wrapped in a Secret)
 * into node KeyObjects, synchronously, so a wrong key is an ERR_CONFIG at `createKeySet` rather
 * than a failure on the first request. The checks are the ones RFC 7518 and jose apply: HS256
 * secrets of at least 256 bits, RSA moduli of at least 2048 bits, P-256 for ES256, Ed25519 for
 * EdDSA, and a JWK's own `alg`, `use` and `key_ops` must agree with how it is used.
 */
import { type KeyObject, createPrivateKey, createPublicKey, createSecretKey } from "node:crypto";
import { base64urlDecode } from "../_internal/encoding.js";
import { isSecret } from "../_internal/secret.js";
import { MoatError } from "../errors.js";

/** The JWS algorithms a key set can hold. */
export type SigningAlgorithm = "HS256" | "RS256" | "ES256" | "EdDSA";

/** Every {@link SigningAlgorithm}, in the order the docs list them. */
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ["HS256", "RS256", "ES256", "EdDSA"];

const KID_RE = /^[\x21-\x7e]{1,128}$/;

/** Whether `value` is a usable key id: 1–128 printable ASCII characters. */
export function isKid(value: unknown): value is string {
  return typeof value === "string" && KID_RE.test(value);
}

/** A JSON Web Key as parsed JSON (RFC 7517). */
export interface JsonWebKeyInput {
  /** Key type: `oct`, `RSA`, `EC` or `OKP`. */
  readonly kty: string;
  /** Any other JWK parameter. */
  readonly [parameter: string]: unknown;
}

/** Key material in any accepted form. */
export type KeyMaterial = Uint8Array | string | JsonWebKeyInput | KeyObject;

/** The KeyObjects behind one entry of a key set. */
interface PreparedKey {
  /** The key that verifies: the secret for HS256, the public key otherwise. */
  readonly verify: KeyObject;
  /** The key that signs, when the entry can sign: the secret, or the private key. */
  readonly sign: KeyObject | undefined;
}

const MIN_HMAC_BYTES = 32;
const MIN_RSA_BITS = 2048;

function badKey(kid: string, alg: SigningAlgorithm, why: string): MoatError {
  return new MoatError("ERR_CONFIG", { message: `key "${kid}" is not usable as an ${alg} key: ${why}` });
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === "object" && value !== null && Object.prototype.toString.call(value) === "[object KeyObject]";
}

function isJwk(value: unknown): value is JsonWebKeyInput {
  return (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    typeof Reflect.get(value, "kty") === "string"
  );
}

function checkJwkParameters(jwk: JsonWebKeyInput, kid: string, alg: SigningAlgorithm, canSign: boolean): void {
  if (jwk.alg !== undefined && jwk.alg !== alg) throw badKey(kid, alg, "its JWK names another algorithm");
  if (jwk.use !== undefined && jwk.use !== "sig") throw badKey(kid, alg, 'its JWK "use" is not "sig"');
  const ops = jwk.key_ops;
  if (ops !== undefined) {
    if (!Array.isArray(ops) || !ops.includes("verify") || (canSign && !ops.includes("sign"))) {
      throw badKey(kid, alg, 'its JWK "key_ops" do not allow this use');
    }
  }
}

function fromJwk(jwk: JsonWebKeyInput, kid: string, alg: SigningAlgorithm, canSign: boolean): KeyObject {
  checkJwkParameters(jwk, kid, alg, canSign);
  if (jwk.kty === "oct") {
    if (typeof jwk.k !== "string") throw badKey(kid, alg, 'its JWK has no "k"');
    return createSecretKey(base64urlDecode(jwk.k));
  }
  // Only the parameters node needs, so unknown members (kid, alg, x5c …) cannot confuse it.
  const isPrivate = jwk.d !== undefined;
  return isPrivate
    ? createPrivateKey({ key: { ...jwk }, format: "jwk" })
    : createPublicKey({ key: { ...jwk }, format: "jwk" });
}

function toKeyObject(material: unknown, kid: string, alg: SigningAlgorithm, canSign: boolean): KeyObject {
  const value = isSecret(material) ? material.reveal() : material;
  try {
    if (isKeyObject(value)) return value;
    if (value instanceof Uint8Array) {
      if (alg !== "HS256") throw badKey(kid, alg, "raw bytes are accepted only for HS256");
      return createSecretKey(value);
    }
    if (typeof value === "string") {
      if (alg === "HS256") throw badKey(kid, alg, "give HS256 secrets as bytes or a JWK, not a string");
      return value.includes("PRIVATE KEY") ? createPrivateKey(value) : createPublicKey(value);
    }
    if (isJwk(value)) return fromJwk(value, kid, alg, canSign);
  } catch (err) {
    if (err instanceof MoatError && err.code === "ERR_CONFIG") throw err;
    // node's parse errors can quote the input; keep only the fact that it failed.
    throw badKey(kid, alg, "the key material could not be parsed");
  }
  throw badKey(kid, alg, "expected bytes, a JWK, a PEM string or a KeyObject");
}

function checkAlgorithm(key: KeyObject, kid: string, alg: SigningAlgorithm): void {
  if (alg === "HS256") {
    if (key.type !== "secret") throw badKey(kid, alg, "HS256 needs a secret key");
    if ((key.symmetricKeySize ?? 0) < MIN_HMAC_BYTES) throw badKey(kid, alg, "HS256 secrets must be at least 32 bytes");
    return;
  }
  if (key.type === "secret") throw badKey(kid, alg, `${alg} needs an asymmetric key`);
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  if (alg === "RS256") {
    if (type !== "rsa") throw badKey(kid, alg, "RS256 needs an RSA key");
    if ((details?.modulusLength ?? 0) < MIN_RSA_BITS) throw badKey(kid, alg, "RS256 keys must be at least 2048 bits");
  } else if (alg === "ES256") {
    if (type !== "ec" || details?.namedCurve !== "prime256v1") throw badKey(kid, alg, "ES256 needs a P-256 key");
  } else if (type !== "ed25519") {
    throw badKey(kid, alg, "EdDSA needs an Ed25519 key");
  }
}

/**
 * Parses and checks one entry's key. A signing entry needs the secret or the private key; a
 * verify-only entry may give either half of an asymmetric pair (the public half is derived).
 */
export function prepareKey(material: unknown, kid: string, alg: SigningAlgorithm, canSign: boolean): PreparedKey {
  const key = toKeyObject(material, kid, alg, canSign);
  checkAlgorithm(key, kid, alg);
  if (key.type === "secret") return { verify: key, sign: canSign ? key : undefined };
  if (key.type === "public") {
    if (canSign) throw badKey(kid, alg, "a signing key needs the private key");
    return { verify: key, sign: undefined };
  }
  return { verify: createPublicKey(key), sign: canSign ? key : undefined };
}
