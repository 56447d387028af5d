import { once } from "node:events";
import { request as httpRequest, type IncomingMessage } from "node:http";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { bodyLimit, errorHandler } from "../../src/express/index.js";
import { parseByteSize } from "../../src/express/byte-size.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { listen, request, type Listening } from "./http.js";

const MB = 1024 * 1024;

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Seen {
  handled: number;
  lastLength: number;
}

/** An app whose only size limit is bodyLimit: express.raw would accept up to 1 GB. */
async function start(limit: string | number): Promise<Seen> {
  const seen: Seen = { handled: 0, lastLength: -1 };
  const app = express();
  app.use(bodyLimit(limit));
  app.post("/raw", express.raw({ type: () => true, limit: "1gb" }), (req, res) => {
    seen.handled += 1;
    seen.lastLength = (req.body as Buffer).length;
    res.json({ length: seen.lastLength });
  });
  // A handler that reads the stream itself, with no body parser.
  app.post("/stream", async (req, res) => {
    let length = 0;
    for await (const chunk of req) length += (chunk as Buffer).length;
    seen.handled += 1;
    seen.lastLength = length;
    res.json({ length });
  });
  app.get("/", (_req, res) => {
    res.json({ ok: true });
  });
  app.use(errorHandler());
  server = await listen(app);
  return seen;
}

interface Streamed {
  status: number | undefined;
  body: string;
  written: number;
  error: Error | undefined;
}

/**
 * Streams `total` bytes as a chunked body (no Content-Length) in 64 KiB chunks, honouring
 * backpressure, and stops as soon as the server answers or the connection fails.
 */
async function streamChunked(port: number, path: string, total: number): Promise<Streamed> {
  const req = httpRequest({
    host: "127.0.0.1",
    port,
    method: "POST",
    path,
    agent: false,
    headers: { "content-type": "application/octet-stream" },
  });
  const out: Streamed = { status: undefined, body: "", written: 0, error: undefined };
  const state = { stopped: false };
  const answered = new Promise<void>((resolve) => {
    req.on("response", (res) => {
      out.status = res.statusCode;
      state.stopped = true;
      res.setEncoding("utf8");
      res.on("data", (d: string) => (out.body += d));
      res.on("end", resolve);
      res.on("error", () => {
        resolve();
      });
    });
    req.on("error", (err) => {
      out.error = err;
      state.stopped = true;
      resolve();
    });
  });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  while (!state.stopped && out.written < total) {
    out.written += chunk.length;
    if (!req.write(chunk)) await Promise.race([once(req, "drain"), answered]);
  }
  if (!state.stopped) req.end();
  await answered;
  return out;
}

describe("bodyLimit", () => {
  it("passes bodies within the limit, whole, to the parser", async () => {
    const seen = await start("1mb");
    const body = Buffer.alloc(MB, 0x62);
    const reply = await request(server!.port, {
      method: "POST",
      path: "/raw",
      body,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ length: MB });
    const chunked = await streamChunked(server!.port, "/raw", 512 * 1024);
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body)).toEqual({ length: 512 * 1024 });
    expect(seen.handled).toBe(2);
  });

  it("lets bodiless requests through", async () => {
    await start("1kb");
    expect((await request(server!.port)).status).toBe(200);
  });

  it("refuses a declared Content-Length over the limit before reading any of the body", async () => {
    const seen = await start("1mb");
    const req = httpRequest({
      host: "127.0.0.1",
      port: server!.port,
      method: "POST",
      path: "/raw",
      agent: false,
      headers: { "content-type": "application/octet-stream", "content-length": String(50 * MB) },
    });
    // Only a few bytes of the announced 50 MB are ever sent.
    req.write(Buffer.alloc(1024));
    const [res] = (await once(req, "response")) as [IncomingMessage];
    let text = "";
    for await (const d of res) text += String(d);
    req.destroy();
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(text)).toEqual({ error: "ERR_PAYLOAD_TOO_LARGE" });
    expect(res.headers.connection).toBe("close");
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(seen.handled).toBe(0);
    const socket = server!.sockets[0]!;
    if (!socket.destroyed) await once(socket, "close");
    expect(socket.bytesRead).toBeLessThan(64 * 1024);
  });

  it("accepts exactly the limit and refuses one byte more, declared or streamed", async () => {
    await start(1000);
    const ok = await request(server!.port, {
      method: "POST",
      path: "/raw",
      body: Buffer.alloc(1000),
      headers: { "content-type": "x/y" },
    });
    expect(ok.status).toBe(200);
    const over = await request(server!.port, {
      method: "POST",
      path: "/raw",
      body: Buffer.alloc(1001),
      headers: { "content-type": "x/y" },
    });
    expect(over.status).toBe(413);
    const streamedOk = await streamChunked(server!.port, "/stream", 0);
    expect(streamedOk.status).toBe(200);
  });

  it("stops reading a chunked body the moment it passes the limit (parser route)", async () => {
    const seen = await start("1mb");
    const total = 64 * MB;
    const result = await streamChunked(server!.port, "/raw", total);
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual({ error: "ERR_PAYLOAD_TOO_LARGE" });
    expect(seen.handled).toBe(0);
    const socket = server!.sockets[0]!;
    if (!socket.destroyed) await once(socket, "close");
    // The server read little more than the limit (one socket read past it at most) …
    expect(socket.bytesRead).toBeLessThan(2 * MB);
    // … and the client could not push the whole 64 MB.
    expect(result.written).toBeLessThan(total);
  });

  it("stops reading a chunked body for a handler that consumes the stream itself", async () => {
    const seen = await start("1mb");
    const result = await streamChunked(server!.port, "/stream", 64 * MB);
    expect(result.status).toBe(413);
    expect(seen.handled).toBe(0);
    const socket = server!.sockets[0]!;
    if (!socket.destroyed) await once(socket, "close");
    expect(socket.bytesRead).toBeLessThan(2 * MB);
  });

  it("closes the connection after refusing, so nothing else is read from it", async () => {
    await start("1kb");
    const over = await request(server!.port, {
      method: "POST",
      path: "/raw",
      body: Buffer.alloc(2048),
      headers: { "content-type": "x/y" },
    });
    expect(over.status).toBe(413);
    const socket = server!.sockets[0]!;
    if (!socket.destroyed) await once(socket, "close");
    expect(socket.destroyed).toBe(true);
  });

  it("rejects limits that are not positive sizes", () => {
    for (const bad of [
      0,
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "",
      "10",
      "10xb",
      "-1mb",
      "mb",
      "1tb",
      "0kb",
      ...WRONG_TYPES.filter((v) => v !== undefined && v !== 42),
    ]) {
      expectMoatError(() => bodyLimit(bad as string), "ERR_CONFIG");
    }
  });

  it("parses sizes with binary units, as express and body-parser do", () => {
    expect(parseByteSize("10mb")).toBe(10 * MB);
    expect(parseByteSize("10MB")).toBe(10 * MB);
    expect(parseByteSize("512kb")).toBe(512 * 1024);
    expect(parseByteSize("1.5kb")).toBe(1536);
    expect(parseByteSize("1gb")).toBe(1024 * MB);
    expect(parseByteSize("100b")).toBe(100);
    expect(parseByteSize(" 2 mb ")).toBe(2 * MB);
    expect(parseByteSize(4096)).toBe(4096);
  });
});
