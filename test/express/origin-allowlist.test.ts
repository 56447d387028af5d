import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { errorHandler, getWidgetKey, originAllowlist, type OriginAllowlistOptions } from "../../src/express/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { listen, request, type Listening } from "./http.js";

const SHOP = "https://shop.acme.com";
const BLOG = "https://blog.acme.com";
const OTHER = "https://evil.example";
const widgetKeys = { wk_live_acme: [SHOP, "http://localhost:3000"], wk_live_blog: [BLOG] };

let server: Listening | undefined;
let handled = 0;
afterEach(async () => {
  await server?.close();
  server = undefined;
  handled = 0;
});

async function start(options: Partial<OriginAllowlistOptions> = {}) {
  const app = express();
  app.use((_req, res, next) => {
    res.setHeader("vary", "Accept-Encoding");
    next();
  });
  app.use("/widget", originAllowlist({ widgetKeys, ...options }));
  app.all("/widget/{*rest}", (req, res) => {
    handled += 1;
    res.json({ key: getWidgetKey(req) ?? null });
  });
  app.use(errorHandler());
  server = await listen(app);
}

const get = (path: string, headers: Record<string, string>) => request(server!.port, { path, headers });
const preflight = (path: string, headers: Record<string, string>) =>
  request(server!.port, { method: "OPTIONS", path, headers: { "access-control-request-method": "POST", ...headers } });

describe("originAllowlist: actual requests", () => {
  it("lets a known key through from one of its origins, answering CORS for exactly that origin", async () => {
    await start();
    const reply = await get("/widget/config", { origin: SHOP, "x-widget-key": "wk_live_acme" });
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ key: "wk_live_acme" });
    expect(reply.headers["access-control-allow-origin"]).toBe(SHOP);
    expect(reply.headers.vary).toBe("Accept-Encoding, Origin");
    expect(reply.headers["access-control-expose-headers"]).toBe("x-request-id");
    expect(reply.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("reads the key from the query string too", async () => {
    await start();
    const reply = await get("/widget/config?widget_key=wk_live_blog", { origin: BLOG });
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ key: "wk_live_blog" });
  });

  it("gives the same 403, without CORS headers, for an unknown key, a wrong origin, or none", async () => {
    await start();
    const cases: Record<string, string>[] = [
      { origin: SHOP, "x-widget-key": "wk_live_nope" },
      { origin: OTHER, "x-widget-key": "wk_live_acme" },
      { origin: BLOG, "x-widget-key": "wk_live_acme" },
      { origin: "null", "x-widget-key": "wk_live_acme" },
      { origin: `${SHOP}.evil.example`, "x-widget-key": "wk_live_acme" },
      { origin: "https://SHOP.acme.com.", "x-widget-key": "wk_live_acme" },
      { "x-widget-key": "wk_live_acme" },
      { origin: SHOP },
    ];
    for (const headers of cases) {
      const reply = await get("/widget/config", headers);
      expect(reply.status, JSON.stringify(headers)).toBe(403);
      expect(reply.text).toBe('{"error":"ERR_FORBIDDEN"}');
      expect(reply.headers["access-control-allow-origin"]).toBeUndefined();
    }
    expect(handled).toBe(0);
  });

  it("refuses a request whose header and query name different keys, or the query names two", async () => {
    await start();
    expect(
      (await get("/widget/x?widget_key=wk_live_blog", { origin: SHOP, "x-widget-key": "wk_live_acme" })).status,
    ).toBe(403);
    expect((await get("/widget/x?widget_key=wk_live_acme&widget_key=wk_live_blog", { origin: SHOP })).status).toBe(403);
    expect(
      (await get("/widget/x?widget_key=wk_live_acme", { origin: SHOP, "x-widget-key": "wk_live_acme" })).status,
    ).toBe(200);
  });

  it("allows credentials only when asked to", async () => {
    await start({ credentials: true, exposedHeaders: [] });
    const reply = await get("/widget/x", { origin: SHOP, "x-widget-key": "wk_live_acme" });
    expect(reply.headers["access-control-allow-credentials"]).toBe("true");
    expect(reply.headers["access-control-expose-headers"]).toBeUndefined();
  });
});

describe("originAllowlist: preflights", () => {
  it("answers a preflight carrying the key in the query with 204 and the allowed methods and headers", async () => {
    await start();
    const reply = await preflight("/widget/submit?widget_key=wk_live_acme", {
      origin: SHOP,
      "access-control-request-headers": "content-type, x-widget-key",
    });
    expect(reply.status).toBe(204);
    expect(reply.headers["access-control-allow-origin"]).toBe(SHOP);
    expect(reply.headers["access-control-allow-methods"]).toBe("GET, HEAD, POST");
    expect(reply.headers["access-control-allow-headers"]).toBe("content-type, x-widget-key");
    expect(reply.headers["access-control-max-age"]).toBe("600");
    expect(reply.headers.vary).toBe(
      "Accept-Encoding, Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    );
    expect(handled).toBe(0);
  });

  it("answers a preflight without a key for an origin some key lists, leaving the key check to the request", async () => {
    await start({ methods: ["POST"], allowedHeaders: ["Content-Type", "X-Requested-With"], maxAgeSeconds: 60 });
    const ok = await preflight("/widget/submit", { origin: BLOG });
    expect(ok.status).toBe(204);
    expect(ok.headers["access-control-allow-methods"]).toBe("POST");
    expect(ok.headers["access-control-allow-headers"]).toBe("content-type, x-requested-with, x-widget-key");
    expect(ok.headers["access-control-max-age"]).toBe("60");
    // … but the actual request with the blog's origin and the shop's key is refused.
    expect((await get("/widget/submit", { origin: BLOG, "x-widget-key": "wk_live_acme" })).status).toBe(403);
  });

  it("refuses preflights from unlisted origins or with an unknown or mismatched key", async () => {
    await start();
    for (const [path, origin] of [
      ["/widget/submit", OTHER],
      ["/widget/submit?widget_key=wk_live_nope", SHOP],
      ["/widget/submit?widget_key=wk_live_blog", SHOP],
    ] as const) {
      const reply = await preflight(path, { origin });
      expect(reply.status).toBe(403);
      expect(reply.headers["access-control-allow-origin"]).toBeUndefined();
    }
  });
});

describe("originAllowlist: configuration", () => {
  it("accepts only exact origins", () => {
    for (const origin of [
      "https://shop.acme.com/",
      "https://shop.acme.com/path",
      "*",
      "null",
      "shop.acme.com",
      "https://*.acme.com",
      "https://shop.acme.com:443",
      "",
    ]) {
      expectMoatError(() => originAllowlist({ widgetKeys: { k: [origin] } }), "ERR_CONFIG");
    }
    expect(() =>
      originAllowlist({ widgetKeys: { k: ["https://shop.acme.com:8443", "http://127.0.0.1:3000"] } }),
    ).not.toThrow();
  });

  it("rejects empty or malformed keys and options", () => {
    expectMoatError(() => originAllowlist({ widgetKeys: {} }), "ERR_CONFIG");
    expectMoatError(() => originAllowlist({ widgetKeys: { k: [] } }), "ERR_CONFIG");
    expectMoatError(() => originAllowlist({ widgetKeys: { "bad key": [SHOP] } }), "ERR_CONFIG");
    expectMoatError(() => originAllowlist({ widgetKeys, methods: ["post"] }), "ERR_CONFIG");
    expectMoatError(() => originAllowlist({ widgetKeys, maxAgeSeconds: -1 }), "ERR_CONFIG");
    expectMoatError(() => originAllowlist({ widgetKeys, header: "x widget" }), "ERR_CONFIG");
    expectMoatError(() => originAllowlist({ widgetKeys, origins: [SHOP] } as never), "ERR_CONFIG");
    for (const bad of WRONG_TYPES) {
      expectMoatError(() => originAllowlist(bad as never), "ERR_CONFIG");
      expectMoatError(() => originAllowlist({ widgetKeys: bad } as never), "ERR_CONFIG");
    }
  });
});
