import type { IncomingMessage } from "node:http";
import express from "express";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import { authenticate, errorHandler, getSubject, setSubject } from "../../src/express/index.js";
import {
  createKeySet,
  createSessions,
  createTokens,
  generateSigningKey,
  type Sessions,
  type Tokens,
} from "../../src/sessions/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { listen, request, type Listening } from "./http.js";

const clock = fakeClock(Date.UTC(2026, 2, 1, 12));
let tokens: Tokens;
let sessions: Sessions;
let foreignTokens: Tokens;
let server: Listening;

const me = (req: IncomingMessage, res: express.Response): void => {
  res.json(getSubject(req) ?? null);
};

beforeAll(async () => {
  const keys = createKeySet([await generateSigningKey("EdDSA", { kid: "k1" })]);
  tokens = createTokens({ keys, issuer: "https://auth.test", audience: "api", now: clock.now });
  sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
  // Same issuer, audience and kid, another private key: a forger's best attempt.
  const foreignKeys = createKeySet([await generateSigningKey("EdDSA", { kid: "k1" })]);
  foreignTokens = createTokens({ keys: foreignKeys, issuer: "https://auth.test", audience: "api", now: clock.now });

  const app = express();
  app.get("/api/me", authenticate({ tokens: sessions }), me);
  app.get("/jwt/me", authenticate({ tokens }), me);
  app.get("/optional/me", authenticate({ tokens: sessions, optional: true }), me);
  app.get("/cookie/me", authenticate({ tokens: sessions, cookie: "__Host-session" }), me);
  app.get(
    "/custom/me",
    authenticate({
      tokens: sessions,
      toSubject: async (claims) =>
        claims.sub === "blocked" ? null : { id: `user:${String(claims.sub)}`, role: "member", scopes: ["notes:read"] },
    }),
    me,
  );
  app.get(
    "/bad-mapping/me",
    authenticate({
      tokens: sessions,
      toSubject: (claims) => ({ id: String(claims.sub), role: "member", passwordHash: "$2b$12$x" }) as never,
    }),
    me,
  );
  app.get(
    "/throwing/me",
    authenticate({
      tokens: sessions,
      toSubject: () => {
        throw new Error("directory down");
      },
    }),
    me,
  );
  app.get(
    "/preset/me",
    (req, _res, next) => {
      setSubject(req, { id: "ak_1", role: "apikey" });
      next();
    },
    authenticate({ tokens: sessions }),
    me,
  );
  app.use(errorHandler());
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
});

const get = (path: string, headers: Record<string, string> = {}) => request(server.port, { path, headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const UNAUTHENTICATED = { error: "ERR_UNAUTHENTICATED" };

describe("authenticate: valid tokens", () => {
  it("records the subject from sub, role, tid, amr and auth_time", async () => {
    const authTime = Math.floor(clock.now() / 1000) - 60;
    const { accessToken } = await sessions.start("user_1", {
      role: "admin",
      tid: "org_1",
      amr: ["pwd", "otp"],
      auth_time: authTime,
    });
    const reply = await get("/api/me", bearer(accessToken));
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ id: "user_1", role: "admin", tenantId: "org_1", amr: ["pwd", "otp"], authTime });
  });

  it("falls back to iat for authTime and accepts a role list", async () => {
    const { accessToken } = await sessions.start("user_2", { role: ["member", "billing"] });
    const reply = await get("/api/me", bearer(accessToken));
    expect(reply.json()).toEqual({
      id: "user_2",
      role: ["member", "billing"],
      authTime: Math.floor(clock.now() / 1000),
    });
  });

  it("reads the scheme case-insensitively and works with bare tokens from createTokens", async () => {
    const jwt = await tokens.sign({ sub: "svc_1", role: "service" });
    const reply = await get("/jwt/me", { authorization: `bearer   ${jwt}` });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ id: "svc_1", role: "service" });
  });

  it("maps claims with toSubject, and refuses the token when it answers null", async () => {
    const ok = await sessions.start("user_3", { role: "admin" });
    expect((await get("/custom/me", bearer(ok.accessToken))).json()).toEqual({
      id: "user:user_3",
      role: "member",
      scopes: ["notes:read"],
    });
    const blocked = await sessions.start("blocked", { role: "admin" });
    const reply = await get("/custom/me", bearer(blocked.accessToken));
    expect([reply.status, reply.json()]).toEqual([401, UNAUTHENTICATED]);
  });

  it("passes a request that already has a subject through untouched", async () => {
    const reply = await get("/preset/me");
    expect([reply.status, reply.json()]).toEqual([200, { id: "ak_1", role: "apikey" }]);
  });
});

describe("authenticate: missing credentials", () => {
  it("answers 401 with a Bearer challenge, or lets optional routes through anonymously", async () => {
    const reply = await get("/api/me");
    expect([reply.status, reply.json()]).toEqual([401, UNAUTHENTICATED]);
    expect(reply.headers["www-authenticate"]).toBe("Bearer");
    expect(reply.headers["cache-control"]).toBe("no-store");
    const anonymous = await get("/optional/me");
    expect([anonymous.status, anonymous.json()]).toEqual([200, null]);
  });

  it("treats another Authorization scheme as no token", async () => {
    expect((await get("/api/me", { authorization: "Basic dXNlcjpwYXNz" })).status).toBe(401);
    expect((await get("/optional/me", { authorization: "Basic dXNlcjpwYXNz" })).json()).toBeNull();
  });
});

describe("authenticate: bad tokens", () => {
  it("refuses malformed Bearer values, even on optional routes", async () => {
    for (const value of [
      "Bearer",
      "Bearer ",
      "Bearer a b",
      "Bearer <script>",
      "Bearer abc.def",
      "Bearer " + "A".repeat(15_000),
    ]) {
      for (const path of ["/api/me", "/optional/me"]) {
        const reply = await get(path, { authorization: value });
        expect([reply.status, reply.json()], `${path} ${value.slice(0, 20)}`).toEqual([401, UNAUTHENTICATED]);
        expect(reply.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
      }
    }
  });

  it("refuses tampered tokens and tokens signed with another key, without saying which check failed", async () => {
    const { accessToken } = await sessions.start("user_4", { role: "member" });
    const [header = "", payload = "", signature = ""] = accessToken.split(".");
    const elevated = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString("utf8")), role: "owner" }),
    ).toString("base64url");
    const flipped = signature.slice(0, -2) + (signature.at(-2) === "A" ? "B" : "A") + signature.slice(-1);
    const forged = await foreignTokens.sign({ sub: "user_4", role: "owner", sid: "whatever" });
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    for (const token of [`${header}.${elevated}.${signature}`, `${header}.${payload}.${flipped}`, forged, unsigned]) {
      const reply = await get("/api/me", bearer(token));
      expect([reply.status, reply.json()]).toEqual([401, UNAUTHENTICATED]);
    }
  });

  it("answers expired and revoked so the client can refresh or sign in again", async () => {
    const first = await sessions.start("user_5", { role: "member" });
    const second = await sessions.start("user_5", { role: "member" });
    await sessions.revoke(second.sessionId);
    const revoked = await get("/api/me", bearer(second.accessToken));
    expect([revoked.status, revoked.json()]).toEqual([401, { error: "revoked" }]);
    clock.advance(16 * 60_000);
    const expired = await get("/api/me", bearer(first.accessToken));
    expect([expired.status, expired.json()]).toEqual([401, { error: "expired" }]);
    expect(expired.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
  });

  it("refuses verified tokens the default mapping cannot turn into a subject", async () => {
    for (const claims of [
      {},
      { role: 42 },
      { role: "member", tid: 7 },
      { role: "member", amr: "otp" },
      { role: "member", tid: "t\u0001" },
    ]) {
      const { accessToken } = await sessions.start("user_6", claims);
      const reply = await get("/api/me", bearer(accessToken));
      expect([reply.status, reply.json()], JSON.stringify(claims)).toEqual([401, UNAUTHENTICATED]);
    }
    const noSub = await tokens.sign({ role: "member" });
    expect((await get("/jwt/me", bearer(noSub))).status).toBe(401);
  });

  it("reports a toSubject that returns an invalid subject or throws as a server error", async () => {
    const { accessToken } = await sessions.start("user_7", { role: "member" });
    for (const path of ["/bad-mapping/me", "/throwing/me"]) {
      const reply = await get(path, bearer(accessToken));
      expect([reply.status, reply.json()]).toEqual([500, { error: "ERR_INTERNAL" }]);
      expect(reply.text).not.toContain("directory");
    }
  });

  it("never lets a random bearer value through and never echoes it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,300}$/), async (token) => {
        const reply = await get("/api/me", bearer(token));
        expect(reply.status).toBe(401);
        expect(reply.json()).toEqual(UNAUTHENTICATED);
      }),
      { numRuns: 40 },
    );
  });
});

describe("authenticate: cookie", () => {
  it("reads the named cookie when there is no Authorization header", async () => {
    const { accessToken } = await sessions.start("user_8", { role: "member" });
    const reply = await get("/cookie/me", { cookie: `theme=dark; __Host-session=${accessToken}; other=1` });
    expect([reply.status, (reply.json() as { id: string }).id]).toEqual([200, "user_8"]);
    expect((await get("/cookie/me", { cookie: "theme=dark" })).status).toBe(401);
    expect((await get("/cookie/me", { cookie: "__Host-session=" })).status).toBe(401);
  });

  it("prefers the Authorization header over the cookie", async () => {
    const a = await sessions.start("user_a", { role: "member" });
    const b = await sessions.start("user_b", { role: "member" });
    const reply = await get("/cookie/me", { ...bearer(a.accessToken), cookie: `__Host-session=${b.accessToken}` });
    expect((reply.json() as { id: string }).id).toBe("user_a");
  });

  it("refuses a cookie sent twice, so a cookie planted by a sibling subdomain cannot win", async () => {
    const victim = await sessions.start("victim", { role: "member" });
    const attacker = await sessions.start("attacker", { role: "member" });
    const reply = await get("/cookie/me", {
      cookie: `__Host-session=${victim.accessToken}; __Host-session=${attacker.accessToken}`,
    });
    expect([reply.status, reply.json()]).toEqual([401, UNAUTHENTICATED]);
  });
});

describe("authenticate: options", () => {
  it("refuses invalid options at start-up", () => {
    for (const bad of WRONG_TYPES) {
      expectMoatError(() => authenticate(bad as never), "ERR_CONFIG");
      expectMoatError(() => authenticate({ tokens: bad as never }), "ERR_CONFIG");
    }
    for (const bad of [42, "", "a b", "a;b", "x".repeat(129), null])
      expectMoatError(() => authenticate({ tokens: sessions, cookie: bad as never }), "ERR_CONFIG");
    for (const bad of [42, "yes", {}, null]) {
      expectMoatError(() => authenticate({ tokens: sessions, toSubject: bad as never }), "ERR_CONFIG");
      expectMoatError(() => authenticate({ tokens: sessions, optional: bad as never }), "ERR_CONFIG");
    }
    expectMoatError(() => authenticate({ tokens: { verify: "no" } as never }), "ERR_CONFIG");
    expectMoatError(() => authenticate({ tokens: sessions, cookies: "s" } as never), "ERR_CONFIG");
  });
});
