/**
 * One client address per request, behind proxies: the README's pattern (requestContext with
 * trustProxy, limiter.consume / createLogin / verifyTurnstile with clientAddress(req)) on a real
 * express app whose own `trust proxy` is left at its default, as in the issue. The test client
 * connects from 127.0.0.1 and plays the proxy, appending the client in X-Forwarded-For.
 */
import express from "express";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createMemoryAuditStore, createMemoryRateLimitStore } from "../../src/adapters/memory/index.js";
import {
  auditContextFromRequest,
  createAuditLog,
  type AuditLog,
  type AuditRequestDetails,
} from "../../src/audit/index.js";
import {
  auditTrail,
  clientAddress,
  errorHandler,
  getRequestContext,
  rateLimit,
  recordAudit,
  requestContext,
  type RequestContextOptions,
} from "../../src/express/index.js";
import { createLogin, hashPassword } from "../../src/passwords/index.js";
import { createRateLimiter, loginLimiter } from "../../src/ratelimit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { verifyTurnstile } from "../../src/turnstile/index.js";
import { HOSTNAME, SECRET, startSiteverifyServer, type SiteverifyServer } from "../turnstile/siteverify-server.js";
import { expectMoatError } from "../helpers/assertions.js";
import { listen, request, thrownInBareHandler, type Listening } from "./http.js";

const PASSWORD = "correct horse battery staple";
const ALICE = "198.51.100.1";
const BOB = "198.51.100.2";

let verifier: SiteverifyServer;
beforeAll(async () => {
  verifier = await startSiteverifyServer();
});
afterAll(async () => {
  await verifier.close();
});

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

/** A fresh express app (its `trust proxy` left at the default: no proxy) with requestContext(). */
function appWith(options: RequestContextOptions, configure?: (app: express.Express) => void): express.Express {
  const app = express();
  configure?.(app);
  app.use(requestContext(options));
  app.use(express.json());
  return app;
}

const events = async (log: AuditLog, orgId: string) => (await log.query({ orgId, limit: 100, order: "asc" })).events;
const via = (client: string): Record<string, string> => ({
  "x-forwarded-for": client,
  "content-type": "application/json",
});
const post = (path: string, client: string, body: unknown = {}) =>
  request(server!.port, { method: "POST", path, headers: via(client), body: JSON.stringify(body) });

describe("the README's pattern behind a trusted proxy", () => {
  it("limiter.consume(clientAddress(req)) and Turnstile: two clients get two buckets", async () => {
    const limiter = loginLimiter({ now: fakeClock().now });
    const app = appWith({ trustProxy: "loopback" });
    app.post("/login", async (req, res) => {
      const limit = await limiter.consume(clientAddress(req));
      if (!limit.ok) return void res.status(429).end();
      const token: unknown = (req.body as Record<string, unknown>)["cf-turnstile-response"];
      const captcha = await verifyTurnstile(token, {
        secret: SECRET,
        endpoint: verifier.url,
        expectedHostname: HOSTNAME,
        remoteIp: clientAddress(req),
      });
      res.status(captcha.ok ? 200 : 403).end();
    });
    server = await listen(app);
    for (let i = 1; i <= 50; i += 1) expect((await post("/login", ALICE)).status, `attempt ${String(i)}`).toBe(403);
    expect((await post("/login", ALICE)).status).toBe(429);
    // Alice being throttled does not lock Bob out, and Cloudflare hears of Bob's own address.
    expect((await post("/login", BOB, { "cf-turnstile-response": "valid-bob" })).status).toBe(200);
    expect(verifier.requests.at(-1)?.params.remoteip).toBe(BOB);
  });

  it("createLogin's limiter with ip: clientAddress(req): two clients get two buckets", async () => {
    const passwordHash = await hashPassword(PASSWORD, { cost: 4 });
    const { login } = createLogin({
      findUser: (email) => Promise.resolve(email === "ada@example.com" ? { passwordHash } : null),
      limiter: createRateLimiter({ store: createMemoryRateLimitStore(), keyPrefix: "l", points: 3, duration: "15m" }),
      cost: 4,
    });
    const app = appWith({ trustProxy: 1 });
    app.post("/login", async (req, res) => {
      const body = req.body as { email: string; password: string };
      const result = await login({ identifier: body.email, password: body.password, ip: clientAddress(req) });
      res.status(result.ok ? 200 : result.reason === "rate_limited" ? 429 : 401).end();
    });
    server = await listen(app);
    const attempt = (client: string, password: string) =>
      post("/login", client, { email: "ada@example.com", password });
    for (let i = 0; i < 3; i += 1) expect((await attempt(ALICE, "wrong")).status).toBe(401);
    expect((await attempt(ALICE, PASSWORD)).status).toBe(429);
    expect((await attempt(BOB, PASSWORD)).status).toBe(200);
  });

  it("auditTrail, recordAudit and auditContextFromRequest record each client's own address", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const seen: AuditRequestDetails[] = [];
    const app = appWith({ trustProxy: "loopback" });
    app.use(auditTrail(log, { orgId: () => "org_1" }));
    app.post("/notes", (_req, res) => res.status(201).end());
    app.post("/explicit", async (req, res) => {
      // Without options it takes requestContext()'s address; an explicit trustProxy is its own.
      seen.push(auditContextFromRequest(req), auditContextFromRequest(req, { trustProxy: false }));
      await recordAudit(req, { action: "note.pin", target: { type: "note", id: "n1" } });
      res.status(204).end();
    });
    server = await listen(app);
    await post("/notes", ALICE);
    await post("/explicit", BOB);
    await vi.waitFor(async () => {
      expect(await events(log, "org_1")).toHaveLength(2);
    });
    const ips = (await events(log, "org_1")).map((e) => [e.action, e.ip]);
    expect(ips).toEqual([
      ["POST /notes", ALICE],
      ["note.pin", BOB],
    ]);
    expect(seen.map((d) => d.ip)).toEqual([BOB, "127.0.0.1"]);
  });

  it("rateLimit() counts one IPv6 client rotating addresses inside its /64 in one bucket", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "r",
      points: 3,
      duration: "1m",
    });
    const app = appWith({ trustProxy: "loopback" });
    app.use(rateLimit(limiter));
    app.all("/{*rest}", (_req, res) => res.json({ ok: true }));
    app.use(errorHandler());
    server = await listen(app);
    const statuses = [];
    for (let i = 1; i <= 6; i += 1) statuses.push((await post("/", `2001:db8:5:6:${String(i)}::${String(i)}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect((await post("/", "2001:db8:5:7::1")).status).toBe(200);
    // An IPv4-mapped address is its IPv4 address.
    for (let i = 0; i < 3; i += 1) expect((await post("/", "203.0.113.9")).status).toBe(200);
    expect((await post("/", "::ffff:203.0.113.9")).status).toBe(429);
  });
});

describe("an untrusted peer cannot choose its address", () => {
  it("X-Forwarded-For from a peer outside trustProxy is ignored by every helper", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "u",
      points: 1,
      duration: "1m",
    });
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const app = appWith({ trustProxy: "10.0.0.0/8" }); // the test client, 127.0.0.1, is not a proxy
    app.use(auditTrail(log, { orgId: () => "org_u" }));
    app.post("/login", async (req, res) => {
      const limit = await limiter.consume(clientAddress(req));
      res.status(limit.ok ? 200 : 429).json({ ip: clientAddress(req) });
    });
    server = await listen(app);
    const first = await post("/login", ALICE);
    expect(first.json()).toEqual({ ip: "127.0.0.1" });
    expect((await post("/login", BOB)).status).toBe(429); // a new forged address is the same bucket
    await vi.waitFor(async () => {
      expect((await events(log, "org_u")).map((e) => e.ip)).toEqual(["127.0.0.1"]);
    });
  });
});

describe("requestContext: moatkit's trustProxy against express's trust proxy", () => {
  const warnings = () => vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);

  async function serve(options: RequestContextOptions, configure?: (app: express.Express) => void) {
    const app = appWith(options, configure);
    app.all("/{*rest}", (req, res) => res.json({ moatkit: clientAddress(req), express: req.ip }));
    server = await listen(app);
  }

  it("warns once, naming both settings and no address, when they disagree on a request", async () => {
    const spy = warnings();
    await serve({ trustProxy: "loopback" });
    expect((await post("/", ALICE)).json()).toEqual({ moatkit: ALICE, express: "127.0.0.1" });
    await post("/", BOB);
    expect(spy).toHaveBeenCalledTimes(1);
    const [message, options] = spy.mock.calls[0] as [string, { code: string }];
    expect(message).toContain("requestContext({ trustProxy })");
    expect(message).toContain('app.set("trust proxy", …)');
    expect(message).toContain("clientAddress(req)");
    expect(message).not.toContain(ALICE);
    expect(message).not.toContain("127.0.0.1");
    expect(options).toEqual({ code: "MOATKIT_TRUST_PROXY_MISMATCH" });
  });

  it("stays quiet when both settings agree, without X-Forwarded-For, and when only express's is used", async () => {
    const spy = warnings();
    await serve({ trustProxy: "loopback" }, (app) => app.set("trust proxy", "loopback"));
    expect((await post("/", ALICE)).json()).toEqual({ moatkit: ALICE, express: ALICE });
    await server!.close();
    await serve({ trustProxy: "loopback" });
    await request(server!.port);
    await server!.close();
    await serve({}, (app) => app.set("trust proxy", 1));
    expect((await post("/", BOB)).json()).toEqual({ moatkit: BOB, express: BOB });
    expect(spy).not.toHaveBeenCalled();
  });

  it("clientAddress is the address of getRequestContext, and needs requestContext()", async () => {
    const app = appWith({ trustProxy: true });
    app.get("/", (req, res) => res.json({ same: clientAddress(req) === getRequestContext(req).ip }));
    server = await listen(app);
    expect((await request(server.port, { headers: { "x-forwarded-for": "::ffff:192.0.2.1" } })).json()).toEqual({
      same: true,
    });
    const thrown = await thrownInBareHandler((req) => clientAddress(req));
    expectMoatError(() => {
      throw thrown;
    }, "ERR_CONFIG");
  });
});
