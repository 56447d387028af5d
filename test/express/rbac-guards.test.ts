import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  errorHandler,
  getSubject,
  requirePermission,
  requireRole,
  setSubject,
  type RequestSubject,
} from "../../src/express/index.js";
import { defineDefaultRoles, defineRoles } from "../../src/rbac/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { headerSubject, requestAs } from "./header-subject.js";
import { listen, type Listening } from "./http.js";

const roles = defineDefaultRoles({
  admin: ["members:invite", "members:remove"],
  member: ["notes:write"],
  viewer: ["notes:read"],
});

let server: Listening;
beforeAll(async () => {
  const app = express();
  app.use(headerSubject);
  app.get("/notes", requirePermission(roles, "notes:read"), (_req, res) => res.json({ ok: true }));
  app.post("/notes", requirePermission(roles, "notes:write"), (_req, res) => res.json({ ok: true }));
  app.post("/members", requirePermission(roles, "members:invite"), (_req, res) => res.json({ ok: true }));
  app.get("/admin", requireRole(roles, "admin"), (_req, res) => res.json({ ok: true }));
  app.get("/staff", requireRole(roles, "admin", "member"), (_req, res) => res.json({ ok: true }));
  app.get("/me", (req, res) => res.json(getSubject(req) ?? null));
  app.use(errorHandler());
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
});

const call = (method: string, path: string, subject?: object) => requestAs(server.port, method, path, subject);

describe("requirePermission / requireRole over HTTP", () => {
  it("answers 401 ERR_UNAUTHENTICATED when no subject was set", async () => {
    for (const [method, path] of [
      ["GET", "/notes"],
      ["GET", "/admin"],
    ] as const) {
      const reply = await call(method, path);
      expect(reply.status).toBe(401);
      expect(reply.json()).toEqual({ error: "ERR_UNAUTHENTICATED" });
    }
  });

  it("enforces the owner/admin/member/viewer matrix", async () => {
    const routes = [
      ["GET", "/notes"],
      ["POST", "/notes"],
      ["POST", "/members"],
      ["GET", "/admin"],
      ["GET", "/staff"],
    ] as const;
    const expected: Record<string, number[]> = {
      owner: [200, 200, 200, 200, 200],
      admin: [200, 200, 200, 200, 200],
      member: [200, 200, 403, 403, 200],
      viewer: [200, 403, 403, 403, 403],
    };
    for (const role of roles.roles) {
      const statuses = [];
      for (const [method, path] of routes) statuses.push((await call(method, path, { id: `u-${role}`, role })).status);
      expect(statuses, role).toEqual(expected[role]);
    }
    const forbidden = await call("POST", "/members", { id: "u1", role: "viewer" });
    expect(forbidden.json()).toEqual({ error: "ERR_FORBIDDEN" });
  });

  it("applies per-user flags", async () => {
    expect((await call("POST", "/members", { id: "u1", role: "member", allow: ["members:invite"] })).status).toBe(200);
    expect((await call("GET", "/notes", { id: "u1", role: "owner", deny: ["notes:*"] })).status).toBe(403);
  });

  it("fails closed for a subject whose role or flag the role set does not know", async () => {
    expect((await call("GET", "/notes", { id: "u1", role: "superuser" })).status).toBe(403);
    expect((await call("GET", "/notes", { id: "u1", role: "viewer", allow: ["nope:read"] })).status).toBe(403);
    expect((await call("GET", "/admin", { id: "u1", role: ["viewer", "root"] })).status).toBe(403);
  });
});

describe("guard configuration", () => {
  it("refuses unknown roles and permissions at start-up", () => {
    expectMoatError(() => requireRole(roles, "root" as "admin"), "ERR_CONFIG");
    expectMoatError(() => requireRole(roles, ...([] as unknown as ["admin"])), "ERR_CONFIG");
    expectMoatError(() => requirePermission(roles, "notes:*" as "notes:read"), "ERR_CONFIG");
    for (const bad of WRONG_TYPES) {
      expectMoatError(() => requirePermission(bad as typeof roles, "notes:read"), "ERR_CONFIG");
      expectMoatError(() => requireRole(bad as typeof roles, "admin"), "ERR_CONFIG");
    }
  });

  it("type-checks role and permission names against the role set", () => {
    const typed = defineRoles({ editor: ["docs:write"], reader: ["docs:read"] });
    // @ts-expect-error "docs:wirte" is not a permission of this role set
    expectMoatError(() => requirePermission(typed, "docs:wirte"), "ERR_CONFIG");
    // @ts-expect-error "admin" is not a role of this role set
    expectMoatError(() => requireRole(typed, "admin"), "ERR_CONFIG");
  });
});

describe("setSubject / getSubject", () => {
  const req = () => new IncomingMessage(new Socket());

  it("records a frozen copy, once", () => {
    const r = req();
    expect(getSubject(r)).toBeUndefined();
    const subject = { id: "u1", role: ["member"], tenantId: "t1" };
    setSubject(r, subject);
    subject.role.push("owner");
    expect(getSubject(r)).toEqual({ id: "u1", role: ["member"], tenantId: "t1" });
    expect(Object.isFrozen(getSubject(r))).toBe(true);
    expectMoatError(() => {
      setSubject(r, { id: "u2", role: "owner" });
    }, "ERR_CONFIG");
    expect(getSubject(r)?.id).toBe("u1");
  });

  it("records amr, authTime and scopes, with frozen lists", () => {
    const r = req();
    const amr = ["pwd", "otp"];
    setSubject(r, { id: "u1", role: "member", amr, authTime: 1_767_225_600, scopes: ["notes:read"] });
    amr.push("hwk");
    const subject = getSubject(r);
    expect(subject).toEqual({
      id: "u1",
      role: "member",
      amr: ["pwd", "otp"],
      authTime: 1_767_225_600,
      scopes: ["notes:read"],
    });
    expect(Object.isFrozen(subject?.amr)).toBe(true);
    expect(Object.isFrozen(subject?.scopes)).toBe(true);
    const empty = req();
    setSubject(empty, { id: "u2", role: "apikey", scopes: [], authTime: 0 });
    expect(getSubject(empty)).toEqual({ id: "u2", role: "apikey", scopes: [], authTime: 0 });
  });

  it("refuses unknown fields, so a whole user row cannot ride along", () => {
    expectMoatError(() => {
      setSubject(req(), { id: "u1", role: "member", passwordHash: "$2b$12$..." } as RequestSubject);
    }, "ERR_INVALID_INPUT");
  });

  it("refuses malformed subjects without echoing them", () => {
    const cases: unknown[] = [
      ...WRONG_TYPES,
      { role: "member" },
      { id: "", role: "member" },
      { id: "u1" },
      { id: "u1", role: "" },
      { id: "u1", role: [1] },
      { id: "x".repeat(257), role: "member" },
      { id: "u1", role: "member", tenantId: "" },
      { id: "u1", role: "member", allow: "notes:read" },
      { id: "u1\n", role: "member" },
      { id: "u1", role: "member", tenantId: "t\u0000" },
      { id: "u1", role: "member", amr: "otp" },
      { id: "u1", role: "member", amr: [""] },
      { id: "u1", role: "member", amr: ["otp", 1] },
      { id: "u1", role: "member", amr: Array.from({ length: 33 }, () => "otp") },
      { id: "u1", role: "member", authTime: "1767225600" },
      { id: "u1", role: "member", authTime: -1 },
      { id: "u1", role: "member", authTime: Number.NaN },
      { id: "u1", role: "member", authTime: Number.POSITIVE_INFINITY },
      { id: "u1", role: "member", authTime: 1_767_225_600_000 },
      { id: "u1", role: "member", scopes: "read" },
      { id: "u1", role: "member", scopes: ["x".repeat(129)] },
      { id: "u1", role: "member", scopes: ["read\n"] },
      { id: "u1", role: "member", scopes: Array.from({ length: 101 }, (_, i) => `s${String(i)}`) },
    ];
    for (const bad of cases) {
      const err = expectMoatError(() => {
        setSubject(req(), bad as RequestSubject);
      }, "ERR_INVALID_INPUT");
      expect(JSON.stringify(err.details)).not.toContain("xxxxxxxx");
    }
  });

  it("is not a property of the request, so nothing can forge it by assignment", () => {
    const r = req() as IncomingMessage & { subject?: unknown };
    r.subject = { id: "evil", role: "owner" };
    expect(getSubject(r)).toBeUndefined();
  });
});
