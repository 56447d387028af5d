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
import { type Metric, defineBenchSuite } from "./harness.js";

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
const apps: Readonly<Record<string, express.Express>> = {
  "bare express": bare,
  "express + helmet()": withHelmet,
  [STACK]: stacked,
};

/**
 * Every app runs the same requests until express's shared code is compiled: timed one after the
 * other, the first app would otherwise also pay for the JIT warm-up of express itself.
 */
async function warmUp(): Promise<void> {
  for (const app of Object.values(apps)) for (let i = 0; i < 3000; i++) await exchange(app);
}

/**
 * Requests per second of CPU time for each app: batches of requests timed with
 * `process.cpuUsage()`, the apps taking turns (order reversed every round), and the median batch
 * taken. Time the process spends descheduled by other jobs on the machine counts for no app.
 */
async function cpuInterleaved(rounds = 300, batch = 20): Promise<Metric[]> {
  const names = Object.keys(apps);
  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const app = apps[name];
      if (app === undefined) continue;
      const before = process.cpuUsage();
      for (let i = 0; i < batch; i++) await exchange(app);
      const used = process.cpuUsage(before);
      samples.get(name)?.push((used.user + used.system) / batch);
    }
  }
  return names.map((task) => {
    const sorted = [...(samples.get(task) ?? [])].sort((a, b) => a - b);
    const microseconds = sorted[Math.floor(sorted.length / 2)] ?? Infinity;
    return { task, value: 1e6 / microseconds, unit: "ops/s (CPU)" };
  });
}

export default defineBenchSuite({
  title: "express middleware",
  setup: warmUp,
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
      // jobs on the machine and the heap's state fall on every app alike.
      kind: "metrics",
      name: "one GET through the app, CPU time of interleaved batches (median)",
      baseline: "express + helmet()",
      higherIsBetter: true,
      run: () => cpuInterleaved(),
      targets: [{ task: STACK, minRatio: 0.8 }],
    },
  ],
});
