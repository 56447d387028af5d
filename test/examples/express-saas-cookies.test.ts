/**
 * The example app's browser session over plain HTTP: the refresh cookie's attributes on every
 * response that sets or clears it, rotation and reuse at /auth/refresh, logout, CSRF refusals of
 * cross-site requests, and the password policy at signup. test/browser drives the same flows in
 * Chromium.
 */
import { describe, expect, it } from "vitest";
import type { Reply } from "../express/http.js";
import { describePostgres } from "../helpers/postgres.js";
import { APP_TIMEOUT, PASSWORD, freshIp, json, useSaasApp } from "./express-saas-harness.js";

const NAME = "__Host-moatkit-refresh";
const THIRTY_DAYS_S = 30 * 86_400;

/** The refresh cookie a reply sets: its value and attributes, checked on the way. */
function refreshCookieOf(reply: Reply): { value: string; maxAge: number } {
  const all = reply.headers["set-cookie"] ?? [];
  const mine = all.filter((c) => c.startsWith(`${NAME}=`));
  expect(mine).toHaveLength(1);
  const [pair = "", ...attributes] = (mine[0] ?? "").split(";").map((part) => part.trim());
  const lower = attributes.map((a) => a.toLowerCase());
  expect(lower).toContain("httponly");
  expect(lower).toContain("secure");
  expect(lower).toContain("samesite=strict");
  expect(lower).toContain("path=/");
  expect(lower.some((a) => a.startsWith("domain="))).toBe(false);
  const maxAge = Number(lower.find((a) => a.startsWith("max-age="))?.slice("max-age=".length));
  return { value: pair.slice(NAME.length + 1), maxAge };
}

describePostgres("example app express-saas: refresh cookie, CSRF, password policy", (target) => {
  const h = useSaasApp(target);

  describe("refresh cookie", () => {
    it(
      "signup and login set it (30 days); refresh rotates it; a replay revokes the family; logout clears it",
      async () => {
        const { call, turnstile, clock } = h();
        const signup = await call("POST", "/auth/signup", {
          body: {
            email: "cookie@example.com",
            password: PASSWORD,
            orgName: "Cookie Org",
            "cf-turnstile-response": turnstile.issue(),
          },
        });
        expect(signup.status).toBe(201);
        expect(refreshCookieOf(signup).maxAge).toBe(THIRTY_DAYS_S);
        const verified = await call("POST", "/auth/verify-email", {
          body: { token: await h().mailedToken("cookie@example.com", "verify") },
        });
        expect(verified.status).toBe(204);

        const login = await call("POST", "/auth/login", {
          body: { email: "cookie@example.com", password: PASSWORD },
          ip: freshIp(),
        });
        expect(login.status).toBe(200);
        expect(typeof json(login)["accessToken"]).toBe("string");
        const first = refreshCookieOf(login);
        expect(first.maxAge).toBe(THIRTY_DAYS_S);

        // As the page's fetch sends it: same-origin (CSRF has its own test below).
        const cookie = (value: string): Record<string, string> => ({
          cookie: `${NAME}=${value}`,
          "sec-fetch-site": "same-origin",
        });
        const rotated = await call("POST", "/auth/refresh", { headers: cookie(first.value) });
        expect(rotated.status).toBe(200);
        expect(rotated.headers["cache-control"]).toBe("no-store");
        const second = refreshCookieOf(rotated);
        expect(second.value).not.toBe(first.value);
        // The new access token works on a session route.
        const notes = await call("GET", "/notes", { token: String(json(rotated)["accessToken"]) });
        expect(notes.status).toBe(200);

        clock.advance(10_000); // past the 5 s overlap
        const replay = await call("POST", "/auth/refresh", { headers: cookie(first.value) });
        expect([replay.status, replay.json()]).toEqual([401, { error: "revoked" }]);
        expect(refreshCookieOf(replay).maxAge).toBe(0);
        const successor = await call("POST", "/auth/refresh", { headers: cookie(second.value) });
        expect(successor.status).toBe(401);

        const again = await call("POST", "/auth/login", {
          body: { email: "cookie@example.com", password: PASSWORD },
          ip: freshIp(),
        });
        const live = refreshCookieOf(again);
        const out = await call("POST", "/auth/logout", { headers: cookie(live.value) });
        expect(out.status).toBe(204);
        expect(refreshCookieOf(out).maxAge).toBe(0);
        expect((await call("POST", "/auth/refresh", { headers: cookie(live.value) })).status).toBe(401);
        // Without a cookie: 401 at refresh, 204 at logout (idempotent).
        const none = { "sec-fetch-site": "same-origin" };
        expect((await call("POST", "/auth/refresh", { headers: none })).status).toBe(401);
        expect((await call("POST", "/auth/logout", { headers: none })).status).toBe(204);
      },
      APP_TIMEOUT,
    );
  });

  describe("CSRF", () => {
    it(
      "refuses cross-site and foreign-origin unsafe requests, passes same-origin ones and cookie-less API calls",
      async () => {
        const { call } = h();
        const login = await call("POST", "/auth/login", {
          body: { email: "cookie@example.com", password: PASSWORD },
          ip: freshIp(),
        });
        const { value } = refreshCookieOf(login);
        const cookie = `${NAME}=${value}`;
        const forbidden = { error: "ERR_FORBIDDEN" };
        const crossSite = await call("POST", "/auth/logout", { headers: { cookie, "sec-fetch-site": "cross-site" } });
        expect([crossSite.status, crossSite.json()]).toEqual([403, forbidden]);
        const sameSite = await call("POST", "/auth/refresh", { headers: { cookie, "sec-fetch-site": "same-site" } });
        expect(sameSite.status).toBe(403);
        const foreign = await call("POST", "/auth/refresh", { headers: { cookie, origin: "https://evil.example" } });
        expect(foreign.status).toBe(403);
        const nullOrigin = await call("POST", "/auth/refresh", { headers: { cookie, origin: "null" } });
        expect(nullOrigin.status).toBe(403);
        // A cookie and no Fetch Metadata, Origin or Referer: only with the double-submit token.
        const bare = await call("POST", "/auth/refresh", { headers: { cookie } });
        expect(bare.status).toBe(403);
        const issued = await call("GET", "/auth/csrf", { headers: { cookie } });
        const token = String(json(issued)["csrfToken"]);
        const csrfCookie = (issued.headers["set-cookie"] ?? []).find((c) => c.startsWith("__Host-csrf="));
        expect(csrfCookie?.split(";")[0]).toBe(`__Host-csrf=${token}`);
        const withToken = await call("POST", "/auth/refresh", {
          headers: { cookie: `${cookie}; __Host-csrf=${token}`, "x-csrf-token": token },
        });
        expect(withToken.status).toBe(200);
        // The token was bound to the cookie it was issued with: the rotated cookie needs a new one.
        const rotated = refreshCookieOf(withToken).value;
        const stale = await call("POST", "/auth/refresh", {
          headers: { cookie: `${NAME}=${rotated}; __Host-csrf=${token}`, "x-csrf-token": token },
        });
        expect(stale.status).toBe(403);
        // Same origin passes (the page's fetch).
        const sameOrigin = await call("POST", "/auth/refresh", {
          headers: { cookie: `${NAME}=${rotated}`, "sec-fetch-site": "same-origin" },
        });
        expect(sameOrigin.status).toBe(200);
      },
      APP_TIMEOUT,
    );
  });

  describe("password policy at signup", () => {
    it.each([
      ["too short", "k7#Rq2", ["too_short"]],
      ["common", "password123", ["common"]],
      ["the user's email", "weakling@example.com!!", ["contains_context"]],
      ["the service name", "my express-saas secret", ["contains_context"]],
    ])(
      "refuses a password that is %s, with the reasons",
      async (_what, password, reasons) => {
        const { call, turnstile } = h();
        const reply = await call("POST", "/auth/signup", {
          body: {
            email: "weakling@example.com",
            password,
            orgName: "Weak Org",
            "cf-turnstile-response": turnstile.issue(),
          },
          ip: freshIp(),
        });
        expect(reply.status).toBe(400);
        expect(json(reply)).toEqual({ error: "weak_password", reasons: expect.arrayContaining(reasons) as unknown });
      },
      APP_TIMEOUT,
    );
  });
});
