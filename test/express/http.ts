/**
 * Drives real express apps over HTTP on 127.0.0.1 with node:http (not fetch), so tests control
 * every header (Origin, Content-Length, X-Forwarded-For) and can stream bodies chunk by chunk.
 */
import { once } from "node:events";
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type Server,
  createServer,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Listening {
  readonly port: number;
  readonly server: Server;
  /** Every server-side socket accepted so far (to inspect bytesRead). */
  readonly sockets: Socket[];
  close(): Promise<void>;
}

export async function listen(app: RequestListener): Promise<Listening> {
  const server = createServer(app);
  const sockets: Socket[] = [];
  server.on("connection", (s) => sockets.push(s));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
    sockets,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json(): unknown;
}

export interface RequestOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string | number>>;
  readonly body?: string | Uint8Array;
}

/** One request on a fresh connection; resolves with the whole response. */
export async function request(port: number, options: RequestOptions = {}): Promise<Reply> {
  const req = httpRequest({
    host: "127.0.0.1",
    port,
    method: options.method ?? "GET",
    path: options.path ?? "/",
    headers: options.headers,
    agent: false,
  });
  req.end(options.body);
  const [res] = (await once(req, "response")) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as unknown,
  };
}

/**
 * Runs `read(req)` inside a handler of a bare express app (no moatkit middleware) for one real
 * request, and returns what it threw (undefined if nothing).
 */
export async function thrownInBareHandler(read: (req: IncomingMessage) => unknown): Promise<unknown> {
  let thrown: unknown;
  const listening = await listen((req, res) => {
    try {
      read(req);
    } catch (err) {
      thrown = err;
    }
    res.end();
  });
  try {
    await request(listening.port);
  } finally {
    await listening.close();
  }
  return thrown;
}
