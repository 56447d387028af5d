/**
 * Remote key sets against a real JWKS server on 127.0.0.1 (node:http) that rotates keys, goes
 * down, and serves hostile documents. Cache expiry is driven by moving Date (jose's cache reads
 * Date.now), never by waiting for a threshold.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createKeySet,
  createRemoteKeySet,
  createSessions,
  createTokens,
  generateSigningKey,
  type KeySet,
  type Tokens,
} from "../../src/sessions/index.js";
import { createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import { expectMoatError, expectMoatErrorAsync, WRONG_TYPES } from "../helpers/assertions.js";
import { AUDIENCE, b64u, hsSecret, ISSUER } from "./helpers.js";

interface JwksServer {
  url: string;
  /** What the next requests get: a JSON document, a raw body, a status, or no answer at all. */
  body: unknown;
  raw: string | undefined;
  status: number;
  hang: boolean;
  fetches: number;
  close(): Promise<void>;
}

async function startJwksServer(): Promise<JwksServer> {
  const state: JwksServer = {
    url: "",
    body: { keys: [] },
    raw: undefined,
    status: 200,
    hang: false,
    fetches: 0,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((_req, res) => {
    state.fetches += 1;
    if (state.hang) return; // never answers: the client's timeout must fire
    res.writeHead(state.status, { "content-type": "application/json" });
    res.end(state.raw ?? JSON.stringify(state.body));
  });
  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  state.url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/.well-known/jwks.json`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
  return state;
}

/** The issuing service: its own key set and tokens, publishing its JWKS. */
async function issuer(
  kid: string,
  alg: "EdDSA" | "ES256" | "RS256" = "EdDSA",
): Promise<{ keys: KeySet; tokens: Tokens }> {
  const key = await generateSigningKey(alg, { kid });
  const keys = createKeySet([key]);
  return { keys, tokens: createTokens({ keys, issuer: ISSUER, audience: AUDIENCE }) };
}

function verifier(url: string, options: Parameters<typeof createRemoteKeySet>[1] = {}): Tokens {
  return createTokens({
    keys: createRemoteKeySet(url, { cacheMaxAge: 60_000, cooldownDuration: 30_000, timeoutMs: 2000, ...options }),
    issuer: ISSUER,
    audience: AUDIENCE,
  });
}

let server: JwksServer;
beforeAll(async () => {
  server = await startJwksServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  vi.useRealTimers();
  server.raw = undefined;
  server.status = 200;
  server.hang = false;
  server.fetches = 0;
});

describe("createRemoteKeySet: rotation, cache and cooldown", () => {
  it("verifies the issuer's tokens, refetches once for a new kid, and drops a removed key once the cache expires", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.UTC(2026, 0, 1) });
    const oldIssuer = await issuer("k-old");
    const newIssuer = await issuer("k-new");
    server.body = oldIssuer.keys.exportJwks();
    const remote = verifier(server.url);

    const oldToken = await oldIssuer.tokens.sign({ sub: "user_1" });
    expect(await remote.verify(oldToken)).toMatchObject({ ok: true, kid: "k-old", claims: { sub: "user_1" } });
    expect(await remote.verify(oldToken)).toMatchObject({ ok: true });
    expect(server.fetches).toBe(1); // cached

    // Rotation: the issuer publishes both keys and signs with the new one.
    server.body = { keys: [...newIssuer.keys.exportJwks().keys, ...oldIssuer.keys.exportJwks().keys] };
    const newToken = await newIssuer.tokens.sign({ sub: "user_2" });
    // Still within the cooldown of the first fetch: no refetch, the unknown kid is refused.
    expect(await remote.verify(newToken)).toEqual({ ok: false, reason: "unknown_key" });
    expect(server.fetches).toBe(1);

    // After the cooldown: exactly one refetch for the unknown kid, then it verifies.
    vi.setSystemTime(Date.now() + 30_001);
    const [a, b, c] = await Promise.all([remote.verify(newToken), remote.verify(newToken), remote.verify(newToken)]);
    for (const r of [a, b, c]) expect(r).toMatchObject({ ok: true, kid: "k-new" });
    expect(server.fetches).toBe(2);
    expect(await remote.verify(oldToken)).toMatchObject({ ok: true, kid: "k-old" });

    // The old key is removed; its tokens keep verifying from the cache until it expires…
    server.body = newIssuer.keys.exportJwks();
    expect(await remote.verify(oldToken)).toMatchObject({ ok: true });
    expect(server.fetches).toBe(2);
    // …then the cache is refreshed and the old key's tokens fail.
    vi.setSystemTime(Date.now() + 60_001);
    const longLived = await oldIssuer.tokens.sign({ sub: "user_1" });
    expect(await remote.verify(longLived)).toEqual({ ok: false, reason: "unknown_key" });
    expect(server.fetches).toBe(3);
    expect(await remote.verify(newToken)).toMatchObject({ ok: true });
  });

  it("keeps the claim checks: issuer, audience, typ, expiry and a required kid", async () => {
    const iss = await issuer("k-claims", "ES256");
    server.body = iss.keys.exportJwks();
    const remote = verifier(server.url);
    const good = await iss.tokens.sign({ sub: "user_1" });
    expect(await remote.verify(good)).toMatchObject({ ok: true });

    const otherIssuer = createTokens({ keys: iss.keys, issuer: "https://evil.example", audience: AUDIENCE });
    expect(await remote.verify(await otherIssuer.sign())).toEqual({ ok: false, reason: "wrong_issuer" });
    const otherAudience = createTokens({ keys: iss.keys, issuer: ISSUER, audience: "other" });
    expect(await remote.verify(await otherAudience.sign())).toEqual({ ok: false, reason: "wrong_audience" });
    const otherTyp = createTokens({ keys: iss.keys, issuer: ISSUER, audience: AUDIENCE, type: "at+jwt" });
    expect(await remote.verify(await otherTyp.sign())).toEqual({ ok: false, reason: "malformed" });

    // The same token with its kid removed from the header: refused, never matched by guessing.
    const [header, payload, signature] = good.split(".") as [string, string, string];
    const noKid = JSON.parse(Buffer.from(header, "base64url").toString()) as Record<string, unknown>;
    delete noKid.kid;
    expect(await remote.verify(`${b64u(JSON.stringify(noKid))}.${payload}.${signature}`)).toEqual({
      ok: false,
      reason: "unknown_key",
    });
    // A flipped signature byte.
    const tampered = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith("AA") ? "BA" : "AA"}`;
    expect((await remote.verify(tampered)).ok).toBe(false);
  });

  it("verifyJws on the remote set checks the signature and the kid", async () => {
    const iss = await issuer("k-jws");
    server.body = iss.keys.exportJwks();
    const remote = createRemoteKeySet(server.url);
    const token = await iss.tokens.sign();
    expect(await remote.verifyJws(token)).toMatchObject({ ok: true, kid: "k-jws" });
    expect(await remote.verifyJws("")).toEqual({ ok: false, reason: "malformed" });
    expect(await remote.verifyJws("a.b.c")).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("createRemoteKeySet: outages and hostile documents answer { ok: false }", () => {
  it("a server that is down, erroring, redirecting or silent gives keys_unavailable, never a throw or a pass", async () => {
    const iss = await issuer("k-outage");
    const token = await iss.tokens.sign();
    const down = await startJwksServer();
    const url = down.url;
    await down.close();
    expect(await verifier(url).verify(token)).toEqual({ ok: false, reason: "keys_unavailable" });

    server.body = iss.keys.exportJwks();
    for (const status of [500, 404, 302]) {
      server.status = status;
      expect(await verifier(server.url).verify(token)).toEqual({ ok: false, reason: "keys_unavailable" });
    }
    server.status = 200;
    server.hang = true;
    expect(await verifier(server.url, { timeoutMs: 200 }).verify(token)).toEqual({
      ok: false,
      reason: "keys_unavailable",
    });
  });

  it("an outage after a good fetch: cached keys keep working, and once expired verification fails closed", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.UTC(2026, 0, 2) });
    const iss = await issuer("k-cached");
    server.body = iss.keys.exportJwks();
    const remote = verifier(server.url);
    const token = await iss.tokens.sign();
    expect(await remote.verify(token)).toMatchObject({ ok: true });
    server.status = 503;
    expect(await remote.verify(token)).toMatchObject({ ok: true });
    vi.setSystemTime(Date.now() + 60_001);
    const fresh = await iss.tokens.sign();
    expect(await remote.verify(fresh)).toEqual({ ok: false, reason: "keys_unavailable" });
  });

  it("refuses a response that is not JSON, not a JWKS, or larger than maxResponseBytes", async () => {
    const iss = await issuer("k-bad-doc");
    const token = await iss.tokens.sign();
    for (const raw of ["<html>nope</html>", "", "null", '{"keys":"x"}', "[1,2]", "\u00ff\u00fe"]) {
      server.raw = raw;
      expect(await verifier(server.url).verify(token)).toEqual({ ok: false, reason: "keys_unavailable" });
    }
    // The real document padded past the limit (a valid JWKS, just too big): refused.
    const doc = iss.keys.exportJwks();
    server.raw = JSON.stringify({ ...doc, padding: "x".repeat(70_000) });
    expect(await verifier(server.url).verify(token)).toEqual({ ok: false, reason: "keys_unavailable" });
    expect(await verifier(server.url, { maxResponseBytes: 200_000 }).verify(token)).toMatchObject({ ok: true });
  });

  it("ignores symmetric keys, keys with private members, keys without a kid and other algorithms", async () => {
    const iss = await issuer("k-shared", "EdDSA");
    const token = await iss.tokens.sign();
    const [publicJwk] = iss.keys.exportJwks().keys;
    // An HS256 secret published under the token's kid: with it, anyone could mint tokens.
    const secret = hsSecret();
    const hsKeys = createKeySet([{ kid: "k-shared", alg: "HS256", use: "sign", key: secret }]);
    const hsToken = await createTokens({ keys: hsKeys, issuer: ISSUER, audience: AUDIENCE }).sign();
    server.body = { keys: [{ kty: "oct", kid: "k-shared", alg: "HS256", k: b64u(secret) }] };
    expect(await verifier(server.url).verify(hsToken)).toMatchObject({ ok: false, reason: "invalid_signature" });
    expect(await verifier(server.url).verify(token)).toEqual({ ok: false, reason: "unknown_key" });

    const privateJwk = { ...publicJwk, d: "AAAA" };
    server.body = { keys: [privateJwk] };
    expect(await verifier(server.url).verify(token)).toEqual({ ok: false, reason: "unknown_key" });
    server.body = { keys: [{ ...publicJwk, kid: undefined }] };
    expect(await verifier(server.url).verify(token)).toEqual({ ok: false, reason: "unknown_key" });
    server.body = { keys: [{ ...publicJwk, use: "enc" }] };
    expect(await verifier(server.url).verify(token)).toEqual({ ok: false, reason: "unknown_key" });
    server.body = { keys: [{ ...publicJwk, alg: "PS256" }] };
    expect(await verifier(server.url).verify(token)).toEqual({ ok: false, reason: "unknown_key" });
    // An algorithm the verifier does not accept.
    server.body = { keys: [publicJwk] };
    expect(await verifier(server.url, { algorithms: ["ES256"] }).verify(token)).toMatchObject({
      ok: false,
      reason: "invalid_signature",
    });
    expect(await verifier(server.url).verify(token)).toMatchObject({ ok: true });
  });
});

describe("createRemoteKeySet: configuration", () => {
  it("is verify-only: sign throws and createSessions refuses it", async () => {
    const remote = verifier("https://login.example.com/.well-known/jwks.json");
    await expectMoatErrorAsync(remote.sign({ sub: "user_1" }), "ERR_CONFIG");
    expectMoatError(() => createSessions({ tokens: remote, store: createMemoryRefreshSessionStore() }), "ERR_CONFIG");
  });

  it("takes https, and http only on loopback hosts", () => {
    expect(createRemoteKeySet("https://login.example.com/jwks").url).toBe("https://login.example.com/jwks");
    expect(createRemoteKeySet(new URL("http://localhost:8080/jwks")).url).toBe("http://localhost:8080/jwks");
    expect(createRemoteKeySet("http://[::1]/jwks").verifyOnly).toBe(true);
    for (const bad of [
      "http://login.example.com/jwks",
      "http://10.0.0.1/jwks",
      "ftp://login.example.com/jwks",
      "file:///etc/passwd",
      "https://user:pass@login.example.com/jwks",
      "not a url",
      "",
      ...WRONG_TYPES.filter((v) => typeof v !== "string"),
    ]) {
      expectMoatError(() => createRemoteKeySet(bad as string), "ERR_CONFIG");
    }
  });

  it("rejects invalid options", () => {
    const url = "https://login.example.com/jwks";
    for (const options of [
      { algorithms: ["HS256"] },
      { algorithms: [] },
      { cacheMaxAge: -1 },
      { cooldownDuration: Number.NaN },
      { timeoutMs: 0 },
      { maxResponseBytes: 0 },
      { unknown: true },
    ]) {
      expectMoatError(() => createRemoteKeySet(url, options as never), "ERR_CONFIG");
    }
  });

  it("verify rejects a non-string token by throwing, and an oversized one as malformed", async () => {
    const remote = verifier(server.url);
    await expectMoatErrorAsync(remote.verify(42 as unknown as string), "ERR_INVALID_INPUT");
    expect(await remote.verify("x".repeat(20_000))).toEqual({ ok: false, reason: "malformed" });
    expect(server.fetches).toBe(0);
  });
});
