import express from "express";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../src/index.js";
import { errorHandler, requestContext, turnstile, type TurnstileMiddlewareOptions } from "../../src/express/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import {
  ACTION,
  HOSTNAME,
  SECRET,
  startSiteverifyServer,
  type SiteverifyServer,
} from "../turnstile/siteverify-server.js";
import { listen, request, type Listening } from "./http.js";

let verifier: SiteverifyServer;
beforeAll(async () => {
  verifier = await startSiteverifyServer();
});
afterAll(async () => {
  await verifier.close();
});

let server: Listening | undefined;
let reached = 0;
const failures: unknown[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  reached = 0;
  failures.length = 0;
});

async function start(options: Partial<TurnstileMiddlewareOptions> = {}) {
  const app = express();
  app.use(requestContext({ trustProxy: true }));
  app.use(express.urlencoded({ extended: false }));
  app.use(express.json());
  app.post(
    "/signup",
    turnstile({
      secret: SECRET,
      verifyUrl: verifier.url,
      expectedHostname: HOSTNAME,
      expectedAction: ACTION,
      onFailure: (f) => failures.push(f),
      ...options,
    }),
    (_req, res) => {
      reached += 1;
      res.json({ ok: true });
    },
  );
  app.use(errorHandler());
  server = await listen(app);
}

const form = (token: string, headers: Record<string, string> = {}) =>
  request(server!.port, {
    method: "POST",
    path: "/signup",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams({ email: "a@example.com", "cf-turnstile-response": token }).toString(),
  });

describe("turnstile middleware against a local siteverify server", () => {
  it("lets a solved challenge through, sending the client address and the secret only to the verifier", async () => {
    await start();
    const before = verifier.requests.length;
    const reply = await form("valid-ok-1", { "x-forwarded-for": "203.0.113.50" });
    expect(reply.status).toBe(200);
    expect(reached).toBe(1);
    const sent = verifier.requests[before];
    expect(sent?.params).toMatchObject({ secret: SECRET, response: "valid-ok-1", remoteip: "203.0.113.50" });
    expect(reply.text).not.toContain(SECRET);
  });

  it("refuses a replayed token, an invalid token and a missing token with one 403 answer", async () => {
    await start();
    expect((await form("valid-replay")).status).toBe(200);
    for (const token of ["valid-replay", "garbage", ""]) {
      const reply = await form(token);
      expect(reply.status, token).toBe(403);
      expect(reply.json()).toEqual({ error: "turnstile_failed" });
    }
    const noField = await request(server!.port, {
      method: "POST",
      path: "/signup",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(noField.status).toBe(403);
    expect(reached).toBe(1);
    expect(failures.map((f) => (f as { reason: string }).reason)).toEqual(["expired", "invalid", "missing", "missing"]);
  });

  it("refuses a token solved on another hostname or for another action", async () => {
    await start();
    expect((await form("other-host")).status).toBe(403);
    expect((await form("other-action")).status).toBe(403);
    expect(reached).toBe(0);
    expect(failures).toMatchObject([{ reason: "hostname_mismatch" }, { reason: "action_mismatch" }]);
  });

  it("fails closed when the verifier is down, errors, answers garbage or hangs", async () => {
    await start({ timeoutMs: 300 });
    for (const token of ["http-500", "not-json", "internal", "hang"]) {
      const reply = await form(token);
      expect(reply.status, token).toBe(403);
      expect(reply.json()).toEqual({ error: "turnstile_failed" });
    }
    await server?.close();
    const closed = await startSiteverifyServer();
    const url = closed.url;
    await closed.close();
    await start({ verifyUrl: url });
    const reply = await form("valid-down");
    expect(reply.status).toBe(403);
    expect(reached).toBe(0);
  });

  it("answers 500 ERR_INTERNAL, not 403, when the verifier rejects the secret itself", async () => {
    await start({ secret: "wrong-secret" });
    const reply = await form("valid-secret");
    expect(reply.status).toBe(500);
    expect(reply.json()).toEqual({ error: "ERR_INTERNAL" });
    expect(reached).toBe(0);
    expect(failures[0]).toBeInstanceOf(Error);
  });

  it("reads the token from the CF-Turnstile-Response header when the body has none, and from a custom field", async () => {
    await start({ secret: new Secret(SECRET) });
    const viaHeader = await request(server!.port, {
      method: "POST",
      path: "/signup",
      headers: { "content-type": "application/json", "cf-turnstile-response": "valid-header" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(viaHeader.status).toBe(200);
    await server?.close();
    await start({ field: "captcha" });
    const viaField = await request(server!.port, {
      method: "POST",
      path: "/signup",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ captcha: "valid-field" }),
    });
    expect(viaField.status).toBe(200);
  });

  it("refuses a non-string token in the body and an oversized one without asking the verifier", async () => {
    await start();
    const before = verifier.requests.length;
    const objectToken = await request(server!.port, {
      method: "POST",
      path: "/signup",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ "cf-turnstile-response": { $ne: "" } }),
    });
    expect(objectToken.status).toBe(403);
    expect((await form("valid-" + "x".repeat(3000))).status).toBe(403);
    expect(verifier.requests.length).toBe(before);
  });

  it("uses the fetch it is given", async () => {
    const urls: string[] = [];
    await start({
      fetch: async (url, init) => {
        urls.push(url);
        return fetch(url, init);
      },
    });
    expect((await form("valid-fetch")).status).toBe(200);
    expect(urls).toEqual([verifier.url]);
  });
});

describe("turnstile options", () => {
  it("refuses bad options with ERR_CONFIG", () => {
    for (const bad of WRONG_TYPES) expectMoatError(() => turnstile(bad as TurnstileMiddlewareOptions), "ERR_CONFIG");
    for (const bad of WRONG_TYPES.filter((v) => typeof v !== "string")) {
      expectMoatError(() => turnstile({ secret: bad } as TurnstileMiddlewareOptions), "ERR_CONFIG");
    }
    const cases: Record<string, unknown>[] = [
      { secret: "" },
      { secret: "s".repeat(513) },
      { secret: "s", field: "" },
      { secret: "s", field: "a b" },
      { secret: "s", expectedHostname: [] },
      { secret: "s", expectedHostname: "" },
      { secret: "s", expectedAction: "a".repeat(65) },
      { secret: "s", timeoutMs: 0 },
      { secret: "s", timeoutMs: 1.5 },
      { secret: "s", fetch: "fetch" },
      { secret: "s", verifyUrl: "ftp://example.test/x" },
      { secret: "s", verifyUrl: "not a url" },
      { secret: "s", onFailure: 1 },
      { secret: "s", endpoint: "http://example.test" },
    ];
    for (const bad of cases)
      expectMoatError(() => turnstile(bad as unknown as TurnstileMiddlewareOptions), "ERR_CONFIG");
  });

  it("never puts the secret in an ERR_CONFIG message", () => {
    const err = expectMoatError(() => turnstile({ secret: "super-secret-value", timeoutMs: -1 }), "ERR_CONFIG");
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain("super-secret-value");
  });
});
