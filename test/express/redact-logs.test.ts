import { Writable } from "node:stream";
import express from "express";
import fc from "fast-check";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryApiKeyStore } from "../../src/adapters/memory/index.js";
import { createApiKeys } from "../../src/apikeys/index.js";
import { createRedactor } from "../../src/redact/index.js";
import {
  apiKeyAuth,
  errorHandler,
  getRequestLogger,
  getSubject,
  redactLogs,
  requestContext,
  setSubject,
  type PinoLikeLogger,
  type RedactLogsOptions,
} from "../../src/express/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { listen, request, thrownInBareHandler, type Listening } from "./http.js";

const EMAIL = "alice.smith@example.com";
const SSN = "536-22-8041";
const CARD = "4111 1111 1111 1111";
const PII = [EMAIL, SSN, CARD, "4111111111111111"];

/** A real pino logger writing JSON lines into memory. */
function memoryPino() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((l) => l !== ""),
      );
      done();
    },
  });
  const logger = pino({ level: "trace" }, stream);
  return {
    logger,
    lines,
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => lines.join("\n"),
  };
}

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Org settings as an app would keep them: org_open has redaction turned off. */
const orgRedaction: Record<string, boolean> = { org_safe: true, org_open: false };
const apiKeyOverride: Record<string, boolean | undefined> = { key_on: true, key_off: false, key_inherit: undefined };

async function start(logger: PinoLikeLogger, options: RedactLogsOptions = {}) {
  const app = express();
  app.use(requestContext());
  app.use(redactLogs(logger, options));
  app.use((req, _res, next) => {
    // Stand-in authentication: org and key from headers (a test app only).
    const org = req.headers["x-org"];
    if (typeof org === "string")
      setSubject(req, { id: String(req.headers["x-key"] ?? "user_1"), role: "member", tenantId: org });
    next();
  });
  app.use(express.json());
  app.post("/support", (req, res) => {
    const log = getRequestLogger(req);
    const body = req.body as { email: string; ssn: string; card: string };
    log.info({ customer: { email: body.email, ssn: body.ssn } }, "payment with card %s failed", body.card);
    log.warn(`plain string with ${body.email}`);
    log.error(new Error(`lookup failed for ${body.ssn}`));
    log.child({ customerEmail: body.email }).debug("child line");
    log.fatal({ card: body.card });
    log.trace("trace %s", body.email);
    res.json({ ok: true });
  });
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.use(errorHandler());
  server = await listen(app);
}

const post = (headers: Record<string, string> = {}, path = "/support?email=" + encodeURIComponent(EMAIL)) =>
  request(server!.port, {
    method: "POST",
    path,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ email: EMAIL, ssn: SSN, card: CARD }),
  });

describe("redactLogs with a real pino logger", () => {
  it("redacts emails, SSNs and card numbers in objects, messages, errors and child bindings", async () => {
    const out = memoryPino();
    await start(out.logger);
    const reply = await post({ "x-request-id": "req-redact-1" });
    expect(reply.status).toBe(200);
    const text = out.text();
    for (const value of PII) expect(text).not.toContain(value);
    const lines = out.parsed();
    const info = lines.find((l) => l["level"] === 30 && l["msg"] !== "request");
    expect(info).toMatchObject({
      requestId: "req-redact-1",
      customer: { email: "[EMAIL]", ssn: "[REDACTED]" },
      msg: "payment with card [CREDIT_CARD] failed",
    });
    expect(lines.find((l) => l["level"] === 40)).toMatchObject({ msg: "plain string with [EMAIL]" });
    expect(lines.find((l) => l["level"] === 50)?.["msg"]).toBe("lookup failed for [SSN]");
    expect(lines.find((l) => l["level"] === 20)).toMatchObject({
      customerEmail: "[EMAIL]",
      msg: "child line",
      requestId: "req-redact-1",
    });
    expect(lines.find((l) => l["level"] === 60)).toMatchObject({ card: "[CREDIT_CARD]" });
    expect(lines.find((l) => l["level"] === 10)).toMatchObject({ msg: "trace [EMAIL]" });
  });

  it("writes one access line per request: method, path without the query string, status, ms, requestId — never the body", async () => {
    const out = memoryPino();
    await start(out.logger);
    await post({ "x-request-id": "req-access-1" });
    await request(server!.port, { path: "/boom?token=secret-token", headers: { "x-request-id": "req-access-2" } });
    await request(server!.port, { path: "/missing", headers: { "x-request-id": "req-access-3" } });
    const access = out.parsed().filter((l) => l["msg"] === "request");
    expect(access).toHaveLength(3);
    expect(access[0]).toMatchObject({
      level: 30,
      method: "POST",
      path: "/support",
      status: 200,
      requestId: "req-access-1",
    });
    expect(typeof access[0]?.["ms"]).toBe("number");
    expect(access[1]).toMatchObject({
      level: 50,
      method: "GET",
      path: "/boom",
      status: 500,
      requestId: "req-access-2",
    });
    expect(access[2]).toMatchObject({ level: 40, path: "/missing", status: 404 });
    const text = out.text();
    expect(text).not.toContain("secret-token");
    expect(text).not.toContain("?email");
    for (const line of access)
      expect(Object.keys(line).sort()).toEqual([
        "hostname",
        "level",
        "method",
        "ms",
        "msg",
        "path",
        "pid",
        "requestId",
        "status",
        "time",
      ]);
  });

  it("leaves lines alone for an organisation that turned redaction off, and redacts for the others", async () => {
    const out = memoryPino();
    await start(out.logger, { enabled: (req) => orgRedaction[getSubject(req)?.tenantId ?? ""] ?? true });
    await post({ "x-org": "org_open", "x-request-id": "req-open" });
    await post({ "x-org": "org_safe", "x-request-id": "req-safe" });
    await post({ "x-request-id": "req-anon" });
    const byRequest = (id: string) => out.lines.filter((l) => l.includes(`"requestId":"${id}"`)).join("\n");
    expect(byRequest("req-open")).toContain(EMAIL);
    expect(byRequest("req-open")).toContain(SSN);
    expect(byRequest("req-open")).toContain(CARD);
    for (const id of ["req-safe", "req-anon"]) for (const value of PII) expect(byRequest(id)).not.toContain(value);
  });

  it("lets the API key's override win over the organisation's setting", async () => {
    const out = memoryPino();
    await start(out.logger, {
      enabled: (req) => orgRedaction[getSubject(req)?.tenantId ?? ""] ?? true,
      override: (req) => apiKeyOverride[getSubject(req)?.id ?? ""],
    });
    await post({ "x-org": "org_open", "x-key": "key_on", "x-request-id": "req-1" });
    await post({ "x-org": "org_safe", "x-key": "key_off", "x-request-id": "req-2" });
    await post({ "x-org": "org_open", "x-key": "key_inherit", "x-request-id": "req-3" });
    await post({ "x-org": "org_safe", "x-key": "key_inherit", "x-request-id": "req-4" });
    const byRequest = (id: string) => out.lines.filter((l) => l.includes(`"requestId":"${id}"`)).join("\n");
    expect(byRequest("req-1")).not.toContain(EMAIL);
    expect(byRequest("req-2")).toContain(EMAIL);
    expect(byRequest("req-3")).toContain(EMAIL);
    expect(byRequest("req-4")).not.toContain(EMAIL);
  });

  it("follows the verifying API key's own redaction setting by default", async () => {
    const out = memoryPino();
    const apiKeys = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore() });
    const app = express();
    app.use(requestContext());
    app.use(redactLogs(out.logger, { enabled: (req) => orgRedaction[getSubject(req)?.tenantId ?? ""] ?? true }));
    app.use(apiKeyAuth({ apiKeys }));
    app.post("/support", (req, res) => {
      getRequestLogger(req).info({ from: EMAIL }, "ticket");
      res.json({ ok: true });
    });
    app.use(errorHandler());
    server = await listen(app);
    const keys = {
      on: (await apiKeys.issue({ ownerId: "u1", tenantId: "org_open", env: "live", redaction: "on" })).key.reveal(),
      off: (await apiKeys.issue({ ownerId: "u1", tenantId: "org_safe", env: "live", redaction: "off" })).key.reveal(),
      inheritOpen: (await apiKeys.issue({ ownerId: "u1", tenantId: "org_open", env: "live" })).key.reveal(),
      inheritSafe: (await apiKeys.issue({ ownerId: "u1", tenantId: "org_safe", env: "live" })).key.reveal(),
    };
    for (const [name, key] of Object.entries(keys)) {
      const reply = await request(server.port, {
        method: "POST",
        path: "/support",
        headers: { "x-api-key": key, "x-request-id": `req-${name}` },
      });
      expect(reply.status, reply.text).toBe(200);
    }
    const byRequest = (id: string) => out.lines.filter((l) => l.includes(`"requestId":"${id}"`)).join("\n");
    expect(byRequest("req-on")).toContain("[EMAIL]");
    expect(byRequest("req-on")).not.toContain(EMAIL);
    expect(byRequest("req-off")).toContain(EMAIL);
    expect(byRequest("req-inheritOpen")).toContain(EMAIL);
    expect(byRequest("req-inheritSafe")).not.toContain(EMAIL);
  });

  it("keeps redacting when enabled or override throws or answers something other than a boolean", async () => {
    for (const options of [
      {
        enabled: () => {
          throw new Error("settings store down");
        },
      },
      {
        override: () => {
          throw new Error("key lookup failed");
        },
      },
      { enabled: () => "no" as unknown as boolean },
      { enabled: () => undefined as unknown as boolean, override: () => "off" as unknown as boolean },
    ] satisfies RedactLogsOptions[]) {
      const out = memoryPino();
      await start(out.logger, options);
      await post();
      for (const value of PII) expect(out.text()).not.toContain(value);
      await server?.close();
      server = undefined;
    }
  });

  it("uses the redactor it is given, and can leave out the access log", async () => {
    const out = memoryPino();
    await start(out.logger, { redactor: createRedactor({ replace: "mask" }), accessLog: false });
    await post();
    expect(out.text()).toContain("**** **** **** 1111");
    expect(out.parsed().filter((l) => l["msg"] === "request")).toEqual([]);
  });

  it("works without requestContext(), with no requestId binding", async () => {
    const out = memoryPino();
    const app = express();
    app.use(redactLogs(out.logger));
    app.get("/", (req, res) => {
      getRequestLogger(req).info(`hello ${EMAIL}`);
      res.end();
    });
    server = await listen(app);
    await request(server.port);
    expect(out.text()).not.toContain(EMAIL);
    expect(out.parsed().every((l) => !("requestId" in l))).toBe(true);
  });

  it("never lets a detectable value through, whatever the handler logs", () => {
    const out = memoryPino();
    const logger = getRequestLoggerFor(out.logger);
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(...PII), fc.string(), (before, value, after) => {
        out.lines.length = 0;
        logger.info({ note: `${before} ${value} ${after}`, nested: [{ v: value }] }, `${before} %s ${after}`, value);
        logger.warn(`${before} ${value} ${after}`);
        return !out.text().includes(value);
      }),
      { numRuns: 200 },
    );
  });

  it("throws ERR_CONFIG from getRequestLogger when redactLogs() did not run", async () => {
    const thrown = await thrownInBareHandler((req) => getRequestLogger(req));
    expect(thrown).toMatchObject({ code: "ERR_CONFIG" });
  });
});

/** The request logger of one real request, kept for property tests outside it. */
function getRequestLoggerFor(logger: PinoLikeLogger) {
  let captured: ReturnType<typeof getRequestLogger> | undefined;
  const mw = redactLogs(logger, { accessLog: false });
  const req = Object.assign(Object.create(null) as object, { headers: {}, method: "GET", url: "/" });
  mw(req as never, { once: () => undefined } as never, () => {
    captured = getRequestLogger(req as never);
  });
  if (captured === undefined) throw new Error("no logger");
  return captured;
}

describe("redactLogs options", () => {
  const { logger } = memoryPino();

  it("refuses a logger that is not pino-compatible", () => {
    for (const bad of [...WRONG_TYPES, { info: () => {} }, { child: () => ({}), info: () => {}, warn: () => {} }]) {
      expectMoatError(() => redactLogs(bad as PinoLikeLogger), "ERR_CONFIG");
    }
  });

  it("refuses bad options", () => {
    for (const bad of WRONG_TYPES.filter(
      (v) => v !== undefined && !(typeof v === "object" && v !== null && !Array.isArray(v)),
    )) {
      expectMoatError(() => redactLogs(logger, bad as RedactLogsOptions), "ERR_CONFIG");
    }
    for (const bad of WRONG_TYPES.filter((v) => v !== undefined && typeof v !== "function")) {
      expectMoatError(() => redactLogs(logger, { enabled: bad } as unknown as RedactLogsOptions), "ERR_CONFIG");
      expectMoatError(() => redactLogs(logger, { override: bad } as unknown as RedactLogsOptions), "ERR_CONFIG");
    }
    expectMoatError(
      () => redactLogs(logger, { redactor: { redact: (t: string) => t } } as unknown as RedactLogsOptions),
      "ERR_CONFIG",
    );
    expectMoatError(() => redactLogs(logger, { accessLog: 1 } as unknown as RedactLogsOptions), "ERR_CONFIG");
    expectMoatError(() => redactLogs(logger, { enable: () => true } as unknown as RedactLogsOptions), "ERR_CONFIG");
  });
});
