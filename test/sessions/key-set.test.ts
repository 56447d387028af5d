import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/_internal/secret.js";
import { createKeySet, generateSigningKey, SIGNING_ALGORITHMS, type KeySetEntry } from "../../src/sessions/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync, WRONG_TYPES } from "../helpers/assertions.js";
import { loadRfc, loadWycheproof } from "../vectors/index.js";
import { hsSecret, rsaPair } from "./helpers.js";

const hs = (kid: string, use: "sign" | "verify" = "sign", fill = 7): KeySetEntry => ({
  kid,
  alg: "HS256",
  use,
  key: hsSecret(fill),
});

describe("createKeySet", () => {
  it("accepts one signing key and any number of verify-only keys", () => {
    const keys = createKeySet([hs("old", "verify", 1), hs("new"), hs("older", "verify", 2)]);
    expect(keys.signingKey).toEqual({ kid: "new", alg: "HS256", use: "sign" });
    expect(keys.keys.map((k) => k.kid)).toEqual(["new", "old", "older"]);
  });

  it.each([
    ["no keys", []],
    ["no signing key", [hs("a", "verify")]],
    ["two signing keys", [hs("a"), hs("b", "sign", 2)]],
    ["a duplicate kid", [hs("a"), hs("a", "verify", 2)]],
    ["an empty kid", [{ ...hs("a"), kid: "" }]],
    ["a kid with spaces", [{ ...hs("a"), kid: "my key" }]],
    ["a kid over 128 characters", [{ ...hs("a"), kid: "k".repeat(129) }]],
    ["an unknown algorithm", [{ ...hs("a"), alg: "HS512" }]],
    ["alg none", [{ ...hs("a"), alg: "none" }]],
    ["an unknown use", [{ ...hs("a"), use: "encrypt" }]],
    ["verifyUntil on the signing key", [{ ...hs("a"), verifyUntil: Date.now() }]],
    ["an invalid verifyUntil", [hs("a"), { ...hs("b", "verify"), verifyUntil: Number.NaN }]],
  ])("rejects %s with ERR_CONFIG", (_name, entries) => {
    expectMoatError(() => createKeySet(entries as KeySetEntry[]), "ERR_CONFIG");
  });

  it("rejects entries and lists of the wrong type", () => {
    for (const value of WRONG_TYPES) {
      expectMoatError(() => createKeySet(value as KeySetEntry[]), "ERR_CONFIG");
      expectMoatError(() => createKeySet([value as KeySetEntry]), "ERR_CONFIG");
      if (value !== undefined)
        expectMoatError(() => createKeySet([{ ...hs("a"), key: value as Uint8Array }]), "ERR_CONFIG");
    }
  });

  it("rejects keys that do not fit their algorithm, naming the kid and never the material", () => {
    const secret31 = new Uint8Array(31).fill(0x41);
    const weakRsa = rsaPair(1024);
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" });
    const ed = generateKeyPairSync("ed25519");
    const rsa = rsaPair();
    const cases: KeySetEntry[] = [
      { kid: "short", alg: "HS256", use: "sign", key: secret31 },
      { kid: "string-secret", alg: "HS256", use: "sign", key: "correct horse battery staple, long enough to pass" },
      { kid: "rsa-as-hs", alg: "HS256", use: "sign", key: rsa.privateKey },
      { kid: "weak-rsa", alg: "RS256", use: "sign", key: weakRsa.privateKey },
      { kid: "p384", alg: "ES256", use: "sign", key: p384.privateKey },
      { kid: "ed-as-rs", alg: "RS256", use: "sign", key: ed.privateKey },
      { kid: "rsa-as-ed", alg: "EdDSA", use: "sign", key: rsa.privateKey },
      { kid: "bytes-for-rsa", alg: "RS256", use: "sign", key: new Uint8Array(64) },
      { kid: "public-signs", alg: "EdDSA", use: "sign", key: ed.publicKey },
      {
        kid: "bad-pem",
        alg: "RS256",
        use: "sign",
        key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
      },
      {
        kid: "jwk-alg",
        alg: "HS256",
        use: "sign",
        key: { kty: "oct", k: Buffer.from(hsSecret()).toString("base64url"), alg: "HS512" },
      },
      {
        kid: "jwk-use",
        alg: "HS256",
        use: "sign",
        key: { kty: "oct", k: Buffer.from(hsSecret()).toString("base64url"), use: "enc" },
      },
      {
        kid: "jwk-ops",
        alg: "HS256",
        use: "sign",
        key: { kty: "oct", k: Buffer.from(hsSecret()).toString("base64url"), key_ops: ["verify"] },
      },
      { kid: "jwk-bad-k", alg: "HS256", use: "sign", key: { kty: "oct", k: "not base64url!" } },
    ];
    for (const entry of cases) {
      const err = expectMoatError(() => createKeySet([entry]), "ERR_CONFIG");
      expect(err.message).toContain(`"${entry.kid}"`);
      expect(err.message).not.toContain("AAAA");
      expect(err.message).not.toContain("horse");
    }
  });

  it("accepts bytes, JWKs, PEM, KeyObjects and Secrets", async () => {
    const rsa = rsaPair();
    const ed = generateKeyPairSync("ed25519");
    const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const entries: KeySetEntry[] = [
      {
        kid: "sign",
        alg: "EdDSA",
        use: "sign",
        key: new Secret(ed.privateKey.export({ format: "pem", type: "pkcs8" }).toString()),
      },
      {
        kid: "rsa-pem-public",
        alg: "RS256",
        use: "verify",
        key: rsa.publicKey.export({ format: "pem", type: "spki" }).toString(),
      },
      {
        kid: "rsa-jwk-private",
        alg: "RS256",
        use: "verify",
        key: { ...rsa.privateKey.export({ format: "jwk" }), kty: "RSA" },
      },
      { kid: "ec-keyobject", alg: "ES256", use: "verify", key: ec.publicKey },
      { kid: "hs-secret", alg: "HS256", use: "verify", key: new Secret(hsSecret()) },
      {
        kid: "hs-jwk",
        alg: "HS256",
        use: "verify",
        key: { kty: "oct", k: Buffer.from(hsSecret(9)).toString("base64url"), use: "sig", alg: "HS256" },
      },
    ];
    const keys = createKeySet(entries);
    expect(keys.keys).toHaveLength(6);
  });
});

describe("exportJwks", () => {
  it("exports the public half of asymmetric keys only, never an HS256 secret or a private parameter", () => {
    const rsa = rsaPair();
    const ed = generateKeyPairSync("ed25519");
    const keys = createKeySet([
      { kid: "ed", alg: "EdDSA", use: "sign", key: ed.privateKey },
      { kid: "rsa", alg: "RS256", use: "verify", key: rsa.privateKey },
      hs("hs", "verify"),
    ]);
    const { keys: jwks } = keys.exportJwks();
    expect(jwks.map((k) => k.kid)).toEqual(["ed", "rsa"]);
    for (const jwk of jwks) {
      expect(jwk.use).toBe("sig");
      for (const privateParam of ["d", "p", "q", "dp", "dq", "qi", "k"]) expect(jwk).not.toHaveProperty(privateParam);
    }
    expect(jwks[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(jwks[1]).toMatchObject({ kty: "RSA", alg: "RS256", e: "AQAB" });
    expect(JSON.stringify(keys.exportJwks())).not.toContain(Buffer.from(hsSecret()).toString("base64url"));
  });

  it("stops exporting a verify-only key at its verifyUntil", () => {
    const clock = fakeClock();
    const ed1 = generateKeyPairSync("ed25519");
    const ed2 = generateKeyPairSync("ed25519");
    const keys = createKeySet(
      [
        { kid: "new", alg: "EdDSA", use: "sign", key: ed2.privateKey },
        { kid: "old", alg: "EdDSA", use: "verify", key: ed1.publicKey, verifyUntil: new Date(clock.now() + 60_000) },
      ],
      { now: clock.now },
    );
    expect(keys.exportJwks().keys.map((k) => k.kid)).toEqual(["new", "old"]);
    clock.advance(60_000);
    expect(keys.exportJwks().keys.map((k) => k.kid)).toEqual(["new"]);
  });
});

describe("verifyJws against standard vectors", () => {
  const wycheproof = loadWycheproof("json_web_signature_test.json");
  const groups = wycheproof.testGroups.filter((g) => g.comment === "hs256" || g.comment === "rs256");

  it("loads the hs256 and rs256 groups", () => {
    expect(groups.map((g) => g.comment).sort()).toEqual(["hs256", "rs256", "rs256"]);
    expect(groups.reduce((n, g) => n + g.tests.length, 0)).toBe(17 + 226 + 5);
  });

  for (const [index, group] of groups.entries()) {
    it(`Wycheproof ${group.comment} (group ${String(index)}): every valid JWS verifies and every invalid one is rejected`, async () => {
      const jwk = group.private ?? group.public;
      if (jwk === undefined) throw new Error("group without a key");
      const alg = jwk.alg === "HS256" ? "HS256" : "RS256";
      const kid = typeof jwk.kid === "string" ? jwk.kid : "wycheproof";
      const keys = createKeySet([{ kid, alg, use: "sign", key: { ...jwk, kty: String(jwk.kty) } }]);
      let valid = 0;
      for (const test of group.tests) {
        const result = await keys.verifyJws(test.jws);
        if (test.result === "valid") {
          valid++;
          expect(result.ok, `tcId ${String(test.tcId)} ${test.comment}`).toBe(true);
          if (result.ok) {
            expect(Buffer.from(result.payload).toString("base64url")).toBe(test.jws.split(".")[1]);
            expect(result.kid).toBe(kid);
          }
        } else {
          expect(result.ok, `tcId ${String(test.tcId)} ${test.comment} must be rejected`).toBe(false);
        }
      }
      expect(valid).toBeGreaterThan(0);
    });
  }

  it("RFC 7515 A.1 verifies (no kid: the one HS256 key applies) and its tampered twin does not", async () => {
    const [vector, tampered] = loadRfc("rfc7515_jws_hs256.json").vectors;
    if (vector === undefined || tampered === undefined) throw new Error("vectors missing");
    const keys = createKeySet([{ kid: "rfc7515", alg: "HS256", use: "sign", key: vector.jwk }]);
    const result = await keys.verifyJws(vector.jws);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Buffer.from(result.payload).toString("utf8")).toBe(vector.payloadUtf8);
      expect(result.header).toEqual({ typ: "JWT", alg: "HS256" });
      expect(result.kid).toBe("rfc7515");
    }
    expect(await keys.verifyJws(tampered.jws)).toEqual({ ok: false, reason: "invalid_signature" });
  });

  it("rejects a non-string JWS as misuse and empty or oversized ones as malformed", async () => {
    const keys = createKeySet([hs("a")]);
    for (const value of WRONG_TYPES) await expectMoatErrorAsync(keys.verifyJws(value as string), "ERR_INVALID_INPUT");
    expect(await keys.verifyJws("")).toEqual({ ok: false, reason: "malformed" });
    expect(await keys.verifyJws("a".repeat(20_000))).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("generateSigningKey", () => {
  it.each(SIGNING_ALGORITHMS)("generates a %s key usable as a signing entry, wrapped in a Secret", async (alg) => {
    const generated = await generateSigningKey(alg);
    expect(generated.alg).toBe(alg);
    expect(generated.use).toBe("sign");
    expect(generated.kid).toMatch(/^[0-9A-Za-z]{16}$/);
    expect(String(generated.key)).toBe("[secret]");
    expect(JSON.stringify(generated)).not.toContain(JSON.stringify(generated.key.reveal()).slice(10, 30));
    const keys = createKeySet([generated]);
    expect(keys.signingKey.kid).toBe(generated.kid);
    // A stored-and-reloaded key (JSON round trip) works the same.
    createKeySet([{ ...generated, key: JSON.parse(JSON.stringify(generated.key.reveal())) as { kty: string } }]);
  });

  it("gives each key a different kid and secret, and takes a kid of one's own", async () => {
    const a = await generateSigningKey("HS256");
    const b = await generateSigningKey("HS256", { kid: "2026-02" });
    expect(a.kid).not.toBe(b.kid);
    expect(b.kid).toBe("2026-02");
    expect(a.key.reveal().k).not.toBe(b.key.reveal().k);
    expect(Buffer.from(String(a.key.reveal().k), "base64url")).toHaveLength(32);
  });

  it("rejects unknown algorithms and invalid kids", async () => {
    await expectMoatErrorAsync(generateSigningKey("none" as "HS256"), "ERR_INVALID_INPUT");
    await expectMoatErrorAsync(generateSigningKey("HS256", { kid: "has space" }), "ERR_INVALID_INPUT");
    await expectMoatErrorAsync(generateSigningKey("HS256", { kid: "" }), "ERR_INVALID_INPUT");
  });

  it("exports a private JWK that node reads back as the same key type", async () => {
    const generated = await generateSigningKey("ES256");
    const key = createPrivateKey({ key: { ...generated.key.reveal() }, format: "jwk" });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  });
});
