import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import {
  errorHandler,
  getRequestContext,
  rateLimit,
  requestContext,
  type RateLimitOptions,
} from "../../src/express/index.js";
import { createMemoryRateLimitStore } from "../../src/adapters/memory/index.js";
import { createRedisRateLimitStore } from "../../src/adapters/redis/index.js";
import { createRateLimiter, type RateLimiter } from "../../src/ratelimit/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { describeEveryRedis } from "../helpers/redis.js";
import { listen, request, type Listening } from "./http.js";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(limiter: RateLimiter, options?: RateLimitOptions, trustProxy: boolean = false) {
  const app = express();
  app.use(requestContext({ trustProxy }));
  app.use(rateLimit(limiter, options));
  app.all("/{*rest}", (_req, res) => {
    res.json({ ok: true });
  });
  app.use(errorHandler());
  server = await listen(app);
  return server;
}

const get = (headers: Record<string, string> = {}, path = "/") => request(server!.port, { path, headers });

async function exhaust(limiter: RateLimiter, headers: Record<string, string> = {}) {
  for (let i = 1; i <= limiter.points; i += 1) {
    const reply = await get(headers);
    expect(reply.status, `request ${String(i)}`).toBe(200);
  }
}

describe("rateLimit: memory limiter over HTTP", () => {
  it("lets 50 requests through with draft headers, then answers the 51st 429 with Retry-After", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 50,
      duration: "1m",
    });
    await start(limiter);
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers["ratelimit-policy"]).toBe("50;w=60");
    expect(first.headers.ratelimit).toMatch(/^limit=50, remaining=49, reset=(60|59)$/);
    for (let i = 2; i <= 50; i += 1) expect((await get()).status).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.json()).toEqual({ error: "rate_limited" });
    const retry = Number(refused.headers["retry-after"]);
    expect(Number.isInteger(retry) && retry >= 1 && retry <= 60).toBe(true);
    expect(refused.headers["ratelimit-policy"]).toBe("50;w=60");
    expect(refused.headers.ratelimit).toMatch(/^limit=50, remaining=0, reset=\d+$/);
    expect(refused.headers["cache-control"]).toBe("no-store");
  });

  it("keeps a bucket per client address with a key function per IP", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 3,
      duration: "1m",
    });
    await start(limiter, { key: (req) => `ip:${getRequestContext(req).ip ?? "none"}` }, true);
    const alice = { "x-forwarded-for": "203.0.113.7" };
    const bob = { "x-forwarded-for": "198.51.100.9" };
    await exhaust(limiter, alice);
    expect((await get(alice)).status).toBe(429);
    expect((await get(bob)).status).toBe(200);
    expect((await get(bob)).headers.ratelimit).toMatch(/remaining=1,/);
  });

  it("uses the client address from requestContext by default", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 2,
      duration: "1m",
    });
    await start(limiter);
    await exhaust(limiter);
    expect((await get()).status).toBe(429);
    expect(await limiter.consume("ip:127.0.0.1")).toMatchObject({ ok: false });
  });

  it("takes cost points per request, from a number or a function", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 10,
      duration: "1m",
    });
    await start(limiter, { cost: (req) => (req.url?.startsWith("/export") === true ? 5 : 1) });
    expect((await get({}, "/export")).headers.ratelimit).toMatch(/remaining=5,/);
    expect((await get({}, "/export")).headers.ratelimit).toMatch(/remaining=0,/);
    expect((await get({}, "/")).status).toBe(429);

    await server?.close();
    const fixed = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 10,
      duration: "1m",
    });
    await start(fixed, { cost: 4 });
    expect((await get()).headers.ratelimit).toMatch(/remaining=6,/);
  });

  it("omits the draft headers with headers: false but still sends Retry-After on 429", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 1,
      duration: "10s",
    });
    await start(limiter, { headers: false });
    const ok = await get();
    expect(ok.headers.ratelimit).toBeUndefined();
    expect(ok.headers["ratelimit-policy"]).toBeUndefined();
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toMatch(/^\d+$/);
    expect(refused.headers.ratelimit).toBeUndefined();
  });

  it("reports Retry-After for the block, not the window, when the limiter blocks", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 1,
      duration: "1s",
      blockDuration: "15m",
    });
    await start(limiter);
    await get();
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(800);
  });

  it("fails closed: a limiter that throws answers 500 ERR_INTERNAL and never reaches the route", async () => {
    let reached = 0;
    const errors: unknown[] = [];
    const broken: RateLimiter = {
      points: 5,
      durationMs: 60_000,
      consume: () => Promise.reject(new Error("store down")),
      reset: () => Promise.resolve(),
    };
    const app = express();
    app.use(requestContext());
    app.use(rateLimit(broken, { onError: (err) => errors.push(err) }));
    app.use((_req, res) => {
      reached += 1;
      res.json({ ok: true });
    });
    server = await listen(app);
    const reply = await get();
    expect(reply.status).toBe(500);
    expect(reply.json()).toEqual({ error: "ERR_INTERNAL" });
    expect(reply.text).not.toContain("store down");
    expect(reached).toBe(0);
    expect(errors).toHaveLength(1);
  });

  it("fails closed when the key function throws, returns a non-string, or an oversized key", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 5,
      duration: "1m",
    });
    const keys: RateLimitOptions["key"][] = [
      () => {
        throw new Error("boom");
      },
      () => 42 as unknown as string,
      () => "",
      () => "k".repeat(600),
      () => Promise.reject(new Error("async boom")),
    ];
    for (const key of keys) {
      await start(limiter, {
        key,
        onError: () => {
          throw new Error("a throwing onError is ignored");
        },
      });
      const reply = await get();
      expect(reply.status).toBe(500);
      expect(reply.json()).toEqual({ error: "ERR_INTERNAL" });
      await server?.close();
      server = undefined;
    }
  });

  it("fails closed when requestContext() did not run and no key is given", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 5,
      duration: "1m",
    });
    const app = express();
    app.use(rateLimit(limiter));
    app.use((_req, res) => res.json({ ok: true }));
    server = await listen(app);
    expect((await get()).status).toBe(500);
  });

  it("treats a hostile key header value as just another bucket", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 1,
      duration: "1m",
    });
    await start(limiter, { key: (req) => `tenant:${String(req.headers["x-tenant"] ?? "none")}` });
    expect((await get({ "x-tenant": "a\u00e9%00" })).status).toBe(200);
    expect((await get({ "x-tenant": "a\u00e9%00" })).status).toBe(429);
    expect((await get({ "x-tenant": "other" })).status).toBe(200);
  });
});

describeEveryRedis("rateLimit over HTTP", ({ redis, prefix }) => {
  it("counts across two app instances sharing Redis, refusing the 51st request with Retry-After", async () => {
    const make = () =>
      createRateLimiter({
        store: createRedisRateLimitStore({ redis: redis(), keyPrefix: prefix }),
        keyPrefix: "mw",
        points: 50,
        duration: "1m",
      });
    const one = express();
    one.use(requestContext());
    one.use(rateLimit(make()));
    one.use((_req, res) => res.json({ app: 1 }));
    const serverOne = await listen(one);
    const two = express();
    two.use(requestContext());
    two.use(rateLimit(make()));
    two.use((_req, res) => res.json({ app: 2 }));
    const serverTwo = await listen(two);
    try {
      for (let i = 1; i <= 50; i += 1) {
        const reply = await request(i % 2 === 0 ? serverOne.port : serverTwo.port);
        expect(reply.status, `request ${String(i)}`).toBe(200);
        expect(reply.headers.ratelimit).toMatch(new RegExp(`^limit=50, remaining=${String(50 - i)}, reset=\\d+$`));
      }
      const refused = await request(serverOne.port);
      expect(refused.status).toBe(429);
      expect(refused.json()).toEqual({ error: "rate_limited" });
      expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
    } finally {
      await serverOne.close();
      await serverTwo.close();
    }
  });

  it("fails closed when Redis cannot be reached", async () => {
    const { Redis } = await import("ioredis");
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    const limiter = createRateLimiter({
      store: createRedisRateLimitStore({ redis: dead, keyPrefix: prefix }),
      keyPrefix: "dead",
      points: 5,
      duration: "1m",
    });
    let reached = 0;
    const app = express();
    app.use(requestContext());
    app.use(rateLimit(limiter));
    app.use((_req, res) => {
      reached += 1;
      res.json({});
    });
    server = await listen(app);
    try {
      const reply = await get();
      expect(reply.status).toBe(500);
      expect(reached).toBe(0);
    } finally {
      dead.disconnect();
    }
  });
});

describe("rateLimit: options", () => {
  const limiter = createRateLimiter({ store: createMemoryRateLimitStore(), keyPrefix: "t", points: 5, duration: "1m" });

  it("refuses something that is not a RateLimiter", () => {
    for (const bad of [
      ...WRONG_TYPES,
      { consume: () => 1 },
      { consume: () => 1, points: 0, durationMs: 1000 },
      { consume: () => 1, points: 1, durationMs: -1 },
      { consume: () => 1, points: 1, durationMs: 1000, ipv6Prefix: 16 },
      { consume: () => 1, points: 1, durationMs: 1000, ipv6Prefix: "64" },
    ]) {
      expectMoatError(() => rateLimit(bad as RateLimiter), "ERR_CONFIG");
    }
  });

  it("refuses options of the wrong type, unknown options and bad costs", () => {
    for (const bad of WRONG_TYPES.filter(
      (v) => v !== undefined && !(typeof v === "object" && v !== null && !Array.isArray(v)),
    )) {
      expectMoatError(() => rateLimit(limiter, bad as RateLimitOptions), "ERR_CONFIG");
    }
    for (const bad of WRONG_TYPES.filter((v) => v !== undefined && typeof v !== "function")) {
      expectMoatError(() => rateLimit(limiter, { key: bad } as unknown as RateLimitOptions), "ERR_CONFIG");
      expectMoatError(() => rateLimit(limiter, { onError: bad } as unknown as RateLimitOptions), "ERR_CONFIG");
    }
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, 2e9, "1", null]) {
      expectMoatError(() => rateLimit(limiter, { cost: bad } as unknown as RateLimitOptions), "ERR_CONFIG");
    }
    expectMoatError(() => rateLimit(limiter, { headers: "yes" } as unknown as RateLimitOptions), "ERR_CONFIG");
    expectMoatError(() => rateLimit(limiter, { keys: () => "x" } as unknown as RateLimitOptions), "ERR_CONFIG");
  });
});
