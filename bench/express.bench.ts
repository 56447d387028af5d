/**
 * moatkit/express: securityHeaders() against plain helmet() (the named peer) on the same
 * in-memory request, and a whole moatkit middleware stack against express with helmet (what an
 * app would otherwise run) and bare express, one in-process request at a time.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { Duplex } from "node:stream";
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
import { defineBenchSuite, interleaved } from "./harness.js";

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

/** What an app without moatkit would typically run: helmet's defaults and nothing else. */
function helmetApp(): express.Express {
  const app = express();
  app.use(helmet());
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
  app.use(requestTimeout({ timeout: 30_000 }));
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

/**
 * One GET through an app, in process: a real IncomingMessage and ServerResponse on a socket
 * stand-in that swallows the bytes. Measures the middleware's CPU cost without the noise of a
 * loopback client sharing the process and the machine.
 */
function exchange(app: express.Express): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a Duplex stands in for the socket: the request and response only read from and write to it
  const socket = new Duplex({
    write(_chunk, _encoding, done) {
      done();
    },
    read() {},
  }) as Socket;
  const req = new IncomingMessage(socket);
  req.method = "GET";
  req.url = "/notes";
  req.headers = { host: "api.example.com", "user-agent": "bench" };
  req.push(null);
  const res = new ServerResponse(req);
  res.assignSocket(socket);
  return new Promise((resolve) => {
    res.on("finish", () => {
      resolve();
    });
    app(req, res);
  });
}

const STACK = "moatkit stack (context, headers, limit, timeout, rbac, errors)";
const bare = bareApp();
const withHelmet = helmetApp();
const stacked = moatkitApp();

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
      name: "one GET through the app (in process, no network)",
      baseline: "express + helmet()",
      tasks: {
        "bare express": () => exchange(bare),
        "express + helmet()": () => exchange(withHelmet),
        [STACK]: () => exchange(stacked),
      },
      targets: [{ task: STACK, minRatio: 0.8 }],
    },
    {
      // The same three apps and requests, timed in alternating batches so that load from other
      // jobs on the machine falls on every app alike.
      kind: "metrics",
      name: "one GET through the app, interleaved batches",
      baseline: "express + helmet()",
      higherIsBetter: true,
      run: () =>
        interleaved({
          "bare express": () => exchange(bare),
          "express + helmet()": () => exchange(withHelmet),
          [STACK]: () => exchange(stacked),
        }),
      targets: [{ task: STACK, minRatio: 0.8 }],
    },
  ],
});
