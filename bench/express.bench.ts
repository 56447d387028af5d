/**
 * moatkit/express: securityHeaders() against plain helmet() (the named peer) on the same
 * in-memory request, and a whole moatkit middleware stack against bare express over loopback.
 */
import { once } from "node:events";
import { Agent, IncomingMessage, ServerResponse, request as httpRequest, type Server } from "node:http";
import { Socket, type AddressInfo } from "node:net";
import express from "express";
import helmet from "helmet";
import {
  bodyLimit,
  errorHandler,
  requestContext,
  requestTimeout,
  requirePermission,
  securityHeaders,
  setSubject,
  type Middleware,
} from "../src/express/index.js";
import { defineDefaultRoles } from "../src/rbac/index.js";
import { defineBenchSuite } from "./harness.js";

function runMiddleware(mw: Middleware): void {
  const req = new IncomingMessage(new Socket());
  req.method = "GET";
  req.url = "/notes";
  const res = new ServerResponse(req);
  mw(req, res, () => {});
}

const plainHelmet = helmet();
const moatHeaders = securityHeaders();
const context = requestContext();

const roles = defineDefaultRoles({ admin: ["members:invite"], member: ["notes:write"], viewer: ["notes:read"] });

function bareApp(): express.Express {
  const app = express();
  app.get("/notes", (_req, res) => {
    res.json({ notes: [] });
  });
  return app;
}

function moatkitApp(): express.Express {
  const app = express();
  app.use(requestContext());
  app.use(securityHeaders());
  app.use(bodyLimit("10mb"));
  app.use(requestTimeout({ ms: 30_000 }));
  app.use((req, _res, next) => {
    setSubject(req, { id: "user_1", role: "member" });
    next();
  });
  app.get("/notes", requirePermission(roles, "notes:read"), (_req, res) => {
    res.json({ notes: [] });
  });
  app.use(errorHandler());
  return app;
}

async function requestsPerSecond(app: express.Express, count: number): Promise<number> {
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/notes", agent }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
      req.end();
    });
  try {
    for (let i = 0; i < 200; i += 1) await one(); // warm-up
    const started = performance.now();
    const inFlight = 8;
    let issued = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (issued < count) {
          issued += 1;
          await one();
        }
      }),
    );
    return count / ((performance.now() - started) / 1000);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  }
}

export default defineBenchSuite({
  title: "express middleware",
  groups: [
    {
      name: "security headers on one response (no network)",
      baseline: "helmet()",
      tasks: {
        "helmet()": () => {
          runMiddleware(plainHelmet);
        },
        "securityHeaders()": () => {
          runMiddleware(moatHeaders);
        },
        "requestContext()": () => {
          runMiddleware(context);
        },
      },
      targets: [{ task: "securityHeaders()", minRatio: 0.8 }],
    },
    {
      kind: "metrics",
      name: "GET over loopback, keep-alive, 8 in flight",
      baseline: "bare express",
      higherIsBetter: true,
      async run() {
        const count = 4000;
        const bare = await requestsPerSecond(bareApp(), count);
        const stacked = await requestsPerSecond(moatkitApp(), count);
        return [
          { task: "bare express", value: bare, unit: "req/s" },
          { task: "moatkit stack (context, headers, limit, timeout, rbac, errors)", value: stacked, unit: "req/s" },
        ];
      },
      targets: [{ task: "moatkit stack (context, headers, limit, timeout, rbac, errors)", minRatio: 0.6 }],
    },
  ],
});
