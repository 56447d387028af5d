/**
 * csrfProtection over real HTTP. Each case performs the request a forging page (or an old
 * browser, or an API client) would make. Rules: OWASP CSRF Prevention Cheat Sheet — Fetch
 * Metadata (Sec-Fetch-Site), verifying origin with standard headers (Origin, then Referer), and
 * the signed double-submit cookie bound to the session.
 */
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { csrfProtection, errorHandler, type CsrfProtectionOptions, type CsrfRefusal } from "../../src/express/index.js";
import { Secret } from "../../src/_internal/secret.js";
import { expectMoatError } from "../helpers/assertions.js";
import { listen, request, type Listening, type Reply } from "./http.js";

const APP = "https://app.example.com";
const SECRET = new Uint8Array(32).fill(7);
let server: Listening | undefined;
let handled = 0;
let refusals: CsrfRefusal[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  handled = 0;
  refusals = [];
});

const sessionOf = (req: { headers: Record<string, unknown> }): string | undefined => {
  const c = req.headers.cookie;
  const m = typeof c === "string" ? /(?:^|; )sid=([^;]+)/.exec(c) : null;
  return m?.[1];
};

async function start(options: CsrfProtectionOptions = {}) {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const csrf = csrfProtection({
    onRefuse: (_req, reason) => refusals.push(reason),
    ...options,
  });
  app.get("/form", (req, res) => {
    res.json({ token: csrf.token(req, res) });
  });
  app.use(csrf);
  app.all("/transfer", (_req, res) => {
    handled += 1;
    res.json({ done: true });
  });
  app.use(errorHandler());
  server = await listen(app);
  return csrf;
}

const post = (headers: Record<string, string>, body?: string): Promise<Reply> =>
  request(server!.port, {
    method: "POST",
    path: "/transfer",
    headers: {
      host: "app.example.com",
      ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  });

describe("csrfProtection: Fetch Metadata", () => {
  it.each([
    ["same-origin", {}, 200],
    ["none", {}, 200],
    ["same-site", {}, 403],
    ["cross-site", {}, 403],
    ["cross-site", { origin: "https://evil.example" }, 403],
    ["cross-site", { origin: "https://admin.example.com" }, 200], // trusted origin
    ["same-site", { origin: "https://admin.example.com" }, 200],
    ["same-site", { origin: "https://blog.example.com" }, 403],
    ["bogus-value", {}, 403],
  ] as const)("Sec-Fetch-Site: %s %j → %i", async (site, extra, status) => {
    await start({ origin: APP, trustedOrigins: ["https://admin.example.com"] });
    const reply = await post({ "sec-fetch-site": site, cookie: "sid=s1", ...extra });
    expect(reply.status).toBe(status);
    expect(handled).toBe(status === 200 ? 1 : 0);
    if (status === 403) {
      expect(reply.json()).toEqual({ error: "ERR_FORBIDDEN" });
      expect(refusals).toEqual(["cross_site"]);
    }
  });

  it("allowSameSite lets sibling subdomains through", async () => {
    await start({ origin: APP, allowSameSite: true });
    expect((await post({ "sec-fetch-site": "same-site", cookie: "sid=s1" })).status).toBe(200);
    expect((await post({ "sec-fetch-site": "cross-site", cookie: "sid=s1" })).status).toBe(403);
  });

  it("Fetch Metadata wins over a same-origin Origin header (a cross-site request cannot pass by naming us)", async () => {
    await start({ origin: APP });
    expect((await post({ "sec-fetch-site": "cross-site", origin: APP, cookie: "sid=s1" })).status).toBe(403);
  });
});

describe("csrfProtection: Origin and Referer for browsers without Fetch Metadata", () => {
  it.each([
    [{ origin: APP }, 200, null],
    [{ origin: "https://evil.example" }, 403, "origin_mismatch"],
    [{ origin: "http://app.example.com" }, 403, "origin_mismatch"], // scheme downgrade
    [{ origin: "https://app.example.com:8443" }, 403, "origin_mismatch"],
    [{ origin: "null" }, 403, "origin_mismatch"], // sandboxed iframe, data: URL, redirects
    [{ origin: "not a url" }, 403, "origin_mismatch"],
    [{ referer: `${APP}/settings?tab=1` }, 200, null],
    [{ referer: "https://evil.example/app.example.com" }, 403, "referer_mismatch"],
    [{ referer: "https://app.example.com.evil.example/" }, 403, "referer_mismatch"],
    [{ referer: "garbage" }, 403, "referer_mismatch"],
    [{ origin: "https://evil.example", referer: `${APP}/` }, 403, "origin_mismatch"], // Origin decides
  ] as const)("%j → %i", async (headers, status, reason) => {
    await start({ origin: APP });
    const reply = await post({ cookie: "sid=s1", ...headers });
    expect(reply.status).toBe(status);
    expect(refusals).toEqual(reason === null ? [] : [reason]);
  });

  it("without an origin option, compares with the Host header", async () => {
    await start();
    expect((await post({ origin: APP })).status).toBe(200);
    expect((await post({ origin: "https://evil.example" })).status).toBe(403);
    expect((await post({ origin: APP, host: "evil.example" })).status).toBe(403);
  });

  it("safe methods pass whatever their origin; other unsafe methods are checked", async () => {
    await start({ origin: APP });
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      const reply = await request(server!.port, {
        method,
        path: "/transfer",
        headers: { "sec-fetch-site": "cross-site", cookie: "sid=s1" },
      });
      expect(reply.status, method).toBe(200);
    }
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const reply = await request(server!.port, {
        method,
        path: "/transfer",
        headers: { "sec-fetch-site": "cross-site", cookie: "sid=s1" },
      });
      expect(reply.status, method).toBe(403);
    }
  });
});

describe("csrfProtection: missing headers and the double-submit token", () => {
  it("a request with no browser header and no cookie passes (no ambient credential to forge)", async () => {
    await start({ origin: APP });
    expect((await post({})).status).toBe(200);
  });

  it("a cookie-carrying request with no browser header is refused when no token is configured", async () => {
    await start({ origin: APP });
    expect((await post({ cookie: "sid=s1" })).status).toBe(403);
    expect(refusals).toEqual(["token_missing"]);
  });

  async function tokenFor(sid: string): Promise<{ token: string; cookie: string }> {
    const reply = await request(server!.port, { path: "/form", headers: { cookie: `sid=${sid}` } });
    const setCookie = reply.headers["set-cookie"]?.[0] ?? "";
    const token = (reply.json() as { token: string }).token;
    return { token, cookie: setCookie.split(";")[0]! };
  }

  it("sets a __Host- token cookie a page can read, Secure, SameSite=Lax, Path=/", async () => {
    await start({ origin: APP, token: { secret: SECRET, sessionId: sessionOf } });
    const reply = await request(server!.port, { path: "/form", headers: { cookie: "sid=s1" } });
    const line = reply.headers["set-cookie"]?.[0] ?? "";
    expect(line).toMatch(/^__Host-csrf=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; Path=\/; Secure; SameSite=Lax$/);
    expect(line).not.toMatch(/HttpOnly/i);
  });

  it("accepts the token in the header or the form field when it matches its cookie and this session", async () => {
    await start({ origin: APP, token: { secret: new Secret(SECRET), sessionId: sessionOf } });
    const { token, cookie } = await tokenFor("s1");
    expect((await post({ cookie: `sid=s1; ${cookie}`, "x-csrf-token": token })).status).toBe(200);
    expect((await post({ cookie: `sid=s1; ${cookie}` }, `_csrf=${token}&amount=10`)).status).toBe(200);
    expect(handled).toBe(2);
  });

  it.each([
    ["no token sent", (_t: string, c: string) => ({ headers: { cookie: `sid=s1; ${c}` } }), "token_missing"],
    ["no token cookie", (t: string) => ({ headers: { cookie: "sid=s1", "x-csrf-token": t } }), "token_missing"],
    [
      "another session's token (fixation/replay)",
      (t: string, c: string) => ({ headers: { cookie: `sid=s2; ${c}`, "x-csrf-token": t } }),
      "token_invalid",
    ],
    [
      "header differs from cookie",
      (t: string, c: string) => ({
        headers: { cookie: `sid=s1; ${c}`, "x-csrf-token": t.replace(/^./, (ch) => (ch === "A" ? "B" : "A")) },
      }),
      "token_invalid",
    ],
    [
      "a forged pair (attacker-planted cookie and matching header, wrong MAC)",
      () => {
        const forged = `${"A".repeat(22)}.${"B".repeat(43)}`;
        return { headers: { cookie: `sid=s1; __Host-csrf=${forged}`, "x-csrf-token": forged } };
      },
      "token_invalid",
    ],
    [
      "a second planted token cookie",
      (t: string, c: string) => ({ headers: { cookie: `sid=s1; ${c}; __Host-csrf=${t}`, "x-csrf-token": t } }),
      "token_invalid",
    ],
    [
      "malformed token",
      (_t: string, c: string) => ({ headers: { cookie: `sid=s1; ${c}`, "x-csrf-token": "x".repeat(5000) } }),
      "token_invalid",
    ],
  ] as const)("refuses %s", async (_name, build, reason) => {
    await start({ origin: APP, token: { secret: SECRET, sessionId: sessionOf } });
    const { token, cookie } = await tokenFor("s1");
    const { headers } = build(token, cookie);
    const reply = await post(headers);
    expect(reply.status).toBe(403);
    expect(refusals).toEqual([reason]);
    expect(reply.text).not.toContain(token);
  });

  it("an anonymous (pre-login) token works until a session starts, then no longer matches", async () => {
    await start({ origin: APP, token: { secret: SECRET, sessionId: sessionOf } });
    const reply = await request(server!.port, { path: "/form" });
    const token = (reply.json() as { token: string }).token;
    const cookie = (reply.headers["set-cookie"]?.[0] ?? "").split(";")[0]!;
    expect((await post({ cookie, "x-csrf-token": token })).status).toBe(200);
    expect((await post({ cookie: `sid=new; ${cookie}`, "x-csrf-token": token })).status).toBe(403);
  });
});

describe("csrfProtection: configuration", () => {
  it.each([
    [{ origin: "https://app.example.com/" }],
    [{ origin: "app.example.com" }],
    [{ origin: [] }],
    [{ trustedOrigins: ["*"] }],
    [{ safeMethods: ["post"] }],
    [{ token: { secret: new Uint8Array(16), sessionId: (): undefined => undefined } }],
    [{ token: { secret: "a".repeat(40), sessionId: (): undefined => undefined } }],
    [{ token: { secret: SECRET } }],
    [{ token: { secret: SECRET, sessionId: (): undefined => undefined, cookie: "__Host-x", insecureCookie: true } }],
    [{ token: { secret: SECRET, sessionId: (): undefined => undefined, cookie: "bad name" } }],
    [{ orign: APP }],
  ])("refuses %j with ERR_CONFIG", (options) => {
    expectMoatError(() => csrfProtection(options as never), "ERR_CONFIG");
  });

  it("token() without a token option is ERR_CONFIG; insecureCookie drops Secure and the prefix", async () => {
    const plain = csrfProtection({ origin: APP });
    expectMoatError(() => plain.token({} as never, {} as never), "ERR_CONFIG");
    await start({
      origin: "http://localhost:3000",
      token: { secret: SECRET, sessionId: sessionOf, insecureCookie: true },
    });
    const reply = await request(server!.port, { path: "/form" });
    expect(reply.headers["set-cookie"]?.[0]).toMatch(/^csrf=[^;]+; Path=\/; SameSite=Lax$/);
  });

  it("a sessionId hook returning a non-string is a 500, not a pass", async () => {
    await start({ origin: APP, token: { secret: SECRET, sessionId: () => 42 as never } });
    const forged = `${"A".repeat(22)}.${"B".repeat(43)}`;
    const reply = await post({ cookie: `sid=s1; __Host-csrf=${forged}`, "x-csrf-token": forged });
    expect(reply.status).toBe(500);
    expect(handled).toBe(0);
  });
});
