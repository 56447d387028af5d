/**
 * Issue 17 item 10 (server timeouts): a client trickling its headers (slowloris) or its body is
 * cut off by Node's own server timeouts, which serverTimeouts() sets. Node's defaults let such a
 * client hold a connection for 60 s (headers) and 300 s (the whole request), checked every 30 s.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { serverTimeouts } from "../../src/express/index.js";
import { expectMoatError } from "../helpers/assertions.js";
import { request } from "./http.js";

let server: Server | undefined;
afterEach(async () => {
  if (server === undefined) return;
  server.closeAllConnections();
  server.close();
  await once(server, "close");
  server = undefined;
});

/** An express app behind serverTimeouts with small deadlines, listening on 127.0.0.1. */
async function start(options: Parameters<typeof serverTimeouts>[1]): Promise<number> {
  const app = express();
  app.use(express.text());
  app.all("/", (_req, res) => {
    res.send("ok");
  });
  server = serverTimeouts(app.listen(0, "127.0.0.1"), options);
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

interface Trickle {
  /** What the server sent before closing. */
  readonly received: string;
  /** Lines the client managed to send before the server closed the connection. */
  readonly sent: number;
}

/**
 * Opens a raw connection, sends `head`, then one more line every few milliseconds for ever (a
 * client that never finishes), and resolves when the server closes the connection.
 */
async function trickle(port: number, head: string, line: string): Promise<Trickle> {
  const socket: Socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(head);
  let received = "";
  let sent = 0;
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  socket.on("error", () => {
    // A reset while writing is the server hanging up too.
  });
  const timer = setInterval(() => {
    if (socket.writable) {
      socket.write(line);
      sent += 1;
    }
  }, 10);
  await once(socket, "close");
  clearInterval(timer);
  return { received, sent };
}

describe("serverTimeouts: slow clients are cut off", () => {
  it("answers 408 and closes a connection that trickles headers and never ends them", async () => {
    const port = await start({ headersTimeout: 150, requestTimeout: 300, checkInterval: 20 });
    const outcome = await trickle(port, "GET / HTTP/1.1\r\nHost: localhost\r\n", "X-Padding: a\r\n");
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(outcome.sent).toBeGreaterThan(0);
  });

  it("answers 408 and closes a connection whose body trickles in past requestTimeout", async () => {
    const port = await start({ headersTimeout: 100, requestTimeout: 200, checkInterval: 20 });
    const head = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n";
    const outcome = await trickle(port, head, "a");
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it("still serves a request sent at once", async () => {
    const port = await start({ headersTimeout: 1000, requestTimeout: 2000, checkInterval: 100 });
    const reply = await request(port, { method: "POST", headers: { "content-type": "text/plain" }, body: "hi" });
    expect([reply.status, reply.text]).toEqual([200, "ok"]);
  });
});

describe("serverTimeouts: values", () => {
  it("defaults: headers 10 s, request 30 s, keep-alive 5 s, checked every second, all well inside Node's", () => {
    const plain = createServer();
    const node = {
      headersTimeout: plain.headersTimeout,
      requestTimeout: plain.requestTimeout,
      checkInterval: Reflect.get(plain, "connectionsCheckingInterval") as unknown,
    };
    const hardened = serverTimeouts(createServer());
    expect(hardened).toMatchObject({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000 });
    expect(Reflect.get(hardened, "connectionsCheckingInterval")).toBe(1_000);
    expect(node).toEqual({ headersTimeout: 60_000, requestTimeout: 300_000, checkInterval: 30_000 });
  });

  it("takes durations as strings, returns the same server, and works on node:https servers", () => {
    const plain = createServer();
    const same = serverTimeouts(plain, { headersTimeout: "5s", requestTimeout: "1m", keepAliveTimeout: "65s" });
    expect(same).toBe(plain);
    expect(plain).toMatchObject({ headersTimeout: 5_000, requestTimeout: 60_000, keepAliveTimeout: 65_000 });
    const secure = serverTimeouts(createHttpsServer(), { headersTimeout: 2_000 });
    expect(secure).toMatchObject({ headersTimeout: 2_000, requestTimeout: 30_000 });
    // A headersTimeout longer than the default request timeout carries it up; a short one brings the check interval down.
    expect(serverTimeouts(createServer(), { headersTimeout: "45s" }).requestTimeout).toBe(45_000);
    expect(Reflect.get(serverTimeouts(createServer(), { headersTimeout: 500 }), "connectionsCheckingInterval")).toBe(
      500,
    );
  });

  it("refuses unknown options (with a suggestion), bad durations and inconsistent values with ERR_CONFIG", () => {
    const err = expectMoatError(() => serverTimeouts(createServer(), { headerTimeout: 5_000 } as never), "ERR_CONFIG");
    expect(err.message).toContain("headersTimeout");
    for (const bad of [0, -1, 1.5, "soon", Number.NaN, null, true])
      for (const key of ["headersTimeout", "requestTimeout", "keepAliveTimeout", "checkInterval"])
        expectMoatError(() => serverTimeouts(createServer(), { [key]: bad }), "ERR_CONFIG");
    expectMoatError(
      () => serverTimeouts(createServer(), { headersTimeout: "20s", requestTimeout: "10s" }),
      "ERR_CONFIG",
    );
    expectMoatError(() => serverTimeouts(createServer(), { headersTimeout: "1s", checkInterval: "2s" }), "ERR_CONFIG");
    for (const notServer of [undefined, null, {}, "server", { headersTimeout: "1" }])
      expectMoatError(() => serverTimeouts(notServer as never), "ERR_CONFIG");
  });

  it("refuses a server that is already listening: Node would keep checking only every 30 s", async () => {
    server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const listening = server;
    expectMoatError(() => serverTimeouts(listening), "ERR_CONFIG");
    expect(listening.headersTimeout).toBe(60_000);
  });
});
