import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import express from "express";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  currentRequestContext,
  getRequestContext,
  requestContext,
  type RequestContext,
  type RequestContextOptions,
} from "../../src/express/index.js";
import { forwardedClientAddress, compileTrust, type TrustProxy } from "../../src/_internal/client-ip.js";
import { generateRequestId, isWellFormedRequestId } from "../../src/express/request-id.js";
import { isMoatError } from "../../src/errors.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { listen, request, thrownInBareHandler, type Listening } from "./http.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function contextFor(
  options: RequestContextOptions | undefined,
  headers: Record<string, string> = {},
  path = "/ctx",
  configure?: (app: express.Express) => void,
) {
  const app = express();
  configure?.(app);
  app.use(requestContext(options));
  app.all("/{*rest}", (req, res) => {
    res.json({ fromReq: getRequestContext(req), fromStorage: currentRequestContext() });
  });
  server = await listen(app);
  const reply = await request(server.port, { path, headers });
  const body = reply.json() as { fromReq: RequestContext; fromStorage: RequestContext };
  await server.close();
  server = undefined;
  return { ...body, header: reply.headers["x-request-id"] };
}

describe("requestContext: request ids", () => {
  it("generates a UUID v4 and sends it back when the caller sent none", async () => {
    const { fromReq, fromStorage, header } = await contextFor(undefined);
    expect(fromReq.requestId).toMatch(UUID_V4);
    expect(header).toBe(fromReq.requestId);
    expect(fromStorage).toEqual(fromReq);
  });

  it("keeps a well-formed incoming X-Request-Id", async () => {
    const { fromReq, header } = await contextFor(undefined, { "x-request-id": "req_01J9Z6T3K8Q2M4N6P8R0S2T4V6" });
    expect(fromReq.requestId).toBe("req_01J9Z6T3K8Q2M4N6P8R0S2T4V6");
    expect(header).toBe("req_01J9Z6T3K8Q2M4N6P8R0S2T4V6");
  });

  it("replaces a malformed or oversized incoming id", async () => {
    for (const bad of ["has space", "<script>", "x".repeat(129), "a\tb", "ünïcode", "id;drop"]) {
      const { fromReq } = await contextFor(undefined, { "x-request-id": bad });
      expect(fromReq.requestId, bad).toMatch(UUID_V4);
    }
  });

  it("always makes a new id with acceptIncomingId: false, and honours a custom header", async () => {
    expect((await contextFor({ acceptIncomingId: false }, { "x-request-id": "abc" })).fromReq.requestId).toMatch(
      UUID_V4,
    );
    const app = express();
    app.use(requestContext({ header: "X-Correlation-Id" }));
    app.get("/", (req, res) => res.json(getRequestContext(req)));
    server = await listen(app);
    const reply = await request(server.port, { headers: { "x-correlation-id": "corr-1" } });
    expect((reply.json() as RequestContext).requestId).toBe("corr-1");
    expect(reply.headers["x-correlation-id"]).toBe("corr-1");
  });

  it("builds ids from the injected random source", () => {
    expect(generateRequestId((n) => new Uint8Array(n))).toBe("00000000-0000-4000-8000-000000000000");
    expect(generateRequestId((n) => new Uint8Array(n).fill(0xff))).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) =>
        UUID_V4.test(generateRequestId(() => bytes)),
      ),
    );
    expect(isWellFormedRequestId("")).toBe(false);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        (text) => !isWellFormedRequestId(text) || /^[\x21-\x7e]{1,128}$/.test(text),
      ),
    );
  });
});

describe("requestContext: client, agent, path, time", () => {
  it("records the user agent (truncated), the method, the path without query, and startedAt from now()", async () => {
    const { fromReq } = await contextFor(
      { now: () => 1_700_000_000_000 },
      { "user-agent": `UA/${"x".repeat(600)}` },
      "/notes/7?token=secret",
    );
    expect(fromReq.userAgent).toHaveLength(512);
    expect(fromReq.method).toBe("GET");
    expect(fromReq.path).toBe("/notes/7");
    expect(fromReq.startedAt).toBe(1_700_000_000_000);
    expect(JSON.stringify(fromReq)).not.toContain("secret");
  });

  it("uses the socket address and ignores X-Forwarded-For by default", async () => {
    const { fromReq } = await contextFor(undefined, { "x-forwarded-for": "203.0.113.9" });
    expect(fromReq.ip).toBe("127.0.0.1");
  });

  it("believes X-Forwarded-For from trusted proxies only", async () => {
    expect((await contextFor({ trustProxy: "loopback" }, { "x-forwarded-for": "203.0.113.9" })).fromReq.ip).toBe(
      "203.0.113.9",
    );
    expect((await contextFor({ trustProxy: 1 }, { "x-forwarded-for": "198.51.100.1, 203.0.113.9" })).fromReq.ip).toBe(
      "203.0.113.9",
    );
    expect((await contextFor({ trustProxy: ["10.0.0.0/8"] }, { "x-forwarded-for": "203.0.113.9" })).fromReq.ip).toBe(
      "127.0.0.1",
    );
  });

  it("follows express's trust proxy setting when no trustProxy option is given", async () => {
    const { fromReq } = await contextFor(undefined, { "x-forwarded-for": "203.0.113.9" }, "/", (app) =>
      app.set("trust proxy", "loopback"),
    );
    expect(fromReq.ip).toBe("203.0.113.9");
  });
});

describe("client address resolution", () => {
  const fakeReq = (peer: string | undefined, xff?: string) =>
    ({
      socket: { remoteAddress: peer },
      headers: xff === undefined ? {} : { "x-forwarded-for": xff },
    }) as unknown as IncomingMessage;
  const ip = (trust: TrustProxy, peer: string | undefined, xff?: string) =>
    forwardedClientAddress(fakeReq(peer, xff), compileTrust(trust));

  it("walks from the socket leftwards while hops are trusted", () => {
    const chain = "203.0.113.9, 198.51.100.7, 10.1.2.3";
    expect(ip(false, "10.0.0.1", chain)).toBe("10.0.0.1");
    expect(ip(["10.0.0.0/8"], "10.0.0.1", chain)).toBe("198.51.100.7");
    expect(ip(["10.0.0.0/8", "198.51.100.0/24"], "10.0.0.1", chain)).toBe("203.0.113.9");
    expect(ip("10.0.0.0/8, 198.51.100.0/24", "10.0.0.1", chain)).toBe("203.0.113.9");
    expect(ip(2, "10.0.0.1", chain)).toBe("198.51.100.7");
    expect(ip(10, "10.0.0.1", chain)).toBe("203.0.113.9");
    expect(ip(true, "10.0.0.1", chain)).toBe("203.0.113.9");
    expect(ip(true, "10.0.0.1")).toBe("10.0.0.1");
  });

  it("cannot be fooled by entries the client prepends", () => {
    // The client sent "1.1.1.1"; our one proxy appended the client's real address.
    expect(ip(1, "10.0.0.1", "1.1.1.1, 203.0.113.9")).toBe("203.0.113.9");
    expect(ip("uniquelocal", "10.0.0.1", "1.1.1.1, 203.0.113.9")).toBe("203.0.113.9");
  });

  it("stops at a malformed entry rather than believing what lies beyond it", () => {
    expect(ip(true, "10.0.0.1", "203.0.113.9, not-an-ip")).toBe("10.0.0.1");
    expect(ip(true, "10.0.0.1", "203.0.113.9, ")).toBe("10.0.0.1");
  });

  it("understands IPv6, IPv4-mapped addresses and ports in entries", () => {
    expect(ip(false, "::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(ip("loopback", "::1", "2001:db8::1")).toBe("2001:db8::1");
    expect(ip("loopback", "::ffff:127.0.0.1", "203.0.113.9:4711")).toBe("203.0.113.9");
    expect(ip("loopback", "127.0.0.1", "[2001:db8::2]:443")).toBe("2001:db8::2");
    expect(ip("linklocal", "fe80::1", "198.51.100.3")).toBe("198.51.100.3");
    expect(ip(true, undefined, "203.0.113.9")).toBeUndefined();
  });

  it("never throws on arbitrary X-Forwarded-For, and answers a valid address or undefined", () => {
    const settings: TrustProxy[] = [false, true, 1, 3, "loopback", ["10.0.0.0/8", "uniquelocal"]];
    fc.assert(
      fc.property(
        fc.constantFrom(...settings),
        fc.option(fc.constantFrom("127.0.0.1", "10.0.0.1", "::1", "::ffff:10.1.1.1"), { nil: undefined }),
        fc.string({ maxLength: 200 }),
        (trust, peer, xff) => {
          const got = ip(trust, peer, xff);
          if (peer === undefined) expect(got).toBeUndefined();
          else expect(isIP(got ?? "")).not.toBe(0);
        },
      ),
    );
  });

  it("rejects malformed trust settings", () => {
    for (const bad of ["", "nonsense", "10.0.0.0/33", "::1/129", "10.0.0.0/x", "300.1.1.1", ["loopback", "bad"]]) {
      expectMoatError(() => requestContext({ trustProxy: bad }), "ERR_CONFIG");
    }
    for (const bad of [-1, 1.5, Number.NaN, [], {}, null])
      expectMoatError(() => requestContext({ trustProxy: bad as TrustProxy }), "ERR_CONFIG");
  });
});

describe("requestContext: AsyncLocalStorage", () => {
  it("is visible after awaits and after express.json() parsed the body, and not outside a request", async () => {
    const app = express();
    app.use(requestContext());
    app.use(express.json());
    app.post("/", async (req, res) => {
      await sleep(1);
      res.json({ same: currentRequestContext() === getRequestContext(req), body: req.body as unknown });
    });
    server = await listen(app);
    const reply = await request(server.port, {
      method: "POST",
      body: JSON.stringify({ a: 1 }),
      headers: { "content-type": "application/json" },
    });
    expect(reply.json()).toEqual({ same: true, body: { a: 1 } });
    expect(currentRequestContext()).toBeUndefined();
  });

  it("keeps concurrent requests apart", async () => {
    const app = express();
    app.use(requestContext());
    app.get("/", async (req, res) => {
      const before = currentRequestContext()?.requestId;
      await sleep(Math.floor(Math.random() * 10));
      res.json({ before, after: currentRequestContext()?.requestId, own: getRequestContext(req).requestId });
    });
    server = await listen(app);
    const ids = Array.from({ length: 25 }, (_, i) => `req-${String(i)}`);
    const replies = await Promise.all(ids.map((id) => request(server!.port, { headers: { "x-request-id": id } })));
    replies.forEach((reply, i) => {
      expect(reply.json()).toEqual({ before: ids[i], after: ids[i], own: ids[i] });
    });
  });

  it("getRequestContext refuses a request the middleware did not see", async () => {
    const thrown = await thrownInBareHandler((req) => getRequestContext(req));
    expect(isMoatError(thrown, "ERR_CONFIG")).toBe(true);
  });

  it("rejects bad options", () => {
    expectMoatError(() => requestContext({ header: "bad header" }), "ERR_CONFIG");
    expectMoatError(() => requestContext({ now: 5 as never }), "ERR_CONFIG");
    expectMoatError(() => requestContext({ trustproxy: true } as never), "ERR_CONFIG");
    for (const bad of WRONG_TYPES) {
      if (bad !== undefined && !(typeof bad === "object" && bad !== null && !Array.isArray(bad)))
        expectMoatError(() => requestContext(bad as never), "ERR_CONFIG");
    }
  });
});
