/**
 * Attacks on what a verified token is bound to: the revalidate cache must not let one token's
 * answer stand in for another's, and a JWT of another type under the same keys is not an access
 * token.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AUDIENCE, b64u, hsSecret, ISSUER, makeTokens, segmentJson } from "./helpers.js";

/** A token signed with the test key set's HS256 secret, as another signer holding it would. */
function foreignToken(header: object, payload: object): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${createHmac("sha256", hsSecret()).update(input).digest("base64url")}`;
}

describe("tokens: revalidate cache binding", () => {
  it("does not accept a revoked user's token on another user's cached answer for the same jti", async () => {
    const active = new Set(["user_a"]);
    const { tokens, clock } = makeTokens({
      revalidate: (claims) => active.has(claims.sub ?? ""),
      revalidateCache: "5m",
    });
    const iat = Math.floor(clock.now() / 1000);
    const base = { iss: ISSUER, aud: AUDIENCE, iat, exp: iat + 600, jti: "shared-jti" };
    const header = { alg: "HS256", kid: "hs-1", typ: "JWT" };
    const tokenA = foreignToken(header, { ...base, sub: "user_a" });
    const tokenB = foreignToken(header, { ...base, sub: "user_b" });
    expect((await tokens.verify(tokenA)).ok).toBe(true);
    expect(await tokens.verify(tokenB)).toEqual({ ok: false, reason: "revoked" });
  });

  it("still reuses the cached answer for the same token", async () => {
    let calls = 0;
    const { tokens } = makeTokens({
      revalidate: () => {
        calls++;
        return true;
      },
      revalidateCache: "5m",
    });
    const token = await tokens.sign({ sub: "user_a" });
    await tokens.verify(token);
    await tokens.verify(token);
    expect(calls).toBe(1);
  });
});

describe("tokens: typ header", () => {
  it("signs with typ JWT by default and refuses a token of another type or none", async () => {
    const { tokens, clock } = makeTokens();
    expect(segmentJson(await tokens.sign({}), 0).typ).toBe("JWT");
    const iat = Math.floor(clock.now() / 1000);
    const payload = { iss: ISSUER, aud: AUDIENCE, iat, exp: iat + 600, sub: "user_a" };
    expect((await tokens.verify(foreignToken({ alg: "HS256", kid: "hs-1", typ: "JWT" }, payload))).ok).toBe(true);
    for (const typ of ["at+jwt", "dpop+jwt", "logout+jwt", "", undefined]) {
      const header = typ === undefined ? { alg: "HS256", kid: "hs-1" } : { alg: "HS256", kid: "hs-1", typ };
      expect(await tokens.verify(foreignToken(header, payload))).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("uses at+jwt when configured, on signing and on verification", async () => {
    const { tokens: access, keys, clock } = makeTokens({ type: "at+jwt" });
    const token = await access.sign({ sub: "user_a" });
    expect(segmentJson(token, 0).typ).toBe("at+jwt");
    expect((await access.verify(token)).ok).toBe(true);
    const { tokens: plain } = makeTokens({ keys, now: clock.now });
    expect(await plain.verify(token)).toEqual({ ok: false, reason: "malformed" });
    expect(await access.verify(await plain.sign({}))).toEqual({ ok: false, reason: "malformed" });
  });

  it("refuses an unknown type option", () => {
    expect(() => makeTokens({ type: "jwt" as "JWT" })).toThrow(/type/);
  });
});
