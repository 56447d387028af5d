import { createHmac, generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { SignJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import {
  createKeySet,
  createTokens,
  generateSigningKey,
  SIGNING_ALGORITHMS,
  type KeySetEntry,
} from "../../src/sessions/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync, WRONG_TYPES } from "../helpers/assertions.js";
import { loadRfc, loadWycheproof } from "../vectors/index.js";
import { AUDIENCE, b64u, hsSecret, ISSUER, makeTokens, rsaPair, segmentJson } from "./helpers.js";

/** A compact JWS with any header (typ JWT unless it names one), HMAC-SHA256 signed with `secret`. */
function hmacToken(header: object, payload: object, secret: Uint8Array | string): string {
  const input = `${b64u(JSON.stringify({ typ: "JWT", ...header }))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

describe("tokens: sign and verify", () => {
  it.each(SIGNING_ALGORITHMS)("round-trips %s tokens with kid, iat, exp, jti, iss and aud set", async (alg) => {
    const clock = fakeClock();
    const keys = createKeySet([await generateSigningKey(alg, { kid: `k-${alg}` })]);
    const tokens = createTokens({ keys, issuer: ISSUER, audience: AUDIENCE, now: clock.now });
    const token = await tokens.sign({ sub: "user_42", org: "org_7", roles: ["admin"] });
    expect(segmentJson(token, 0)).toEqual({ alg, kid: `k-${alg}`, typ: "JWT" });
    const result = await tokens.verify(token);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const iat = clock.now() / 1000;
    expect(result.kid).toBe(`k-${alg}`);
    expect(result.claims).toMatchObject({
      sub: "user_42",
      org: "org_7",
      roles: ["admin"],
      iss: ISSUER,
      aud: AUDIENCE,
      iat,
      exp: iat + 900,
    });
    expect(result.claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("gives every token a different jti", async () => {
    const { tokens } = makeTokens();
    const jtis = new Set<unknown>();
    for (let i = 0; i < 20; i++) jtis.add(segmentJson(await tokens.sign({}), 1).jti);
    expect(jtis.size).toBe(20);
  });

  it("expires tokens after accessTtl: valid one second before exp, expired at exp", async () => {
    const { tokens, clock } = makeTokens({ accessTtl: "15m" });
    const token = await tokens.sign({ sub: "u" });
    clock.advance(15 * 60_000 - 1000);
    expect((await tokens.verify(token)).ok).toBe(true);
    clock.advance(1000);
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "expired" });
  });

  it("honours clockTolerance for exp", async () => {
    const { tokens, clock } = makeTokens({ accessTtl: 60_000, clockTolerance: "30s" });
    const token = await tokens.sign({});
    clock.advance(60_000 + 29_000);
    expect((await tokens.verify(token)).ok).toBe(true);
    clock.advance(1_000);
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "expired" });
  });

  it("rejects a token for another audience or from another issuer", async () => {
    const { tokens, keys, clock } = makeTokens();
    const token = await tokens.sign({});
    const otherAudience = createTokens({ keys, issuer: ISSUER, audience: "billing", now: clock.now });
    const otherIssuer = createTokens({ keys, issuer: "https://evil.example", audience: AUDIENCE, now: clock.now });
    expect(await otherAudience.verify(token)).toEqual({ ok: false, reason: "wrong_audience" });
    expect(await otherIssuer.verify(token)).toEqual({ ok: false, reason: "wrong_issuer" });
  });

  it("with audience null sets no aud and checks none", async () => {
    const { tokens } = makeTokens({ audience: null });
    const token = await tokens.sign({});
    expect(segmentJson(token, 1)).not.toHaveProperty("aud");
    expect((await tokens.verify(token)).ok).toBe(true);
  });

  it("answers not_yet_valid for a token whose nbf is in the future", async () => {
    const { tokens, clock } = makeTokens();
    const now = clock.now() / 1000;
    const token = hmacToken(
      { alg: "HS256", kid: "hs-1" },
      { iss: ISSUER, aud: AUDIENCE, exp: now + 600, nbf: now + 60 },
      hsSecret(),
    );
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "not_yet_valid" });
    clock.advance(60_000);
    expect((await tokens.verify(token)).ok).toBe(true);
  });

  it("requires exp: a correctly signed token without one is malformed", async () => {
    const { tokens } = makeTokens();
    const token = hmacToken({ alg: "HS256", kid: "hs-1" }, { iss: ISSUER, aud: AUDIENCE }, hsSecret());
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("tokens: attacks", () => {
  it("rejects alg confusion: an HS256 token signed with the RSA public key as the secret", async () => {
    const rsa = rsaPair();
    const keys = createKeySet([{ kid: "rsa-1", alg: "RS256", use: "sign", key: rsa.privateKey }]);
    const clock = fakeClock();
    const tokens = createTokens({ keys, issuer: ISSUER, audience: AUDIENCE, now: clock.now });
    const publicPem = rsa.publicKey.export({ format: "pem", type: "spki" }).toString();
    const claims = { iss: ISSUER, aud: AUDIENCE, exp: clock.now() / 1000 + 600, sub: "admin" };
    expect(await tokens.verify(hmacToken({ alg: "HS256", kid: "rsa-1" }, claims, publicPem))).toEqual({
      ok: false,
      reason: "invalid_signature",
    });
    // Also when the set does hold an HS256 key: the header's alg must be the named key's.
    const mixed = createKeySet([
      { kid: "rsa-1", alg: "RS256", use: "sign", key: rsa.privateKey },
      { kid: "hs-1", alg: "HS256", use: "verify", key: hsSecret() },
    ]);
    const mixedTokens = createTokens({ keys: mixed, issuer: ISSUER, audience: AUDIENCE, now: clock.now });
    expect(await mixedTokens.verify(hmacToken({ alg: "HS256", kid: "rsa-1" }, claims, publicPem))).toEqual({
      ok: false,
      reason: "invalid_signature",
    });
    expect(await mixedTokens.verify(hmacToken({ alg: "HS256", kid: "rsa-1" }, claims, hsSecret()))).toEqual({
      ok: false,
      reason: "invalid_signature",
    });
    expect((await mixedTokens.verify(hmacToken({ alg: "HS256", kid: "hs-1" }, claims, hsSecret()))).ok).toBe(true);
  });

  it("rejects alg none, with or without a signature", async () => {
    const { tokens, clock } = makeTokens();
    const claims = b64u(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: clock.now() / 1000 + 600 }));
    for (const header of [{ alg: "none", kid: "hs-1" }, { alg: "none" }, { alg: "NONE", kid: "hs-1" }]) {
      const unsigned = `${b64u(JSON.stringify(header))}.${claims}.`;
      expect(await tokens.verify(unsigned)).toEqual({ ok: false, reason: "invalid_signature" });
    }
    const signedAnyway = hmacToken(
      { alg: "none", kid: "hs-1" },
      { iss: ISSUER, aud: AUDIENCE, exp: clock.now() / 1000 + 600 },
      hsSecret(),
    );
    expect(await tokens.verify(signedAnyway)).toEqual({ ok: false, reason: "invalid_signature" });
  });

  it("rejects algorithms the set does not use, even well signed", async () => {
    const { tokens, clock } = makeTokens();
    const key = new Uint8Array(hsSecret());
    const hs512 = await new SignJWT({ iss: ISSUER, aud: AUDIENCE })
      .setProtectedHeader({ alg: "HS512", kid: "hs-1" })
      .setExpirationTime(clock.now() / 1000 + 600)
      .sign(key);
    expect(await tokens.verify(hs512)).toEqual({ ok: false, reason: "invalid_signature" });
  });

  it("answers unknown_key for a kid it does not hold, and for a missing kid when several keys could apply", async () => {
    const clock = fakeClock();
    const keys = createKeySet([
      { kid: "hs-1", alg: "HS256", use: "sign", key: hsSecret() },
      { kid: "hs-0", alg: "HS256", use: "verify", key: hsSecret(3) },
    ]);
    const tokens = createTokens({ keys, issuer: ISSUER, audience: AUDIENCE, now: clock.now });
    const claims = { iss: ISSUER, aud: AUDIENCE, exp: clock.now() / 1000 + 600 };
    expect(await tokens.verify(hmacToken({ alg: "HS256", kid: "hs-9" }, claims, hsSecret()))).toEqual({
      ok: false,
      reason: "unknown_key",
    });
    expect(await tokens.verify(hmacToken({ alg: "HS256" }, claims, hsSecret()))).toEqual({
      ok: false,
      reason: "unknown_key",
    });
    expect(await tokens.verify(hmacToken({ alg: "HS256", kid: 7 }, claims, hsSecret()))).toEqual({
      ok: false,
      reason: "unknown_key",
    });
  });

  it("rejects a tampered payload, header or signature", async () => {
    const { tokens } = makeTokens();
    const token = await tokens.sign({ sub: "user_1", role: "member" });
    const [header = "", payload = "", signature = ""] = token.split(".");
    const escalated = b64u(JSON.stringify({ ...segmentJson(token, 1), role: "admin" }));
    expect(await tokens.verify(`${header}.${escalated}.${signature}`)).toEqual({
      ok: false,
      reason: "invalid_signature",
    });
    const retyped = b64u(JSON.stringify({ ...segmentJson(token, 0), typ: "at+jwt" }));
    expect(await tokens.verify(`${retyped}.${payload}.${signature}`)).toEqual({
      ok: false,
      reason: "invalid_signature",
    });
    const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect(await tokens.verify(`${header}.${payload}.${flipped}`)).toEqual({ ok: false, reason: "invalid_signature" });
    expect(await tokens.verify(`${header}.${payload}`)).toEqual({ ok: false, reason: "malformed" });
    expect(await tokens.verify(`${header}.${payload}.${signature}.`)).toEqual({ ok: false, reason: "malformed" });
  });

  it("treats a non-string token as misuse and empty or oversized strings as malformed", async () => {
    const { tokens } = makeTokens();
    for (const value of WRONG_TYPES) await expectMoatErrorAsync(tokens.verify(value as string), "ERR_INVALID_INPUT");
    expect(await tokens.verify("")).toEqual({ ok: false, reason: "malformed" });
    expect(await tokens.verify(`${"a".repeat(20_000)}.b.c`)).toEqual({ ok: false, reason: "malformed" });
  });

  it("never throws and never accepts garbage", async () => {
    const { tokens } = makeTokens();
    const segment = fc.string({ unit: fc.constantFrom(..."ABCDEFabcdef0123456789-_=+/. ".split("")), maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.tuple(segment, segment, segment).map((p) => p.join(".")),
        ),
        async (garbage) => {
          const result = await tokens.verify(garbage);
          expect(result.ok).toBe(false);
        },
      ),
    );
  });
});

describe("tokens: standard vectors through verify", () => {
  it("Wycheproof hs256 and rs256: every invalid JWS is rejected; every valid one passes the signature and fails only as a non-JWT payload", async () => {
    const groups = loadWycheproof("json_web_signature_test.json").testGroups.filter(
      (g) => g.comment === "hs256" || g.comment === "rs256",
    );
    let checked = 0;
    for (const group of groups) {
      const jwk = group.private ?? group.public;
      if (jwk === undefined) throw new Error("group without a key");
      const alg = jwk.alg === "HS256" ? "HS256" : "RS256";
      const keys = createKeySet([
        { kid: typeof jwk.kid === "string" ? jwk.kid : "w", alg, use: "sign", key: { ...jwk, kty: String(jwk.kty) } },
      ]);
      const tokens = createTokens({ keys, issuer: ISSUER, audience: null });
      for (const test of group.tests) {
        const result = await tokens.verify(test.jws);
        expect(result.ok, `tcId ${String(test.tcId)}`).toBe(false);
        // Wycheproof's payloads are "foo", empty or binary: not claim sets.
        if (test.result === "valid")
          expect(result, `tcId ${String(test.tcId)}`).toEqual({ ok: false, reason: "malformed" });
        else expect(result, `tcId ${String(test.tcId)}`).not.toEqual({ ok: false, reason: "expired" });
        checked++;
      }
    }
    expect(checked).toBe(248);
  });

  it("RFC 7515 A.1 verifies as a JWT with a fixed clock, expires at its exp, and its tampered twin is rejected", async () => {
    const [vector, tampered] = loadRfc("rfc7515_jws_hs256.json").vectors;
    if (vector === undefined || tampered === undefined) throw new Error("vectors missing");
    const exp = Number(vector.claims.exp) * 1000;
    const clock = fakeClock(exp - 1000);
    const keys = createKeySet([{ kid: "rfc7515", alg: "HS256", use: "sign", key: vector.jwk }]);
    const tokens = createTokens({ keys, issuer: "joe", audience: null, now: clock.now });
    const result = await tokens.verify(vector.jws);
    expect(result).toEqual({ ok: true, claims: vector.claims, kid: "rfc7515" });
    expect(await tokens.verify(tampered.jws)).toEqual({ ok: false, reason: "invalid_signature" });
    clock.advance(1000);
    expect(await tokens.verify(vector.jws)).toEqual({ ok: false, reason: "expired" });
  });
});

describe("tokens: key rotation window", () => {
  it("accepts the old key's tokens until verifyUntil, then answers unknown_key; new tokens carry the new kid", async () => {
    const clock = fakeClock();
    const oldKey = await generateSigningKey("EdDSA", { kid: "2026-01" });
    const newKey = await generateSigningKey("EdDSA", { kid: "2026-02" });
    const before = createTokens({
      keys: createKeySet([oldKey]),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: clock.now,
      accessTtl: "1h",
    });
    const oldToken = await before.sign({ sub: "u" });

    const rotatedAt = clock.now();
    const verifyUntil = rotatedAt + 15 * 60_000;
    const keys = createKeySet([newKey, { ...oldKey, use: "verify", verifyUntil }], { now: clock.now });
    const after = createTokens({ keys, issuer: ISSUER, audience: AUDIENCE, now: clock.now, accessTtl: "1h" });
    const newToken = await after.sign({ sub: "u" });
    expect(segmentJson(newToken, 0).kid).toBe("2026-02");
    expect(await after.verify(oldToken)).toMatchObject({ ok: true, kid: "2026-01" });

    clock.set(verifyUntil - 1);
    expect((await after.verify(oldToken)).ok).toBe(true);
    clock.set(verifyUntil);
    expect(await after.verify(oldToken)).toEqual({ ok: false, reason: "unknown_key" });
    expect(await after.verify(newToken)).toMatchObject({ ok: true, kid: "2026-02" });
    expect(keys.exportJwks().keys.map((k) => k.kid)).toEqual(["2026-02"]);
  });
});

describe("tokens: revalidate", () => {
  it("answers revoked when revalidate returns false, and passes the claims to it", async () => {
    const members = new Set(["user_1"]);
    const revalidate = vi.fn((claims: { sub?: string }) => members.has(claims.sub ?? ""));
    const { tokens } = makeTokens({ revalidate });
    const token = await tokens.sign({ sub: "user_1", org: "org_1" });
    expect((await tokens.verify(token)).ok).toBe(true);
    expect(revalidate).toHaveBeenLastCalledWith(expect.objectContaining({ sub: "user_1", org: "org_1" }));
    members.delete("user_1");
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "revoked" });
  });

  it("runs on every verification unless a cache is configured, and the cache expires", async () => {
    let calls = 0;
    const { tokens: uncached } = makeTokens({ revalidate: () => ++calls > 0 });
    const t1 = await uncached.sign({});
    await uncached.verify(t1);
    await uncached.verify(t1);
    expect(calls).toBe(2);

    let active = true;
    calls = 0;
    const { tokens, clock } = makeTokens({
      revalidate: async () => {
        calls++;
        return active;
      },
      revalidateCache: "10s",
    });
    const t2 = await tokens.sign({});
    const t3 = await tokens.sign({});
    await tokens.verify(t2);
    await tokens.verify(t2);
    expect(calls).toBe(1);
    await tokens.verify(t3);
    expect(calls).toBe(2);
    active = false;
    expect((await tokens.verify(t2)).ok).toBe(true);
    clock.advance(10_000);
    expect(await tokens.verify(t2)).toEqual({ ok: false, reason: "revoked" });
    expect(calls).toBe(3);
  });

  it("only a real true passes, and a throwing revalidate rejects instead of accepting", async () => {
    const { tokens } = makeTokens({ revalidate: () => "yes" as unknown as boolean });
    expect(await tokens.verify(await tokens.sign({}))).toEqual({ ok: false, reason: "revoked" });
    const boom = new Error("membership lookup failed");
    const { tokens: failing } = makeTokens({
      revalidate: () => {
        throw boom;
      },
    });
    await expect(failing.verify(await failing.sign({}))).rejects.toBe(boom);
  });

  it("does not run for a token that already failed", async () => {
    const revalidate = vi.fn(() => true);
    const { tokens, clock } = makeTokens({ revalidate, accessTtl: 1000 });
    const token = await tokens.sign({});
    clock.advance(1000);
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: "expired" });
    expect(revalidate).not.toHaveBeenCalled();
  });
});

describe("tokens: input validation", () => {
  it.each(["iss", "aud", "exp", "iat", "nbf", "jti"])("refuses to let claims set %s", async (claim) => {
    const { tokens } = makeTokens();
    await expectMoatErrorAsync(tokens.sign({ [claim]: "x" }), "ERR_INVALID_INPUT");
  });

  it("refuses claims that are not a plain JSON object, or too large", async () => {
    const { tokens } = makeTokens();
    for (const bad of [
      null,
      [],
      new Map(),
      "sub",
      42,
      { sub: 42 },
      { sid: "" },
      { when: new Set() },
      { n: Number.NaN },
      { big: "x".repeat(9000) },
    ]) {
      await expectMoatErrorAsync(tokens.sign(bad as Record<string, unknown>), "ERR_INVALID_INPUT");
    }
  });

  it("rejects invalid options with ERR_CONFIG", () => {
    const keys = createKeySet([{ kid: "a", alg: "HS256", use: "sign", key: hsSecret() } satisfies KeySetEntry]);
    const base = { keys, issuer: ISSUER, audience: AUDIENCE };
    for (const bad of [
      { ...base, issuer: "" },
      { ...base, audience: "" },
      { ...base, audience: undefined },
      { ...base, accessTtl: 500 },
      { ...base, accessTtl: "soon" },
      { ...base, revalidate: "yes" },
      { ...base, revalidateCache: -1 },
      { ...base, keys: { signingKey: { kid: "a", alg: "HS256", use: "sign" }, keys: [] } },
      { ...base, keys: undefined },
    ]) {
      expectMoatError(() => createTokens(bad as Parameters<typeof createTokens>[0]), "ERR_CONFIG");
    }
  });

  it("signs with a key set built from a raw KeyObject pair as well", async () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const signer = createTokens({
      keys: createKeySet([{ kid: "ec", alg: "ES256", use: "sign", key: ec.privateKey }]),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const verifier = createTokens({
      keys: createKeySet([
        { kid: "x", alg: "HS256", use: "sign", key: hsSecret() },
        { kid: "ec", alg: "ES256", use: "verify", key: ec.publicKey },
      ]),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect(await verifier.verify(await signer.sign({ sub: "u" }))).toMatchObject({ ok: true, kid: "ec" });
  });
});
