/**
 * A dependency that is down is answered 503 with Retry-After, not 500, and never let through.
 * Found by `npm run chaos`: during a PostgreSQL restart and a Redis stop every request that needed
 * them was refused (good) but as 500 ERR_INTERNAL, which tells clients and load balancers that
 * retrying is pointless. The drivers here are real: pg and ioredis against a port nobody listens on.
 */
import { createServer } from "node:net";
import express from "express";
import { Redis } from "ioredis";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fromPgPool } from "../../src/adapters/postgres/index.js";
import { createRedisRateLimitStore } from "../../src/adapters/redis/index.js";
import { MoatError } from "../../src/errors.js";
import { errorHandler, rateLimit, requestContext } from "../../src/express/index.js";
import { isDependencyUnavailable } from "../../src/express/unavailable.js";
import { createRateLimiter, type RateLimiter } from "../../src/ratelimit/index.js";
import { type Listening, listen, request } from "./http.js";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** An app whose one route throws what `fail` rejects with. */
async function throwing(fail: () => Promise<unknown>): Promise<Listening> {
  const app = express();
  app.get("/", async () => {
    await fail();
  });
  app.use(errorHandler());
  server = await listen(app);
  return server;
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

function pgError(code: string): Error {
  return Object.assign(new Error("terminating connection due to administrator command"), { code, severity: "FATAL" });
}

describe("errorHandler: an unavailable database or cache", () => {
  it("answers 503 ERR_SERVICE_UNAVAILABLE with Retry-After for a pg pool whose server refuses connections", async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${String(await closedPort())}/x` });
    pool.on("error", () => undefined);
    const db = fromPgPool(pool);
    try {
      const { port } = await throwing(() => db.transaction((tx) => tx.query("SELECT 1")));
      const reply = await request(port, { path: "/" });
      expect(reply.status).toBe(503);
      expect(reply.json()).toEqual({ error: "ERR_SERVICE_UNAVAILABLE" });
      expect(reply.headers["retry-after"]).toBe("1");
      expect(reply.text).not.toContain("127.0.0.1");
    } finally {
      await pool.end();
    }
  });

  it.each([
    ["a refused connection (ECONNREFUSED)", systemError("ECONNREFUSED")],
    ["a reset connection (ECONNRESET)", systemError("ECONNRESET")],
    ["a server shutting down (57P01)", pgError("57P01")],
    ["a server starting up (57P03)", pgError("57P03")],
    ["a connection exception (08006)", pgError("08006")],
    ["too many connections (53300)", pgError("53300")],
    ["pg's dropped connection", new Error("Connection terminated unexpectedly")],
    ["pg's pool timeout", new Error("timeout exceeded when trying to connect")],
    [
      "ioredis giving up on a command",
      Object.assign(new Error("Reached the max retries per request limit"), { name: "MaxRetriesPerRequestError" }),
    ],
    [
      "ERR_STORE caused by a refused connection",
      new MoatError("ERR_STORE", { message: "store failed", cause: systemError("ECONNREFUSED") }),
    ],
  ])("answers 503 for %s", async (_name, error) => {
    const { port } = await throwing(() => Promise.reject(error));
    const reply = await request(port, { path: "/" });
    expect(reply.status).toBe(503);
    expect(reply.json()).toEqual({ error: "ERR_SERVICE_UNAVAILABLE" });
    expect(reply.headers["retry-after"]).toBe("1");
  });

  it.each([
    ["a unique violation (23505)", pgError("23505")],
    ["a syntax error (42601)", pgError("42601")],
    ["ERR_STORE without a cause", new MoatError("ERR_STORE", { message: "store returned nonsense" })],
    ["ERR_DECRYPT", new MoatError("ERR_DECRYPT")],
    ["a plain Error", new Error("boom")],
    ["a plain object that looks like a dropped connection", { message: "Connection terminated unexpectedly" }],
  ])("keeps 500 ERR_INTERNAL for %s", async (_name, error) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a non-Error is one of the cases
    const { port } = await throwing(() => Promise.reject(error));
    const reply = await request(port, { path: "/" });
    expect(reply.status).toBe(500);
    expect(reply.json()).toEqual({ error: "ERR_INTERNAL" });
  });
});

describe("isDependencyUnavailable on hostile values", () => {
  it("stops on a cause cycle and on properties that throw", () => {
    const cyclic: Error & { cause?: unknown } = new Error("a");
    cyclic.cause = cyclic;
    expect(isDependencyUnavailable(cyclic)).toBe(false);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
      },
    );
    expect(isDependencyUnavailable(hostile)).toBe(false);
    expect(isDependencyUnavailable(new MoatError("ERR_STORE", { cause: hostile }))).toBe(false);
  });

  it.each([undefined, null, 0, "", "ECONNREFUSED", [], Symbol("x")])("is false for %s", (value) => {
    expect(isDependencyUnavailable(value)).toBe(false);
  });

  it("looks only a few causes deep", () => {
    let error: unknown = systemError("ECONNREFUSED");
    for (let i = 0; i < 10; i++) error = new MoatError("ERR_STORE", { cause: error });
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});

describe("rateLimit: a limiter store that cannot be reached", () => {
  it("answers 503 with Retry-After for an unreachable Redis and never reaches the route", async () => {
    const redis = new Redis(await closedPort(), "127.0.0.1", {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 20,
    });
    redis.on("error", () => undefined);
    const limiter: RateLimiter = createRateLimiter({
      store: createRedisRateLimitStore({ redis }),
      keyPrefix: "down",
      points: 5,
      duration: "1m",
    });
    let reached = 0;
    const errors: unknown[] = [];
    const app = express();
    app.use(requestContext());
    app.use(rateLimit(limiter, { onError: (err) => errors.push(err) }));
    app.use((_req, res) => {
      reached += 1;
      res.json({ ok: true });
    });
    server = await listen(app);
    try {
      const reply = await request(server.port, { path: "/" });
      expect(reply.status).toBe(503);
      expect(reply.json()).toEqual({ error: "ERR_SERVICE_UNAVAILABLE" });
      expect(reply.headers["retry-after"]).toBe("1");
      expect(reached).toBe(0);
      expect(errors).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
  });
});
