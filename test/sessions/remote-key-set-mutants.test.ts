/**
 * Edge cases of remote key sets that the server-based tests do not reach: the JWKS fetch is
 * stubbed (vi.stubGlobal on fetch) so each test controls the exact bytes, headers and key list
 * the key set sees.
 */
import { CompactSign, exportJWK, generateKeyPair } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createRemoteKeySet, type RemoteKeySetOptions } from "../../src/sessions/index.js";
import { KeyResolutionError, keySetInternals } from "../../src/sessions/key-set.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { b64u } from "./helpers.js";

const URL_ = "https://login.example.com/.well-known/jwks.json";

interface Signer {
  jwk: Record<string, unknown>;
  sign(payload: string, header?: Record<string, unknown>): Promise<string>;
}

async function signer(kid: string, alg: "EdDSA" | "ES256" = "EdDSA"): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } as Record<string, unknown>;
  return {
    jwk,
    sign: (payload, header = {}) =>
      new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg, kid, ...header }).sign(privateKey),
  };
}

/** Stubs fetch: every call answers with `make()`; returns the call counter. */
function stubFetch(make: () => Response): { calls: number } {
  const counter = { calls: 0 };
  vi.stubGlobal("fetch", () => {
    counter.calls += 1;
    return Promise.resolve(make());
  });
  return counter;
}

function serve(doc: unknown, headers: Record<string, string> = {}): { calls: number } {
  return stubFetch(() => new Response(JSON.stringify(doc), { status: 200, headers }));
}

function remote(options: RemoteKeySetOptions = {}): ReturnType<typeof createRemoteKeySet> {
  return createRemoteKeySet(URL_, { cooldownDuration: 0, ...options });
}

/** 64 keys of the given shape ahead of the real one: if the filter lets them through, the real one is cut off. */
function padded(real: Record<string, unknown>, bad: (i: number) => unknown): { keys: unknown[] } {
  return { keys: [...Array.from({ length: 64 }, (_, i) => bad(i)), real] };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("remote key set: bounded JWKS response", () => {
  it("refuses a response whose declared content-length is over maxResponseBytes, even if the body is small", async () => {
    const s = await signer("k1");
    serve({ keys: [s.jwk] }, { "content-length": "100000" });
    expect(await remote().verifyJws(await s.sign("{}"))).toEqual({ ok: false, reason: "keys_unavailable" });
  });

  it("accepts a body exactly maxResponseBytes long, with and without a content-length", async () => {
    const s = await signer("k1");
    const text = JSON.stringify({ keys: [s.jwk] });
    const size = Buffer.byteLength(text);
    const jws = await s.sign("{}");
    stubFetch(() => new Response(text, { status: 200, headers: { "content-length": String(size) } }));
    expect(await remote({ maxResponseBytes: size }).verifyJws(jws)).toMatchObject({ ok: true, kid: "k1" });
    vi.unstubAllGlobals();
    stubFetch(() => new Response(new TextEncoder().encode(text), { status: 200 }));
    expect(await remote({ maxResponseBytes: size }).verifyJws(jws)).toMatchObject({ ok: true, kid: "k1" });
    expect(await remote({ maxResponseBytes: size - 1 }).verifyJws(jws)).toEqual({
      ok: false,
      reason: "keys_unavailable",
    });
  });

  it("refuses a JWKS body that is not valid UTF-8, even when the bad byte sits in an ignored member", async () => {
    const s = await signer("k1");
    const text = JSON.stringify({ keys: [s.jwk], note: "@" });
    const bytes = new TextEncoder().encode(text);
    bytes[text.indexOf("@")] = 0xff;
    stubFetch(() => new Response(bytes, { status: 200 }));
    expect(await remote().verifyJws(await s.sign("{}"))).toEqual({ ok: false, reason: "keys_unavailable" });
  });
});

describe("remote key set: which published keys are usable", () => {
  it("skips entries that are not JSON objects and still uses the good key", async () => {
    const s = await signer("k1");
    serve({ keys: [null, 42, "x", [], s.jwk] });
    expect(await remote().verifyJws(await s.sign("{}"))).toMatchObject({ ok: true, kid: "k1" });
    serve({ keys: [null, s.jwk] });
    expect(await remote().verifyJws(await s.sign("{}"))).toMatchObject({ ok: true, kid: "k1" });
    serve({ keys: [7, s.jwk] });
    expect(await remote().verifyJws(await s.sign("{}"))).toMatchObject({ ok: true, kid: "k1" });
  });

  it("drops keys of other types, without a kid, for other algorithms or other uses before the 64-key cap", async () => {
    const s = await signer("k1");
    const jws = await s.sign("{}");
    const okp = { kty: "OKP", crv: "Ed25519", x: s.jwk.x };
    const shapes: [string, (i: number) => unknown][] = [
      ["oct without alg", (i) => ({ kty: "oct", k: "AAAA", kid: `pad-${String(i)}` })],
      ["unknown kty", (i) => ({ kty: "XYZ", kid: `pad-${String(i)}` })],
      ["numeric kty", (i) => ({ kty: 5, kid: `pad-${String(i)}` })],
      ["no kid", () => ({ ...okp })],
      ["bad kid", () => ({ ...okp, kid: "has space" })],
      ["other alg", (i) => ({ ...okp, kid: `pad-${String(i)}`, alg: "PS256" })],
      ["other use", (i) => ({ ...okp, kid: `pad-${String(i)}`, use: "enc" })],
    ];
    for (const [name, bad] of shapes) {
      serve(padded(s.jwk, bad));
      expect(await remote().verifyJws(jws), name).toMatchObject({ ok: true, kid: "k1" });
    }
  });

  it("uses a key that names no alg and no use", async () => {
    const s = await signer("k1");
    const { alg: _alg, use: _use, ...bare } = s.jwk;
    serve({ keys: [bare] });
    expect(await remote().verifyJws(await s.sign("{}"))).toMatchObject({ ok: true, kid: "k1" });
    const { alg: _alg2, ...noAlg } = s.jwk;
    serve({ keys: [noAlg] });
    expect(await remote().verifyJws(await s.sign("{}"))).toMatchObject({ ok: true, kid: "k1" });
    const { use: _use2, ...noUse } = s.jwk;
    serve({ keys: [noUse] });
    expect(await remote().verifyJws(await s.sign("{}"))).toMatchObject({ ok: true, kid: "k1" });
  });

  it("keeps only the first 64 usable keys", async () => {
    const s = await signer("k1");
    serve(padded(s.jwk, (i) => ({ kty: "OKP", crv: "Ed25519", x: s.jwk.x, kid: `pad-${String(i)}` })));
    expect(await remote().verifyJws(await s.sign("{}"))).toEqual({ ok: false, reason: "unknown_key" });
  });
});

describe("remote key set: URL checks", () => {
  it("refuses a non-string, non-URL value even when it stringifies to a valid URL", () => {
    for (const bad of [{ toString: () => URL_ }, [URL_]]) {
      const err = expectMoatError(() => createRemoteKeySet(bad as unknown as string), "ERR_CONFIG");
      expect(err.message).toMatch(/createRemoteKeySet needs a JWKS URL/);
    }
    expect(expectMoatError(() => createRemoteKeySet("not a url"), "ERR_CONFIG").message).toMatch(
      /createRemoteKeySet needs a JWKS URL/,
    );
  });

  it("refuses a URL with only a username or only a password", () => {
    for (const bad of ["https://user@login.example.com/jwks", "https://:pass@login.example.com/jwks"]) {
      const err = expectMoatError(() => createRemoteKeySet(bad), "ERR_CONFIG");
      expect(err.message).toMatch(/the JWKS URL must not carry credentials/);
    }
  });

  it("allows loopback hosts only over http, not other schemes", () => {
    for (const bad of ["ftp://localhost/jwks", "ws://127.0.0.1/jwks", "http://example.com/jwks"]) {
      const err = expectMoatError(() => createRemoteKeySet(bad), "ERR_CONFIG");
      expect(err.message).toMatch(/the JWKS URL must be https \(http only on a loopback host\)/);
    }
  });

  it("names the options in an invalid-options error", () => {
    const err = expectMoatError(() => createRemoteKeySet(URL_, { timeoutMs: 0 }), "ERR_CONFIG");
    expect(err.message).toMatch(/createRemoteKeySet options/);
  });
});

describe("remote key set: resolving keys", () => {
  it("refuses a kid that is a string but not a valid kid without fetching", async () => {
    const counter = stubFetch(() => new Response("down", { status: 500 }));
    const header = b64u(JSON.stringify({ alg: "EdDSA", kid: "has space" }));
    const jws = `${header}.${b64u("{}")}.${b64u("sig")}`;
    expect(await remote().verifyJws(jws)).toEqual({ ok: false, reason: "unknown_key" });
    expect(counter.calls).toBe(0);
  });

  it("an alg outside the accepted set is invalid_signature, before the kid is looked at", async () => {
    stubFetch(() => new Response("down", { status: 500 }));
    const jws = `${b64u(JSON.stringify({ alg: "HS256" }))}.${b64u("{}")}.${b64u("sig")}`;
    expect(await remote().verifyJws(jws)).toEqual({ ok: false, reason: "invalid_signature" });
  });

  it("with one accepted algorithm, verifies tokens of that algorithm", async () => {
    const s = await signer("k1");
    serve({ keys: [s.jwk] });
    expect(await remote({ algorithms: ["EdDSA"] }).verifyJws(await s.sign("{}"))).toMatchObject({
      ok: true,
      kid: "k1",
    });
  });

  it("resolve refuses an alg outside the accepted set as invalid_signature without fetching", async () => {
    const es = await signer("k1", "ES256");
    const counter = serve({ keys: [es.jwk] });
    const internals = keySetInternals(remote({ algorithms: ["EdDSA"] }));
    let err: unknown;
    try {
      await internals.resolve({ alg: "ES256", kid: "k1" }, Date.now());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KeyResolutionError);
    expect((err as KeyResolutionError).reason).toBe("invalid_signature");
    expect(counter.calls).toBe(0);
  });

  it("resolve works without an onKid callback", async () => {
    const s = await signer("k1");
    serve({ keys: [s.jwk] });
    const key = await keySetInternals(remote()).resolve({ alg: "EdDSA", kid: "k1" }, Date.now());
    expect(key.type).toBe("public");
  });

  it("cannot sign", () => {
    const err = expectMoatError(() => keySetInternals(remote()).signingCryptoKey(), "ERR_CONFIG");
    expect(err.message).toMatch(/a remote key set is verify-only and cannot sign/);
  });
});

describe("remote key set: verifyJws", () => {
  it("throws ERR_INVALID_INPUT for a non-string JWS", async () => {
    const err = await expectMoatErrorAsync(remote().verifyJws(42 as unknown as string), "ERR_INVALID_INPUT");
    expect(err.message).toMatch(/a JWS must be a string/);
  });

  it("refuses a validly signed JWS longer than 16,384 characters and accepts one of exactly 16,384", async () => {
    const s = await signer("k1");
    serve({ keys: [s.jwk] });
    const set = remote();
    const long = await s.sign(JSON.stringify({ pad: "x".repeat(13_000) }));
    expect(long.length).toBeGreaterThan(16_384);
    expect(await set.verifyJws(long)).toEqual({ ok: false, reason: "malformed" });

    let exact: string | undefined;
    for (let n = 12_000; n < 12_400 && exact === undefined; n++) {
      for (let h = 0; h < 4 && exact === undefined; h++) {
        const jws = await s.sign(JSON.stringify({ pad: "x".repeat(n) }), { x: "y".repeat(h) });
        if (jws.length === 16_384) exact = jws;
      }
    }
    expect(exact).toBeDefined();
    expect(await set.verifyJws(exact as string)).toMatchObject({ ok: true, kid: "k1" });
  });

  it("returns the protected header and kid of a verified JWS", async () => {
    const s = await signer("k1");
    serve({ keys: [s.jwk] });
    const result = await remote().verifyJws(await s.sign('{"a":1}'));
    expect(result).toMatchObject({ ok: true, kid: "k1", header: { alg: "EdDSA", kid: "k1" } });
  });

  it("answers an unknown kid as unknown_key and a bad signature as invalid_signature", async () => {
    const s = await signer("k1");
    const other = await signer("k2");
    serve({ keys: [s.jwk] });
    const set = remote();
    expect(await set.verifyJws(await other.sign("{}"))).toEqual({ ok: false, reason: "unknown_key" });
    const [h, p, sig] = (await s.sign("{}")).split(".") as [string, string, string];
    const forged = `${h}.${p}.${sig.startsWith("A") ? "B" : "A"}${sig.slice(1)}`;
    expect(await set.verifyJws(forged)).toEqual({ ok: false, reason: "invalid_signature" });
  });

  it("rethrows an error that is neither jose's nor a key resolution failure", async () => {
    const s = await signer("k1");
    serve({ keys: [s.jwk] });
    const jws = await s.sign("{}");
    vi.spyOn(Date, "now").mockImplementation(() => {
      throw new Error("clock broke");
    });
    await expect(remote().verifyJws(jws)).rejects.toThrow("clock broke");
  });
});
