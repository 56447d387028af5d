/**
 * refreshCookie over real HTTP: the cookie's attributes on every response that sets one (OWASP
 * Session Management cheat sheet: __Host- prefix, HttpOnly, Secure, SameSite, Max-Age), rotation
 * on refresh, reuse of a replayed old cookie revoking the family, and logout.
 */
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import { errorHandler, refreshCookie, type RefreshCookie } from "../../src/express/index.js";
import {
  createKeySet,
  createSessions,
  createTokens,
  generateSigningKey,
  type Sessions,
} from "../../src/sessions/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError } from "../helpers/assertions.js";
import { listen, request, type Listening, type Reply } from "./http.js";

const clock = fakeClock(Date.UTC(2026, 2, 1, 12));
let sessions: Sessions;
let cookie: RefreshCookie;
let server: Listening;
const DAY = 86_400;

beforeAll(async () => {
  const keys = createKeySet([await generateSigningKey("EdDSA", { kid: "k1" })]);
  const tokens = createTokens({ keys, issuer: "https://auth.test", audience: "api", now: clock.now });
  sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore(), refreshTtl: "30d", overlap: 0 });
  cookie = refreshCookie({ sessions, now: clock.now });
  const app = express();
  app.post("/login", async (_req, res) => {
    const t = await sessions.start("user-1");
    cookie.set(res, t);
    res.json({ accessToken: t.accessToken });
  });
  app.post("/auth/refresh", cookie.refreshHandler());
  app.post("/auth/logout", cookie.logoutHandler());
  app.use(errorHandler());
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
});

const post = (path: string, cookieHeader?: string): Promise<Reply> =>
  request(server.port, { method: "POST", path, headers: cookieHeader === undefined ? {} : { cookie: cookieHeader } });

function setCookie(reply: Reply): { pair: string; value: string; attributes: string[] } {
  const lines = reply.headers["set-cookie"] ?? [];
  expect(lines).toHaveLength(1);
  const [pair = "", ...attributes] = (lines[0] ?? "").split("; ");
  return { pair, value: pair.slice(pair.indexOf("=") + 1), attributes };
}

function expectSecureAttributes(attributes: string[], maxAge: number): void {
  expect(attributes).toEqual(
    expect.arrayContaining(["Path=/", "HttpOnly", "Secure", "SameSite=Strict", `Max-Age=${String(maxAge)}`]),
  );
  expect(attributes.find((a) => a.startsWith("Expires="))).toBeDefined();
  expect(attributes.some((a) => a.startsWith("Domain="))).toBe(false);
}

describe("refreshCookie", () => {
  it("login sets a __Host- HttpOnly Secure SameSite=Strict cookie with Max-Age from the session", async () => {
    const reply = await post("/login");
    const { pair, value, attributes } = setCookie(reply);
    expect(pair.startsWith("__Host-moatkit-refresh=")).toBe(true);
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expectSecureAttributes(attributes, 30 * DAY);
    // The body holds the access token, never the refresh token.
    expect(reply.text).not.toContain(value);
  });

  it("a refresh rotates the cookie and answers a new access token; a replayed old cookie revokes the family", async () => {
    const first = setCookie(await post("/login")).pair;
    clock.advance(1000);
    const refreshed = await post("/auth/refresh", first);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers["cache-control"]).toBe("no-store");
    const body = refreshed.json() as { accessToken: string; sessionId: string; accessTokenExpiresAt: number };
    expect(body.accessToken.split(".")).toHaveLength(3);
    const second = setCookie(refreshed);
    expect(second.pair).not.toBe(first);
    expectSecureAttributes(second.attributes, 30 * DAY);
    expect(refreshed.text).not.toContain(second.value);

    // The thief replays the first cookie: reuse revokes the session, and the cookie is cleared.
    const replay = await post("/auth/refresh", first);
    expect(replay.status).toBe(401);
    expect(replay.json()).toEqual({ error: "revoked" });
    const cleared = setCookie(replay);
    expect(cleared.value).toBe("");
    expectSecureAttributes(cleared.attributes, 0);
    // The victim's current cookie is dead too.
    expect((await post("/auth/refresh", second.pair)).status).toBe(401);
    expect((await sessions.verify(body.accessToken)).ok).toBe(false);
  });

  it("Max-Age counts down to the token's expiry and an expired cookie is refused and cleared", async () => {
    const pair = setCookie(await post("/login")).pair;
    clock.advance(29 * DAY * 1000);
    const refreshed = await post("/auth/refresh", pair);
    expectSecureAttributes(setCookie(refreshed).attributes, 30 * DAY); // renewed on refresh
    const next = setCookie(refreshed).pair;
    clock.advance(31 * DAY * 1000);
    const expired = await post("/auth/refresh", next);
    expect(expired.status).toBe(401);
    expect(expired.json()).toEqual({ error: "expired" });
    expect(setCookie(expired).value).toBe("");
  });

  it.each([
    ["no cookie", undefined],
    ["an empty cookie", "__Host-moatkit-refresh="],
    ["a malformed token", "__Host-moatkit-refresh=not-a-token"],
    ["an unknown token", `__Host-moatkit-refresh=${"A".repeat(43)}`],
    [
      "two cookies of that name (one planted by a sibling)",
      `__Host-moatkit-refresh=${"A".repeat(43)}; __Host-moatkit-refresh=${"B".repeat(43)}`,
    ],
  ])("%s: 401 invalid and the cookie cleared", async (_name, header) => {
    const reply = await post("/auth/refresh", header);
    expect(reply.status).toBe(401);
    expect(reply.json()).toEqual({ error: "invalid" });
    expect(setCookie(reply).value).toBe("");
  });

  it("logout revokes the session, clears the cookie, and is idempotent", async () => {
    const login = await post("/login");
    const access = (login.json() as { accessToken: string }).accessToken;
    const pair = setCookie(login).pair;
    expect((await sessions.verify(access)).ok).toBe(true);
    const out = await post("/auth/logout", pair);
    expect(out.status).toBe(204);
    expect(setCookie(out).value).toBe("");
    expect((await sessions.verify(access)).ok).toBe(false);
    expect((await post("/auth/refresh", pair)).status).toBe(401);
    expect((await post("/auth/logout", pair)).status).toBe(204);
    expect((await post("/auth/logout")).status).toBe(204);
  });

  it("another path gets the __Secure- prefix; development cookies only by the explicit option", () => {
    expect(refreshCookie({ sessions, path: "/auth" }).name).toBe("__Secure-moatkit-refresh");
    expect(refreshCookie({ sessions, insecureDevelopmentCookie: true }).name).toBe("moatkit-refresh");
  });

  it.each([
    [{ name: "__Host-refresh", path: "/auth" }],
    [{ name: "__Host-refresh", insecureDevelopmentCookie: true }],
    [{ name: "__Secure-refresh", insecureDevelopmentCookie: true }],
    [{ name: "bad name" }],
    [{ path: "auth" }],
    [{ path: "/a;b" }],
    [{ sameSite: "None" }],
    [{ secure: false }],
  ])("refuses %j with ERR_CONFIG", (extra) => {
    expectMoatError(() => refreshCookie({ sessions, ...(extra as object) }), "ERR_CONFIG");
  });

  it("refuses a missing or wrong sessions object with ERR_CONFIG", () => {
    for (const bad of [undefined, null, {}, { refresh: () => undefined }]) {
      expectMoatError(() => refreshCookie({ sessions: bad } as never), "ERR_CONFIG");
    }
  });
});
