import type { IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryApiKeyStore, createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import { createApiKeys, type ApiKeys } from "../../src/apikeys/index.js";
import { apiKeyAuth, authenticate, errorHandler, tenantScope } from "../../src/express/index.js";
import {
  createKeySet,
  createSessions,
  createTokens,
  generateSigningKey,
  type Sessions,
} from "../../src/sessions/index.js";
import { currentTenant } from "../../src/tenant/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { headerSubject, requestAs } from "./header-subject.js";
import { listen, request, type Listening } from "./http.js";

let sessions: Sessions;
let apiKeys: ApiKeys;
let server: Listening;

/** Answers with the tenant context the handler runs in, after an await, so it must survive async hops. */
async function whoAmI(_req: IncomingMessage, res: express.Response): Promise<void> {
  await sleep(1);
  res.json(currentTenant());
}

beforeAll(async () => {
  const tokens = createTokens({
    keys: createKeySet([await generateSigningKey("EdDSA")]),
    issuer: "https://auth.test",
    audience: "api",
  });
  sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
  apiKeys = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore() });

  const app = express();
  // Body parsed after the scope is entered, to show the context survives the parser's stream events.
  app.use(
    "/api",
    apiKeyAuth({ apiKeys, optional: true }),
    authenticate({ tokens: sessions }),
    tenantScope(),
    express.json(),
  );
  app.all("/api/whoami", whoAmI);

  const g = express.Router();
  g.use(headerSubject);
  g.get("/default", tenantScope(), whoAmI);
  g.get(
    "/lookup",
    tenantScope({
      toContext: async (subject) => ({ userId: subject.id, role: subject.id === "u_admin" ? "admin" : "member" }),
    }),
    whoAmI,
  );
  g.get("/other-tenant", tenantScope({ toContext: () => ({ userId: "u1", tenantId: "org_evil" }) as never }), whoAmI);
  g.get("/same-tenant", tenantScope({ toContext: (s) => ({ userId: "u1", tenantId: s.tenantId }) as never }), whoAmI);
  g.get("/bad-context", tenantScope({ toContext: () => ({ userId: "" }) }), whoAmI);
  g.get("/not-object", tenantScope({ toContext: () => "org_1" as never }), whoAmI);
  g.get(
    "/throwing",
    tenantScope({
      toContext: () => {
        throw new Error("roles table down");
      },
    }),
    whoAmI,
  );
  app.use("/g", g);
  app.use(errorHandler());
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
});

const asSubject = (path: string, subject?: object) => requestAs(server.port, "GET", path, subject);

describe("tenantScope: the tenant comes from the verified subject only", () => {
  it("runs the handler as the token's tenant", async () => {
    const { accessToken } = await sessions.start("user_1", { role: "admin", tid: "org_1" });
    const reply = await request(server.port, {
      path: "/api/whoami",
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect([reply.status, reply.json()]).toEqual([200, { tenantId: "org_1", userId: "user_1", role: "admin" }]);
  });

  it("ignores a tenant id forged in the body, the query string or a header", async () => {
    const { accessToken } = await sessions.start("user_2", { role: "member", tid: "org_1" });
    const reply = await request(server.port, {
      method: "POST",
      path: "/api/whoami?tenantId=org_2&tid=org_2&tenant=org_2",
      headers: {
        authorization: `Bearer ${accessToken}`,
        "content-type": "application/json",
        "x-tenant-id": "org_2",
        "x-org-id": "org_2",
        tenant: "org_2",
      },
      body: JSON.stringify({ tenantId: "org_2", tid: "org_2", orgId: "org_2" }),
    });
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ tenantId: "org_1", userId: "user_2", role: "member" });
    expect(reply.text).not.toContain("org_2");
  });

  it("takes an API key's tenant", async () => {
    const { key, record } = await apiKeys.issue({ ownerId: "user_3", tenantId: "org_9", env: "live" });
    const reply = await request(server.port, {
      path: "/api/whoami?tenantId=org_1",
      headers: { "x-api-key": key.reveal(), "x-tenant-id": "org_1" },
    });
    expect(reply.json()).toEqual({ tenantId: "org_9", userId: record.id, role: "apikey" });
  });

  it("answers 403 ERR_NO_TENANT for a subject without a tenant, whatever the request says", async () => {
    const { accessToken } = await sessions.start("user_4", { role: "member" });
    const reply = await request(server.port, {
      path: "/api/whoami?tenantId=org_1",
      headers: { authorization: `Bearer ${accessToken}`, "x-tenant-id": "org_1" },
    });
    expect([reply.status, reply.json()]).toEqual([403, { error: "ERR_NO_TENANT" }]);
    const keyless = await apiKeys.issue({ ownerId: "user_4", env: "live" });
    expect(
      (await request(server.port, { path: "/api/whoami", headers: { "x-api-key": keyless.key.reveal() } })).json(),
    ).toEqual({ error: "ERR_NO_TENANT" });
  });

  it("answers 401 without a subject", async () => {
    const reply = await asSubject("/g/default");
    expect([reply.status, reply.json()]).toEqual([401, { error: "ERR_UNAUTHENTICATED" }]);
  });
});

describe("tenantScope: the context", () => {
  it("carries a single role and the impersonator, and leaves out a role list", async () => {
    expect(
      (await asSubject("/g/default", { id: "u1", role: ["admin"], tenantId: "t1", impersonatorId: "staff_1" })).json(),
    ).toEqual({
      tenantId: "t1",
      userId: "u1",
      role: "admin",
      impersonatorId: "staff_1",
    });
    expect((await asSubject("/g/default", { id: "u1", role: ["admin", "billing"], tenantId: "t1" })).json()).toEqual({
      tenantId: "t1",
      userId: "u1",
    });
  });

  it("lets toContext decide the user part, asynchronously", async () => {
    expect((await asSubject("/g/lookup", { id: "u_admin", role: "x", tenantId: "t1" })).json()).toEqual({
      tenantId: "t1",
      userId: "u_admin",
      role: "admin",
    });
    expect((await asSubject("/g/same-tenant", { id: "u_admin", role: "x", tenantId: "t1" })).json()).toEqual({
      tenantId: "t1",
      userId: "u1",
    });
  });

  it("fails closed when toContext names another tenant, returns an invalid context or throws", async () => {
    for (const path of ["/g/other-tenant", "/g/bad-context", "/g/not-object", "/g/throwing"]) {
      const reply = await asSubject(path, { id: "u1", role: "member", tenantId: "t1" });
      expect([reply.status, reply.json()], path).toEqual([500, { error: "ERR_INTERNAL" }]);
      expect(reply.text).not.toContain("org_evil");
    }
  });

  it("refuses invalid options at start-up", () => {
    for (const bad of [null, 42, "x", [], true]) expectMoatError(() => tenantScope(bad as never), "ERR_CONFIG");
    for (const bad of WRONG_TYPES.filter((v) => v !== undefined && typeof v !== "function")) {
      expectMoatError(() => tenantScope({ toContext: bad as never }), "ERR_CONFIG");
    }
    expectMoatError(() => tenantScope({ tenantId: "t1" } as never), "ERR_CONFIG");
  });
});
