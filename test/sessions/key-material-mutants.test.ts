import { createSecretKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prepareKey, type SigningAlgorithm } from "../../src/sessions/key-material.js";
import { createKeySet, type JsonWebKeyInput, type KeySetEntry } from "../../src/sessions/index.js";
import { expectMoatError } from "../helpers/assertions.js";
import { hsSecret, rsaPair } from "./helpers.js";

/** The ERR_CONFIG message createKeySet gives for one entry whose key does not fit. */
function rejection(alg: SigningAlgorithm, key: unknown, use: "sign" | "verify" = "sign"): string {
  const entry = { kid: "k1", alg, use, key } as KeySetEntry;
  return expectMoatError(() => createKeySet([entry]), "ERR_CONFIG").message;
}

const why = (alg: SigningAlgorithm, reason: string): string => `key "k1" is not usable as an ${alg} key: ${reason}`;

const octJwk = (extra: Record<string, unknown> = {}): JsonWebKeyInput => ({
  kty: "oct",
  k: Buffer.from(hsSecret()).toString("base64url"),
  ...extra,
});

const signer: KeySetEntry = { kid: "signer", alg: "HS256", use: "sign", key: hsSecret(3) };

describe("prepareKey (mutation survivors)", () => {
  it("says a value of no accepted form is not key material, without trying to parse it", () => {
    for (const value of [42, null, {}, [], true]) {
      expect(rejection("RS256", value)).toBe(why("RS256", "expected bytes, a JWK, a PEM string or a KeyObject"));
    }
  });

  it("says which JWK parameter disagrees with the key's use", () => {
    expect(rejection("HS256", octJwk({ alg: "HS512" }))).toBe(why("HS256", "its JWK names another algorithm"));
    expect(rejection("HS256", octJwk({ use: "enc" }))).toBe(why("HS256", 'its JWK "use" is not "sig"'));
    const opsWhy = why("HS256", 'its JWK "key_ops" do not allow this use');
    expect(rejection("HS256", octJwk({ key_ops: ["verify"] }))).toBe(opsWhy);
    expect(rejection("HS256", octJwk({ key_ops: ["sign"] }))).toBe(opsWhy);
    expect(rejection("HS256", octJwk({ key_ops: ["sign"] }), "verify")).toBe(opsWhy);
    expect(rejection("HS256", octJwk({ key_ops: "sign verify" }))).toBe(opsWhy);
    expect(rejection("HS256", octJwk({ key_ops: "verify" }), "verify")).toBe(opsWhy);
  });

  it("accepts JWK key_ops that allow the use: sign and verify to sign, verify alone to verify", () => {
    const keys = createKeySet([
      { kid: "ops-sign", alg: "HS256", use: "sign", key: octJwk({ key_ops: ["sign", "verify"] }) },
      { kid: "ops-verify", alg: "HS256", use: "verify", key: octJwk({ key_ops: ["verify"] }) },
    ]);
    expect(keys.keys.map((k) => [k.kid, k.use])).toEqual([
      ["ops-sign", "sign"],
      ["ops-verify", "verify"],
    ]);
  });

  it("says an oct JWK without a string k has no k", () => {
    expect(rejection("HS256", { kty: "oct" })).toBe(why("HS256", 'its JWK has no "k"'));
    expect(rejection("HS256", { kty: "oct", k: 42 })).toBe(why("HS256", 'its JWK has no "k"'));
  });

  it("accepts a public JWK as a verify-only key and derives nothing private from it", () => {
    const ed = generateKeyPairSync("ed25519");
    const jwk = ed.publicKey.export({ format: "jwk" });
    const prepared = prepareKey({ ...jwk, kty: "OKP", kid: "ignored", alg: "EdDSA" }, "k1", "EdDSA", false);
    expect(prepared.sign).toBeUndefined();
    expect(prepared.verify.type).toBe("public");
    expect(prepared.verify.equals(ed.publicKey)).toBe(true);
    const keys = createKeySet([signer, { kid: "ed-public", alg: "EdDSA", use: "verify", key: { ...jwk, kty: "OKP" } }]);
    expect(keys.keys.map((k) => k.kid)).toEqual(["signer", "ed-public"]);
  });

  it("refuses raw bytes for an asymmetric algorithm and a string for HS256, saying so", () => {
    expect(rejection("RS256", new Uint8Array(64))).toBe(why("RS256", "raw bytes are accepted only for HS256"));
    expect(rejection("HS256", "a".repeat(64))).toBe(why("HS256", "give HS256 secrets as bytes or a JWK, not a string"));
  });

  it("reports material node cannot parse as unparsable, keeping node's text out", () => {
    const pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";
    expect(rejection("RS256", pem, "verify")).toBe(why("RS256", "the key material could not be parsed"));
    expect(rejection("EdDSA", { kty: "OKP", crv: "Ed25519" }, "verify")).toBe(
      why("EdDSA", "the key material could not be parsed"),
    );
  });

  it("says what an HS256 key lacks", () => {
    expect(rejection("HS256", rsaPair().privateKey)).toBe(why("HS256", "HS256 needs a secret key"));
    expect(rejection("HS256", new Uint8Array(31))).toBe(why("HS256", "HS256 secrets must be at least 32 bytes"));
  });

  it("says an asymmetric algorithm needs an asymmetric key when given a secret KeyObject", () => {
    for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
      expect(rejection(alg, createSecretKey(hsSecret()))).toBe(why(alg, `${alg} needs an asymmetric key`));
    }
  });

  it("says which key type or size each asymmetric algorithm needs", () => {
    const ed = generateKeyPairSync("ed25519");
    const rsa = rsaPair();
    expect(rejection("RS256", ed.privateKey)).toBe(why("RS256", "RS256 needs an RSA key"));
    expect(rejection("RS256", rsaPair(1024).privateKey)).toBe(why("RS256", "RS256 keys must be at least 2048 bits"));
    expect(rejection("ES256", rsa.privateKey)).toBe(why("ES256", "ES256 needs a P-256 key"));
    expect(rejection("EdDSA", rsa.privateKey)).toBe(why("EdDSA", "EdDSA needs an Ed25519 key"));
  });

  it("rejects, with ERR_CONFIG, an object that claims to be a KeyObject but reports no fitting details", () => {
    const forged = (asymmetricKeyType: string, asymmetricKeyDetails: object | undefined): unknown => ({
      [Symbol.toStringTag]: "KeyObject",
      type: "public",
      asymmetricKeyType,
      asymmetricKeyDetails,
    });
    expect(rejection("RS256", forged("rsa", undefined), "verify")).toBe(
      why("RS256", "RS256 keys must be at least 2048 bits"),
    );
    expect(rejection("ES256", forged("ec", undefined), "verify")).toBe(why("ES256", "ES256 needs a P-256 key"));
    expect(rejection("ES256", forged("ed25519", { namedCurve: "prime256v1" }), "verify")).toBe(
      why("ES256", "ES256 needs a P-256 key"),
    );
  });

  it("says a signing entry needs the private key when given the public one", () => {
    const ed = generateKeyPairSync("ed25519");
    expect(rejection("EdDSA", ed.publicKey)).toBe(why("EdDSA", "a signing key needs the private key"));
  });
});
