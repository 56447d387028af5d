import { randomBytes } from "node:crypto";
import express from "express";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { createPostgresAuditStore } from "../../src/adapters/postgres/index.js";
import { createAuditLog, type AuditLog, type StoredAuditEvent } from "../../src/audit/index.js";
import {
  auditTrail,
  errorHandler,
  recordAudit,
  requestContext,
  setSubject,
  type AuditTrailOptions,
  type RecordAuditInput,
} from "../../src/express/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";
import { listen, request, type Listening } from "./http.js";

const API_TOKEN = "sk_live_do_not_audit_0123456789";
const PASSWORD = "hunter2-correct-horse";
const EMAIL = "carol.jones@example.com";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** An app with stand-in authentication: `x-user` / `x-org` headers become the subject (test only). */
async function start(log: AuditLog, options: AuditTrailOptions = {}) {
  const app = express();
  app.use(requestContext({ trustProxy: true }));
  app.use((req, _res, next) => {
    const user = req.headers["x-user"];
    const org = req.headers["x-org"];
    if (typeof user === "string") {
      setSubject(req, {
        id: user,
        role: "member",
        ...(typeof org === "string" ? { tenantId: org } : {}),
        ...(req.headers["x-impersonator"] === "staff_1" ? { impersonatorId: "staff_1" } : {}),
      });
    }
    next();
  });
  app.use(express.json());
  app.use(auditTrail(log, options));
  app.post("/notes", (_req, res) => res.status(201).json({ id: "note_1" }));
  app.put("/notes/:id", (_req, res) => res.json({ ok: true }));
  app.delete("/notes/:id", async (req, res) => {
    await recordAudit(req, {
      action: "note.delete",
      target: { type: "note", id: req.params.id },
      before: { title: "groceries", owner: EMAIL, password: PASSWORD },
    });
    res.sendStatus(204);
  });
  app.get("/notes", (_req, res) => res.json([]));
  app.post("/fail", (_req, res) => res.status(422).json({ error: "invalid" }));
  app.post("/throws", () => {
    throw new Error("handler failed");
  });
  app.use(errorHandler());
  server = await listen(app);
}

const send = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  request(server!.port, {
    method,
    path,
    headers: {
      "content-type": "application/json",
      "x-forwarded-for": "203.0.113.9",
      "user-agent": "audit-test/1.0",
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function events(log: AuditLog, orgId: string, count: number): Promise<readonly StoredAuditEvent[]> {
  // Automatic events are appended once the response has finished: wait until they are there.
  let found: readonly StoredAuditEvent[] = [];
  await vi.waitFor(async () => {
    found = (await log.query({ orgId, limit: 100, order: "asc" })).events;
    expect(found.length).toBeGreaterThanOrEqual(count);
  });
  return found;
}

function suite(makeLog: () => AuditLog) {
  it("appends an event for each successful write, with actor, org, route action and request context", async () => {
    const log = makeLog();
    const org = `org_${randomBytes(4).toString("hex")}`;
    await start(log);
    const who = { "x-user": "user_1", "x-org": org };
    expect(
      (
        await send(
          "POST",
          `/notes?token=${API_TOKEN}`,
          { ...who, "x-request-id": "req-audit-1" },
          { title: "t", apiToken: API_TOKEN },
        )
      ).status,
    ).toBe(201);
    expect(
      (await send("PUT", "/notes/n_7", { ...who, "x-impersonator": "staff_1" }, { password: PASSWORD })).status,
    ).toBe(200);
    expect((await send("GET", "/notes", who)).status).toBe(200);
    const [created, updated, ...rest] = await events(log, org, 2);
    expect(rest).toEqual([]);
    expect(created).toMatchObject({
      orgId: org,
      actor: { userId: "user_1" },
      action: "POST /notes",
      target: { type: "http_request", id: "/notes" },
      requestId: "req-audit-1",
      ip: "203.0.113.9",
      userAgent: "audit-test/1.0",
      metadata: { method: "POST", status: 201 },
    });
    expect(updated).toMatchObject({
      action: "PUT /notes/:id",
      target: { id: "/notes/n_7" },
      actor: { userId: "user_1", impersonatorId: "staff_1" },
    });
    const all = JSON.stringify([created, updated]);
    expect(all).not.toContain(API_TOKEN);
    expect(all).not.toContain(PASSWORD);
    expect(await log.verify({ orgId: org })).toMatchObject({ ok: true, count: 2 });
  });

  it("does not audit failed writes (4xx, 5xx)", async () => {
    const log = makeLog();
    const org = `org_${randomBytes(4).toString("hex")}`;
    await start(log);
    const who = { "x-user": "user_2", "x-org": org };
    expect((await send("POST", "/fail", who, {})).status).toBe(422);
    expect((await send("POST", "/throws", who, {})).status).toBe(500);
    expect((await send("POST", "/missing", who, {})).status).toBe(404);
    expect((await send("POST", "/notes", who, {})).status).toBe(201);
    const found = await events(log, org, 1);
    expect(found.map((e) => e.action)).toEqual(["POST /notes"]);
  });

  it("records a handler's explicit event instead of the automatic one, redacting its diff", async () => {
    const log = makeLog();
    const org = `org_${randomBytes(4).toString("hex")}`;
    await start(log);
    expect(
      (await send("DELETE", "/notes/n_9", { "x-user": "user_3", "x-org": org, "x-request-id": "req-del" })).status,
    ).toBe(204);
    await send("POST", "/notes", { "x-user": "user_3", "x-org": org });
    const found = await events(log, org, 2);
    expect(found.map((e) => e.action)).toEqual(["note.delete", "POST /notes"]);
    expect(found[0]).toMatchObject({
      target: { type: "note", id: "n_9" },
      actor: { userId: "user_3" },
      requestId: "req-del",
      ip: "203.0.113.9",
    });
    const text = JSON.stringify(found);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(EMAIL);
    expect(await log.verify({ orgId: org })).toMatchObject({ ok: true, count: 2 });
  });

  it("takes the org from orgId(req) for anonymous writes, and never over the subject's tenant", async () => {
    const log = makeLog();
    const org = `org_${randomBytes(4).toString("hex")}`;
    const other = `org_${randomBytes(4).toString("hex")}`;
    await start(log, {
      orgId: (req) => (typeof req.headers["x-claimed-org"] === "string" ? req.headers["x-claimed-org"] : undefined),
    });
    await send("POST", "/notes", { "x-claimed-org": org });
    await send("POST", "/notes", { "x-user": "user_4", "x-org": org, "x-claimed-org": other });
    const found = await events(log, org, 2);
    expect(found.map((e) => e.actor.userId)).toEqual(["anonymous", "user_4"]);
    expect((await log.query({ orgId: other, limit: 10 })).events).toEqual([]);
  });

  it("reports a write with no organisation to onError (ERR_NO_TENANT), recording nothing", async () => {
    const log = makeLog();
    const errors: unknown[] = [];
    await start(log, { onError: (err) => errors.push(err) });
    expect((await send("POST", "/notes", { "x-user": "user_5" })).status).toBe(201);
    await vi.waitFor(() => {
      expect(errors).toHaveLength(1);
    });
    expect(errors[0]).toMatchObject({ code: "ERR_NO_TENANT" });
  });

  it("takes a fixed or computed action, a target function and other methods", async () => {
    const log = makeLog();
    const org = `org_${randomBytes(4).toString("hex")}`;
    await start(log, { methods: ["POST", "GET"], action: "notes.write", target: () => ({ type: "note", id: "n_1" }) });
    await send("POST", "/notes", { "x-user": "u", "x-org": org });
    await send("GET", "/notes", { "x-user": "u", "x-org": org });
    await send("PUT", "/notes/n_1", { "x-user": "u", "x-org": org });
    const found = await events(log, org, 2);
    expect(found.map((e) => [e.action, e.target.id, e.metadata?.["method"]])).toEqual([
      ["notes.write", "n_1", "POST"],
      ["notes.write", "n_1", "GET"],
    ]);
  });
}

describe("auditTrail with the memory store", () => {
  suite(() => createAuditLog({ store: createMemoryAuditStore() }));

  it("reports a store failure to onError without changing the response", async () => {
    const errors: unknown[] = [];
    const store = createMemoryAuditStore();
    const broken = createAuditLog({
      store: { ...store, appendAuditEvents: () => Promise.reject(new Error("disk full")) },
    });
    await start(broken, { onError: (err) => errors.push(err) });
    expect((await send("POST", "/notes", { "x-user": "u", "x-org": "org_x" })).status).toBe(201);
    await vi.waitFor(() => {
      expect(errors).toHaveLength(1);
    });
    expect(errors[0]).toMatchObject({ code: "ERR_STORE" });
  });

  it("emits a process warning naming only the code when no onError is given", async () => {
    const warnings: Error[] = [];
    const listener = (w: Error) => warnings.push(w);
    process.on("warning", listener);
    try {
      await start(createAuditLog({ store: createMemoryAuditStore() }));
      await send("POST", "/notes", { "x-user": "u" });
      await vi.waitFor(() => {
        expect(warnings.some((w) => w.message.includes("ERR_NO_TENANT"))).toBe(true);
      });
    } finally {
      process.off("warning", listener);
    }
  });

  it("uses the socket's address and X-Request-Id when requestContext() did not run", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const app = express();
    app.use(auditTrail(log, { orgId: () => "org_bare" }));
    app.post("/x", (_req, res) => res.sendStatus(204));
    server = await listen(app);
    await request(server.port, {
      method: "POST",
      path: "/x",
      headers: { "x-request-id": "bare-1", "x-forwarded-for": "198.51.100.1" },
    });
    const [event] = await events(log, "org_bare", 1);
    expect(event).toMatchObject({
      requestId: "bare-1",
      ip: "127.0.0.1",
      actor: { userId: "anonymous" },
      action: "POST /x",
    });
  });

  it("recordAudit throws ERR_CONFIG without auditTrail() and ERR_INVALID_INPUT for a malformed event", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const outcomes: unknown[] = [];
    const app = express();
    app.use(auditTrail(log, { orgId: () => "org_r" }));
    app.post("/x", async (req, res) => {
      for (const bad of [
        ...WRONG_TYPES,
        { action: "", target: { type: "t", id: "i" } },
        { action: "a", target: { type: "t", id: "x".repeat(300) } },
      ]) {
        outcomes.push(await recordAudit(req, bad as RecordAuditInput).catch((err: unknown) => err));
      }
      res.sendStatus(204);
    });
    server = await listen(app);
    await request(server.port, { method: "POST", path: "/x" });
    for (const outcome of outcomes) expect(outcome).toMatchObject({ code: "ERR_INVALID_INPUT" });
    const bare = express();
    let rejected: unknown;
    bare.get("/", async (req, res) => {
      rejected = await recordAudit(req, { action: "a", target: { type: "t", id: "i" } }).catch((err: unknown) => err);
      res.end();
    });
    const bareServer = await listen(bare);
    await request(bareServer.port);
    await bareServer.close();
    expect(rejected).toMatchObject({ code: "ERR_CONFIG" });
  });
});

describePostgres("auditTrail", (target) => {
  const db = useMigratedDatabase(target);
  suite(() => createAuditLog({ store: createPostgresAuditStore({ client: db() }) }));
});

describe("auditTrail options", () => {
  const log = createAuditLog({ store: createMemoryAuditStore() });

  it("refuses something that is not an audit log", () => {
    for (const bad of [...WRONG_TYPES, { record: () => 1 }])
      expectMoatError(() => auditTrail(bad as AuditLog), "ERR_CONFIG");
  });

  it("refuses bad options", () => {
    for (const bad of WRONG_TYPES.filter(
      (v) => v !== undefined && !(typeof v === "object" && v !== null && !Array.isArray(v)),
    )) {
      expectMoatError(() => auditTrail(log, bad as AuditTrailOptions), "ERR_CONFIG");
    }
    for (const bad of WRONG_TYPES.filter((v) => v !== undefined && typeof v !== "function")) {
      expectMoatError(() => auditTrail(log, { orgId: bad } as unknown as AuditTrailOptions), "ERR_CONFIG");
      expectMoatError(() => auditTrail(log, { target: bad } as unknown as AuditTrailOptions), "ERR_CONFIG");
      expectMoatError(() => auditTrail(log, { onError: bad } as unknown as AuditTrailOptions), "ERR_CONFIG");
    }
    for (const bad of [[], ["post"], ["GET /"], "POST"])
      expectMoatError(() => auditTrail(log, { methods: bad } as unknown as AuditTrailOptions), "ERR_CONFIG");
    for (const bad of ["", "a".repeat(129), "bad\naction", 5])
      expectMoatError(() => auditTrail(log, { action: bad } as unknown as AuditTrailOptions), "ERR_CONFIG");
    expectMoatError(() => auditTrail(log, { method: ["POST"] } as unknown as AuditTrailOptions), "ERR_CONFIG");
  });
});
