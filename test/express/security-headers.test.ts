import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import {
  STRICT_CSP_DIRECTIVES,
  errorHandler,
  securityHeaders,
  type SecurityHeadersOptions,
} from "../../src/express/index.js";
import { MoatError } from "../../src/errors.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { listen, request, type Listening } from "./http.js";

const STRICT_CSP =
  "default-src 'self';base-uri 'none';connect-src 'self';font-src 'self';form-action 'self';frame-ancestors 'none';" +
  "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self';upgrade-insecure-requests";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function headersFor(options?: SecurityHeadersOptions, path = "/") {
  const app = express();
  app.use(options === undefined ? securityHeaders() : securityHeaders(options));
  app.get("/", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/boom", () => {
    throw new MoatError("ERR_FORBIDDEN");
  });
  app.use(errorHandler());
  server = await listen(app);
  return (await request(server.port, { path })).headers;
}

describe("securityHeaders", () => {
  it("sends every header with the expected value by default", async () => {
    const h = await headersFor();
    expect(h["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    expect(h["x-frame-options"]).toBe("DENY");
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["cross-origin-resource-policy"]).toBe("same-origin");
    expect(h["cross-origin-opener-policy"]).toBe("same-origin");
    expect(h["content-security-policy"]).toBe(STRICT_CSP);
    expect(h["referrer-policy"]).toBe("no-referrer");
    expect(h["origin-agent-cluster"]).toBe("?1");
    expect(h["x-dns-prefetch-control"]).toBe("off");
    expect(h["x-download-options"]).toBe("noopen");
    expect(h["x-permitted-cross-domain-policies"]).toBe("none");
    expect(h["x-xss-protection"]).toBe("0");
    expect(h["x-powered-by"]).toBeUndefined();
    expect(h["cross-origin-embedder-policy"]).toBeUndefined();
  });

  it("keeps a CSP stricter than helmet's: no inline styles, no other origins, no framing", () => {
    expect(STRICT_CSP_DIRECTIVES["style-src"]).toEqual(["'self'"]);
    expect(STRICT_CSP_DIRECTIVES["frame-ancestors"]).toEqual(["'none'"]);
    expect(JSON.stringify(STRICT_CSP_DIRECTIVES)).not.toMatch(/unsafe|https:/);
  });

  it("sends the headers on error responses too", async () => {
    const h = await headersFor(undefined, "/boom");
    expect(h["x-frame-options"]).toBe("DENY");
    expect(h["content-security-policy"]).toBe(STRICT_CSP);
  });

  it("merges CSP directives over the strict defaults, and removes one set to null", async () => {
    const h = await headersFor({
      contentSecurityPolicy: {
        directives: { "img-src": ["'self'", "https://cdn.example.com"], "upgrade-insecure-requests": null },
      },
    });
    const csp = h["content-security-policy"] ?? "";
    expect(csp).toContain("img-src 'self' https://cdn.example.com");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("upgrade-insecure-requests");
  });

  it("uses exactly the caller's policy with useDefaults: false, and none with false", async () => {
    expect(
      (await headersFor({ contentSecurityPolicy: { useDefaults: false, directives: { "default-src": ["'none'"] } } }))[
        "content-security-policy"
      ],
    ).toBe("default-src 'none'");
    await server?.close();
    server = undefined;
    expect((await headersFor({ contentSecurityPolicy: false }))["content-security-policy"]).toBeUndefined();
  });

  it("lets each helmet option be overridden", async () => {
    const h = await headersFor({
      xFrameOptions: { action: "sameorigin" },
      strictTransportSecurity: { maxAge: 63_072_000, preload: true },
    });
    expect(h["x-frame-options"]).toBe("SAMEORIGIN");
    expect(h["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains; preload");
    await server?.close();
    server = undefined;
    expect((await headersFor({ frameguard: false }))["x-frame-options"]).toBeUndefined();
  });

  it("computes a function-valued directive (a nonce) afresh on every response", async () => {
    let count = 0;
    const nonce = () => `'nonce-n${String((count += 1))}'`;
    const app = express();
    app.use(securityHeaders({ contentSecurityPolicy: { directives: { "script-src": ["'self'", nonce] } } }));
    app.get("/", (_req, res) => {
      res.json({ ok: true });
    });
    server = await listen(app);
    const first = (await request(server.port)).headers["content-security-policy"];
    const second = (await request(server.port)).headers["content-security-policy"];
    expect(first).toContain("script-src 'self' 'nonce-n1'");
    expect(second).toContain("script-src 'self' 'nonce-n2'");
  });

  it("sets its headers before the handler runs, which may still change them", async () => {
    const app = express();
    app.use(securityHeaders());
    app.get("/", (_req, res) => {
      res.setHeader("X-Frame-Options", "SAMEORIGIN");
      res.json({ seen: res.getHeader("referrer-policy") });
    });
    server = await listen(app);
    const reply = await request(server.port);
    expect(reply.json()).toEqual({ seen: "no-referrer" });
    expect(reply.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(reply.headers["x-powered-by"]).toBeUndefined();
  });

  it("turns helmet's complaints and wrong types into ERR_CONFIG", () => {
    expectMoatError(() => securityHeaders({ strictTransportSecurity: { maxAge: -1 } }), "ERR_CONFIG");
    expectMoatError(
      () => securityHeaders({ contentSecurityPolicy: { directives: { "script-src": ["'self'; evil"] } } }),
      "ERR_CONFIG",
    );
    expectMoatError(
      () => securityHeaders({ contentSecurityPolicy: { directives: { "default-src": null } } }),
      "ERR_CONFIG",
    );
    expectMoatError(() => securityHeaders({ xFrameOptions: { action: "allow" as "deny" } }), "ERR_CONFIG");
    for (const bad of WRONG_TYPES) {
      // undefined and {} are the defaults.
      const empty = typeof bad === "object" && bad !== null && !Array.isArray(bad);
      if (bad !== undefined && !empty)
        expectMoatError(() => securityHeaders(bad as SecurityHeadersOptions), "ERR_CONFIG");
    }
  });
});
