import { once } from "node:events";
import { request as httpRequest, type IncomingMessage } from "node:http";
import express from "express";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { errorHandler, getRequestSignal, requestTimeout } from "../../src/express/index.js";
import { matchRoute, parseRoutePattern } from "../../src/express/route-pattern.js";
import { isMoatError } from "../../src/errors.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { listen, request, thrownInBareHandler, type Listening } from "./http.js";

let server: Listening | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

/** A handler that never answers by itself: it records its signal and waits for it to abort. */
interface Parked {
  readonly signal: AbortSignal;
  readonly aborted: Promise<unknown>;
}

function parkingApp(options: Parameters<typeof requestTimeout>[0]) {
  const parked: Parked[] = [];
  const entered: (() => void)[] = [];
  const app = express();
  app.use(requestTimeout(options));
  app.all("/{*rest}", (req, res) => {
    const signal = getRequestSignal(req);
    const aborted = new Promise((resolve) => {
      signal.addEventListener(
        "abort",
        () => {
          resolve(signal.reason);
        },
        { once: true },
      );
    });
    parked.push({ signal, aborted });
    entered.shift()?.();
    void aborted.then(() => {
      // A well-behaved handler stops; writing now would be too late anyway.
      if (!res.headersSent) res.json({ late: true });
    });
  });
  app.use(errorHandler());
  const nextEntered = () => new Promise<void>((resolve) => entered.push(resolve));
  return { app, parked, nextEntered };
}

/** Starts a request and resolves its response later, without awaiting it now. */
function startRequest(port: number, method: string, path: string): Promise<{ status: number; body: unknown }> {
  const req = httpRequest({ host: "127.0.0.1", port, method, path, agent: false });
  req.end();
  return once(req, "response").then(async ([res]: IncomingMessage[]) => {
    let text = "";
    for await (const d of res!) text += String(d);
    return { status: res!.statusCode ?? 0, body: JSON.parse(text) as unknown };
  });
}

describe("requestTimeout", () => {
  beforeEach(() => {
    // Only the global setTimeout is faked: node's HTTP internals keep their real timers.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });

  it("answers 503 after 30 s by default and aborts the handler's signal", async () => {
    const { app, parked, nextEntered } = parkingApp({});
    server = await listen(app);
    const entered = nextEntered();
    const response = startRequest(server.port, "GET", "/slow");
    await entered;
    const [handler] = parked;
    vi.advanceTimersByTime(29_999);
    expect(handler!.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(handler!.signal.aborted).toBe(true);
    const reason = await handler!.aborted;
    expect(isMoatError(reason, "ERR_ABORTED")).toBe(true);
    expect((reason as Error).message).toBe("request timed out");
    expect(await response).toEqual({ status: 503, body: { error: "ERR_TIMEOUT" } });
  });

  it("applies a per-route override to its route only", async () => {
    const { app, parked, nextEntered } = parkingApp({ timeout: 30_000, routes: { "POST /exports": "120s" } });
    server = await listen(app);

    let entered = nextEntered();
    const exportResponse = startRequest(server.port, "POST", "/exports");
    await entered;
    entered = nextEntered();
    const otherResponse = startRequest(server.port, "POST", "/imports");
    await entered;
    entered = nextEntered();
    const getExports = startRequest(server.port, "GET", "/exports");
    await entered;
    const [exportHandler, otherHandler, getHandler] = parked;

    vi.advanceTimersByTime(30_000);
    expect(otherHandler!.signal.aborted).toBe(true);
    expect(getHandler!.signal.aborted).toBe(true);
    expect(exportHandler!.signal.aborted).toBe(false);
    expect((await otherResponse).status).toBe(503);
    expect((await getExports).status).toBe(503);

    vi.advanceTimersByTime(89_999);
    expect(exportHandler!.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(exportHandler!.signal.aborted).toBe(true);
    expect(await exportResponse).toEqual({ status: 503, body: { error: "ERR_TIMEOUT" } });
  });

  it("clears the timer when the handler answers in time", async () => {
    const app = express();
    app.use(requestTimeout({ timeout: 1000 }));
    let signal: AbortSignal | undefined;
    app.get("/", (req, res) => {
      signal = getRequestSignal(req);
      res.json({ ok: true });
    });
    server = await listen(app);
    expect((await request(server.port)).status).toBe(200);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(signal!.aborted).toBe(false);
  });

  it("signals but does not interrupt a response that has already started", async () => {
    const app = express();
    app.use(requestTimeout({ timeout: 1000 }));
    const entered: (() => void)[] = [];
    app.get("/stream", (req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("part one;");
      getRequestSignal(req).addEventListener("abort", () => res.end("stopped"));
      entered.shift()?.();
    });
    server = await listen(app);
    const ready = new Promise<void>((resolve) => entered.push(resolve));
    const req = httpRequest({ host: "127.0.0.1", port: server.port, path: "/stream", agent: false });
    req.end();
    const [res] = (await once(req, "response")) as [IncomingMessage];
    await ready;
    vi.advanceTimersByTime(1000);
    let text = "";
    for await (const d of res) text += String(d);
    expect(res.statusCode).toBe(200);
    expect(text).toBe("part one;stopped");
  });

  it("hands an already-aborted signal to a handler that asks only after the deadline", async () => {
    const app = express();
    app.use(requestTimeout({ timeout: 1000 }));
    const entered: (() => void)[] = [];
    let late: AbortSignal | undefined;
    app.get("/", (req) => {
      entered.shift()?.();
      // Asks for the signal only once the deadline has passed.
      setImmediate(() => {
        late = getRequestSignal(req);
      });
    });
    server = await listen(app);
    const ready = new Promise<void>((resolve) => entered.push(resolve));
    const response = startRequest(server.port, "GET", "/");
    await ready;
    vi.advanceTimersByTime(1000);
    expect((await response).status).toBe(503);
    await vi.waitFor(() => {
      expect(late).toBeDefined();
    });
    expect(late!.aborted).toBe(true);
    expect(isMoatError(late!.reason, "ERR_ABORTED")).toBe(true);
  });

  it("aborts the signal when the client goes away", async () => {
    const { app, parked, nextEntered } = parkingApp({});
    server = await listen(app);
    const entered = nextEntered();
    const req = httpRequest({ host: "127.0.0.1", port: server.port, path: "/", agent: false });
    req.on("error", () => {});
    req.end();
    await entered;
    req.destroy();
    const reason = await parked[0]!.aborted;
    expect(isMoatError(reason, "ERR_ABORTED")).toBe(true);
    expect((reason as Error).message).toBe("client closed the request");
  });

  it("restarts the clock when mounted again on a route", async () => {
    const parked: AbortSignal[] = [];
    const entered: (() => void)[] = [];
    const app = express();
    app.use(requestTimeout({ timeout: 1000 }));
    app.get("/long", requestTimeout({ timeout: 5000 }), (req) => {
      parked.push(getRequestSignal(req));
      entered.shift()?.();
    });
    server = await listen(app);
    const ready = new Promise<void>((resolve) => entered.push(resolve));
    const response = startRequest(server.port, "GET", "/long");
    await ready;
    vi.advanceTimersByTime(4999);
    expect(parked[0]!.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(parked[0]!.aborted).toBe(true);
    expect((await response).status).toBe(503);
  });
});

describe("requestTimeout: configuration", () => {
  it("getRequestSignal refuses a request the middleware did not see", async () => {
    const thrown = await thrownInBareHandler((req) => getRequestSignal(req));
    expect(isMoatError(thrown, "ERR_CONFIG")).toBe(true);
  });

  it("rejects bad deadlines, bad route patterns and unknown options", () => {
    for (const timeout of [0, -1, 1.5, "abc", "10 years", Number.NaN])
      expectMoatError(() => requestTimeout({ timeout }), "ERR_CONFIG");
    for (const route of ["exports", "post /x", "GET", "GET /a b", "/a/**", "/a/*/b", "/a/:", "/a/<script>"]) {
      expectMoatError(() => requestTimeout({ routes: { [route]: 1000 } }), "ERR_CONFIG");
    }
    expectMoatError(() => requestTimeout({ routes: { "/x": 0 } }), "ERR_CONFIG");
    expectMoatError(() => requestTimeout({ ms: 1000 } as never), "ERR_CONFIG");
    for (const bad of WRONG_TYPES) {
      if (bad !== undefined && !(typeof bad === "object" && bad !== null && !Array.isArray(bad))) {
        expectMoatError(() => requestTimeout(bad as never), "ERR_CONFIG");
      }
    }
  });
});

describe("route patterns", () => {
  const m = (pattern: string, method: string, path: string) =>
    matchRoute(parseRoutePattern(pattern, "test"), method, path);

  it("refuses anything else with ERR_CONFIG only", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          parseRoutePattern(text, "test");
        } catch (err) {
          expect(isMoatError(err, "ERR_CONFIG")).toBe(true);
        }
      }),
    );
  });

  it("match literals case-insensitively, ignoring a trailing slash", () => {
    expect(m("/exports", "POST", "/exports")).toBe(true);
    expect(m("/exports", "GET", "/Exports/")).toBe(true);
    expect(m("/exports", "GET", "/exports/1")).toBe(false);
    expect(m("/exports", "GET", "/export")).toBe(false);
  });

  it("match a method, with GET patterns also matching HEAD", () => {
    expect(m("POST /exports", "POST", "/exports")).toBe(true);
    expect(m("POST /exports", "GET", "/exports")).toBe(false);
    expect(m("GET /exports", "HEAD", "/exports")).toBe(true);
  });

  it("match :params as one segment and a final * as the rest", () => {
    expect(m("/reports/:id/export", "GET", "/reports/42/export")).toBe(true);
    expect(m("/reports/:id/export", "GET", "/reports/export")).toBe(false);
    expect(m("/uploads/*", "PUT", "/uploads")).toBe(true);
    expect(m("/uploads/*", "PUT", "/uploads/a/b/c")).toBe(true);
    expect(m("/uploads/*", "PUT", "/upload/a")).toBe(false);
    expect(m("/*", "GET", "/anything/at/all")).toBe(true);
  });
});
