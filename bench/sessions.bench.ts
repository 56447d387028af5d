/**
 * Access-token verification through moatkit (key set lookup, jose jwtVerify, claim mapping)
 * against raw jose `jwtVerify` with an already-imported CryptoKey — jose's fastest use — on the
 * same token in the same run. Target: moatkit ≥ 0.8× raw jose for HS256 and EdDSA.
 */
import { generateKeyPairSync } from "node:crypto";
import { type CryptoKey, SignJWT, importJWK, jwtVerify } from "jose";
import { createMemoryRefreshSessionStore } from "../src/adapters/memory/index.js";
import { createKeySet, createSessions, createTokens, type Tokens } from "../src/sessions/index.js";
import { defineBenchSuite, interleaved } from "./harness.js";

const ISSUER = "https://auth.example.com";
const AUDIENCE = "api";
const claims = { sub: "user_42", org: "org_7", role: "admin" };

const secret = crypto.getRandomValues(new Uint8Array(32));
const ed = generateKeyPairSync("ed25519");

interface Fixture {
  tokens: Tokens;
  token: string;
  raw: CryptoKey;
}
let hs: Fixture;
let eddsa: Fixture;
let joseSignKey: CryptoKey;
let rawSecretCopy: Uint8Array;

const joseOptions = (alg: string) => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: [alg],
  requiredClaims: ["exp"],
});
const hsOptions = joseOptions("HS256");
const edOptions = joseOptions("EdDSA");

async function check(result: Promise<{ ok: boolean }>): Promise<void> {
  if (!(await result).ok) throw new Error("verification failed during the benchmark");
}

export default defineBenchSuite({
  title: "sessions: access-token verification",
  async setup() {
    const hsTokens = createTokens({
      keys: createKeySet([{ kid: "hs", alg: "HS256", use: "sign", key: secret }]),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const edTokens = createTokens({
      keys: createKeySet([{ kid: "ed", alg: "EdDSA", use: "sign", key: ed.privateKey }]),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    hs = {
      tokens: hsTokens,
      token: await hsTokens.sign(claims),
      raw: await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]),
    };
    const edPublic = await importJWK({ ...ed.publicKey.export({ format: "jwk" }) }, "EdDSA");
    if (edPublic instanceof Uint8Array) throw new Error("unexpected key type");
    eddsa = { tokens: edTokens, token: await edTokens.sign(claims), raw: edPublic };
    joseSignKey = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    rawSecretCopy = new Uint8Array(secret);
    // Both sides must accept the same tokens.
    await check(hs.tokens.verify(hs.token));
    await jwtVerify(hs.token, hs.raw, hsOptions);
    await check(eddsa.tokens.verify(eddsa.token));
    await jwtVerify(eddsa.token, eddsa.raw, edOptions);
  },
  groups: [
    {
      name: "verify an HS256 access token",
      baseline: "jose jwtVerify (CryptoKey)",
      tasks: {
        "jose jwtVerify (CryptoKey)": () => jwtVerify(hs.token, hs.raw, hsOptions),
        "moatkit tokens.verify": () => hs.tokens.verify(hs.token),
        "jose jwtVerify (Uint8Array secret)": () => jwtVerify(hs.token, rawSecretCopy, hsOptions),
      },
      targets: [{ task: "moatkit tokens.verify", minRatio: 0.8 }],
    },
    {
      name: "verify an EdDSA access token",
      baseline: "jose jwtVerify (CryptoKey)",
      tasks: {
        "jose jwtVerify (CryptoKey)": () => jwtVerify(eddsa.token, eddsa.raw, edOptions),
        "moatkit tokens.verify": () => eddsa.tokens.verify(eddsa.token),
      },
      targets: [{ task: "moatkit tokens.verify", minRatio: 0.8 }],
    },
    {
      kind: "metrics",
      name: "verify HS256, interleaved batches",
      baseline: "jose jwtVerify (CryptoKey)",
      higherIsBetter: true,
      run: () =>
        interleaved({
          "jose jwtVerify (CryptoKey)": () => jwtVerify(hs.token, hs.raw, hsOptions),
          "moatkit tokens.verify": () => hs.tokens.verify(hs.token),
        }),
      targets: [{ task: "moatkit tokens.verify", minRatio: 0.8 }],
    },
    {
      kind: "metrics",
      name: "verify EdDSA, interleaved batches",
      baseline: "jose jwtVerify (CryptoKey)",
      higherIsBetter: true,
      run: () =>
        interleaved(
          {
            "jose jwtVerify (CryptoKey)": () => jwtVerify(eddsa.token, eddsa.raw, edOptions),
            "moatkit tokens.verify": () => eddsa.tokens.verify(eddsa.token),
          },
          200,
        ),
      targets: [{ task: "moatkit tokens.verify", minRatio: 0.8 }],
    },
    {
      name: "sign an HS256 access token",
      baseline: "jose SignJWT (CryptoKey)",
      tasks: {
        "jose SignJWT (CryptoKey)": () =>
          new SignJWT(claims)
            .setProtectedHeader({ alg: "HS256", kid: "hs", typ: "JWT" })
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setIssuedAt()
            .setExpirationTime("15m")
            .setJti(crypto.randomUUID())
            .sign(joseSignKey),
        "moatkit tokens.sign": () => hs.tokens.sign(claims),
      },
    },
    {
      name: "refresh a session (memory store, HS256)",
      baseline: "moatkit tokens.sign",
      tasks: (() => {
        let current: Promise<string> | undefined;
        const sessions = () => createSessions({ tokens: hs.tokens, store: createMemoryRefreshSessionStore() });
        let live: ReturnType<typeof sessions> | undefined;
        return {
          "moatkit tokens.sign": () => hs.tokens.sign(claims),
          "moatkit sessions.refresh": async () => {
            live ??= sessions();
            current ??= live.start("user_42", { org: "org_7" }).then((p) => p.refreshToken.reveal());
            const next = await live.refresh(await current);
            if (!next.ok) throw new Error(next.reason);
            current = Promise.resolve(next.refreshToken.reveal());
          },
        };
      })(),
    },
  ],
});
