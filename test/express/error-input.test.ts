/**
 * Issue 17 item 4: a malformed login body must not carry its password into the logs. body-parser's
 * SyntaxError keeps the raw body in `err.body` and V8's JSON.parse message quotes part of the
 * input; errors thrown by app code can carry bodies too (an HTTP client's `config.data`, a
 * `cause`). Whatever reaches `errorHandler({ onError })`, `redactLogs` and moatkit's pino hooks
 * must hold none of it, in any rendering.
 */
import { Writable } from "node:stream";
import { inspect } from "node:util";
import express, { type NextFunction, type Request, type Response } from "express";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import {
  errorHandler,
  getRequestLogger,
  rateLimit,
  redactLogs,
  requestContext,
  type ErrorHandlerOptions,
  type RedactLogsOptions,
} from "../../src/express/index.js";
import { createMemoryRateLimitStore } from "../../src/adapters/memory/index.js";
import { createRateLimiter } from "../../src/ratelimit/index.js";
import { createRedactor, pinoRedaction } from "../../src/redact/index.js";
import { redactingPino } from "../../src/redact/pino/index.js";
import { listen, request, type Listening } from "./http.js";

const PASSWORD = "zq7Xk-Hunter2-Vw9";
const TOKEN = "tok_9fJ2mQ7rL4";

/** Every 5-character window of the secret: a truncated fragment in a parser message is a leak too. */
const FRAGMENTS = Array.from({ length: PASSWORD.length - 4 }, (_, i) => PASSWORD.slice(i, i + 5));

/** The secret as a logged Buffer shows it: JSON's `"data":[122,113,…]` and inspect's `<Buffer 7a 71 …>`. */
const BYTES = [
  [...Buffer.from(PASSWORD.slice(0, 5))].join(","),
  Buffer.from(PASSWORD.slice(0, 5))
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 "),
];

function expectNoSecret(text: string): void {
  for (const fragment of [...FRAGMENTS, ...BYTES, TOKEN]) expect(text).not.toContain(fragment);
}

/** Every way a logger or a developer might render an error. */
function renderings(value: unknown): string[] {
  // Every value rendered here is an object, for which JSON.stringify always returns a string.
  const json = (v: unknown): string => JSON.stringify(v);
  const out = [inspect(value, { depth: Infinity, showHidden: true }), json(value)];
  let current: unknown = value;
  for (let depth = 0; depth < 10 && current instanceof Error; depth += 1) {
    out.push(current.message, String(current.stack), String(current), json(current));
    out.push(inspect(Object.getOwnPropertyDescriptors(current), { depth: Infinity, showHidden: true }));
    current = current.cause;
  }
  return out;
}

/** A real pino logger writing JSON lines into memory. */
function memoryPino(make: (stream: Writable) => pino.Logger = (stream) => pino({ level: "trace" }, stream)) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { logger: make(stream), text: () => lines.join("") };
}

/** Malformed login bodies: each makes express.json() fail in a different way. */
const MALFORMED: Readonly<Record<string, string>> = {
  "unterminated string": `{"email":"a@example.com","password":"${PASSWORD}`,
  "garbage after a value": `{"email":"a@example.com","password":"${PASSWORD}" x}`,
  "bare word (strict violation, quoted in the message)": PASSWORD,
  "string at top level": `"${PASSWORD}"`,
  "single quotes": `{'password': '${PASSWORD}'}`,
  "trailing comma": `{"password":"${PASSWORD}",}`,
};

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Seen {
  readonly errors: unknown[];
}

async function start(
  options: { handler?: ErrorHandlerOptions; logs?: RedactLogsOptions; strict?: boolean } = {},
): Promise<Seen & { text: () => string }> {
  const seen: Seen = { errors: [] };
  const out = memoryPino();
  const app = express();
  app.use(requestContext());
  app.use(redactLogs(out.logger, { accessLog: false, ...options.logs }));
  app.use(express.json({ strict: options.strict ?? true }));
  app.use(express.urlencoded({ extended: false }));
  app.post(
    "/signed",
    express.text({
      type: "text/plain",
      verify: () => {
        throw new Error("signature mismatch");
      },
    }),
  );
  app.post("/login", () => {
    throw new Error("unreachable in these tests");
  });
  app.post("/upstream", (req: Request) => {
    // An HTTP client's error as axios builds it: the request it sent (body, headers) and the answer.
    const sent = JSON.stringify(req.body);
    const failure = Object.assign(new Error("Request failed with status code 401"), {
      code: "ERR_BAD_REQUEST",
      config: { url: "https://idp.example.com/token", data: sent, headers: { Authorization: `Bearer ${TOKEN}` } },
      response: { status: 401, data: { error: "invalid_grant", echoed: sent } },
      password: PASSWORD,
    });
    throw new Error("login failed", { cause: new Error("token exchange failed", { cause: failure }) });
  });
  // An app's own error middleware logging the raw error through redactLogs before errorHandler answers.
  app.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    getRequestLogger(req).error({ err }, "raw error from the app's own middleware");
    getRequestLogger(req).error(err);
    next(err);
  });
  app.use(
    errorHandler({
      onError: (error, req, info) => {
        seen.errors.push(error);
        getRequestLogger(req).error({ err: error, ...info }, "request failed");
      },
      ...options.handler,
    }),
  );
  server = await listen(app);
  return { ...seen, text: out.text };
}

const postLogin = (body: string, contentType = "application/json") =>
  request(server!.port, { method: "POST", path: "/login", headers: { "content-type": contentType }, body });

describe("a malformed login body never reaches onError or the logs", () => {
  for (const [name, body] of Object.entries(MALFORMED)) {
    it(`${name}: 400 to the client, no password in onError's error or any log line`, async () => {
      const run = await start();
      const reply = await postLogin(body);
      expect([reply.status, reply.json()]).toEqual([400, { error: "ERR_INVALID_INPUT" }]);
      expect(run.errors).toHaveLength(1);
      for (const text of renderings(run.errors[0])) expectNoSecret(text);
      expect(run.text()).toContain("request failed");
      expectNoSecret(run.text());
    });
  }

  it("with the non-strict parser too (JSON.parse quotes the start of the input)", async () => {
    const run = await start({ strict: false });
    // A bare JSON string is a valid body for the non-strict parser.
    for (const [name, body] of Object.entries(MALFORMED)) {
      if (name === "string at top level") continue;
      const reply = await postLogin(body);
      expect(reply.status).toBe(400);
    }
    expect(run.errors).toHaveLength(Object.keys(MALFORMED).length - 1);
    for (const error of run.errors) for (const text of renderings(error)) expectNoSecret(text);
    expectNoSecret(run.text());
  });

  it("when the organisation turned PII redaction off for the request", async () => {
    const run = await start({ logs: { enabled: () => false } });
    for (const body of Object.values(MALFORMED)) await postLogin(body);
    expect(run.errors).toHaveLength(Object.keys(MALFORMED).length);
    for (const error of run.errors) for (const text of renderings(error)) expectNoSecret(text);
    expectNoSecret(run.text());
  });

  it("keeps what a developer needs: the kind of failure, its status and type, and where it was thrown", async () => {
    const run = await start();
    await postLogin(MALFORMED["unterminated string"] ?? "");
    const error = run.errors[0];
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error).toMatchObject({ name: "SyntaxError", status: 400, type: "entity.parse.failed" });
    const { message, stack } = error as Error;
    expect(message).toMatch(/^Unterminated string in JSON at position \d+/);
    expect(stack).toMatch(/^SyntaxError: Unterminated string in JSON at position \d+/);
    expect(stack).toContain("    at ");
  });
});

describe("app errors that carry a request's body or credentials", () => {
  it("an HTTP client's error in a cause chain: config.data, headers, echoed bodies and password fields", async () => {
    const run = await start();
    const reply = await request(server!.port, {
      method: "POST",
      path: "/upstream",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password: PASSWORD }),
    });
    expect(reply.status).toBe(500);
    expect(run.errors).toHaveLength(1);
    for (const text of renderings(run.errors[0])) expectNoSecret(text);
    expectNoSecret(run.text());
    // The chain and its non-sensitive fields are still there for the developer.
    const error = run.errors[0] as Error & { cause: Error & { cause: Record<string, unknown> } };
    expect(error.message).toBe("login failed");
    expect(error.cause.message).toBe("token exchange failed");
    expect(error.cause.cause).toMatchObject({ code: "ERR_BAD_REQUEST", response: { status: 401 } });
  });

  it("a body whose verify callback refuses it (body-parser keeps the body on that error too)", async () => {
    const run = await start();
    const reply = await request(server!.port, {
      method: "POST",
      path: "/signed",
      headers: { "content-type": "text/plain" },
      body: `password=${PASSWORD}`,
    });
    expect(reply.status).toBe(403);
    expect(run.errors[0]).toMatchObject({
      type: "entity.verify.failed",
      message: "signature mismatch",
      body: "[REDACTED]",
    });
    for (const text of renderings(run.errors[0])) expectNoSecret(text);
    expectNoSecret(run.text());
  });

  it("a urlencoded login with an unsupported charset", async () => {
    const run = await start();
    const reply = await postLogin(
      `password=${PASSWORD}&x=%E0%A4%A`,
      "application/x-www-form-urlencoded; charset=utf-7",
    );
    expect(reply.status).toBe(415);
    for (const error of run.errors) for (const text of renderings(error)) expectNoSecret(text);
    expectNoSecret(run.text());
  });
});

describe("moatkit's pino hooks strip raw parser input from errors", () => {
  async function parserError(body: string): Promise<unknown> {
    let caught: unknown;
    const app = express();
    app.use(express.json());
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      caught = err;
      res.sendStatus(400);
    });
    server = await listen(app);
    await postLogin(body);
    await server.close();
    server = undefined;
    return caught;
  }

  it("pinoRedaction and redactingPino: the error as merged object, as first argument, and as a cause", async () => {
    const raw = await parserError(MALFORMED["garbage after a value"] ?? "");
    expect(inspect(raw)).toContain(PASSWORD); // the attack's precondition: body-parser keeps the body
    const loggers = [
      memoryPino((stream) => pino({ ...pinoRedaction(createRedactor()) }, stream)),
      memoryPino((stream) => redactingPino({}, stream)),
    ];
    for (const { logger, text } of loggers) {
      logger.error({ err: raw }, "parse failed");
      logger.error(raw);
      logger.error({ err: new Error("wrapped", { cause: raw }) });
      logger.child({ component: "auth" }).warn({ failure: { err: raw } });
      expect(text()).toContain("parse failed");
      expectNoSecret(text());
    }
  });

  it("redactValue of a body-parser error keeps the error usable", async () => {
    const raw = await parserError(MALFORMED["bare word (strict violation, quoted in the message)"] ?? "");
    const copy = createRedactor().redactValue(raw);
    for (const text of renderings(copy)) expectNoSecret(text);
    expect(copy).toBeInstanceOf(SyntaxError);
    expect(copy).toMatchObject({ status: 400, type: "entity.parse.failed", body: "[REDACTED]" });
    // The original is left as it was.
    expect((raw as { body: string }).body).toBe(PASSWORD);
  });
});

describe("the other onError hooks get the same copy", () => {
  it("rateLimit: a key function whose error carries the body", async () => {
    const errors: unknown[] = [];
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "rl:errbody",
      points: 5,
      duration: "1m",
    });
    const app = express();
    app.use(express.json());
    app.use(
      rateLimit(limiter, {
        key: (req) => {
          throw Object.assign(new Error("no key for this login"), { body: JSON.stringify((req as Request).body) });
        },
        onError: (err) => errors.push(err),
      }),
    );
    server = await listen(app);
    const reply = await request(server.port, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(reply.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: "no key for this login", body: "[REDACTED]" });
    for (const text of renderings(errors[0])) expectNoSecret(text);
  });
});
