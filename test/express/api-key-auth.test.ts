import type { IncomingMessage } from "node:http";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryApiKeyStore, createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import { createApiKeys, type ApiKeys } from "../../src/apikeys/index.js";
import {
  apiKeyAuth,
  apiKeyRedaction,
  authenticate,
  errorHandler,
  getApiKey,
  getSubject,
} from "../../src/express/index.js";
import {
  createKeySet,
  createSessions,
  createTokens,
  generateSigningKey,
  type Sessions,
} from "../../src/sessions/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { listen, request, type Listening } from "./http.js";

const clock = fakeClock(Date.UTC(2026, 2, 1, 12));
let apiKeys: ApiKeys;
let sessions: Sessions;
let server: Listening;

const me = (req: IncomingMessage, res: express.Response): void => {
  res.json({ subject: getSubject(req) ?? null, key: getApiKey(req) ?? null, redaction: apiKeyRedaction(req) ?? null });
};

beforeAll(async () => {
  apiKeys = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore(), now: clock.now });
  const tokens = createTokens({
    keys: createKeySet([await generateSigningKey("EdDSA")]),
    issuer: "https://auth.test",
    audience: "api",
    now: clock.now,
  });
  sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });

  const app = express();
  app.get("/keys/me", apiKeyAuth({ apiKeys }), me);
  app.get("/keys/deploy", apiKeyAuth({ apiKeys, scopes: ["deploys:write", "deploys:read"] }), me);
  app.get("/custom-header/me", apiKeyAuth({ apiKeys, header: "X-Acme-Key" }), me);
  app.get("/optional/me", apiKeyAuth({ apiKeys, optional: true }), me);
  app.get(
    "/mapped/me",
    apiKeyAuth({
      apiKeys,
      toSubject: (key) => (key.name === "blocked" ? null : { id: `svc:${key.ownerId}`, role: "service" }),
    }),
    me,
  );
  app.get("/bad-mapping/me", apiKeyAuth({ apiKeys, toSubject: () => ({ id: "", role: "service" }) }), me);
  // Either credential; route-level scopes on top of an app-level key check.
  const either = express.Router();
  either.use(apiKeyAuth({ apiKeys, optional: true }), authenticate({ tokens: sessions }));
  either.get("/me", me);
  either.get("/write", apiKeyAuth({ apiKeys, scopes: ["notes:write"] }), me);
  app.use("/either", either);
  app.use(errorHandler());
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
});

const get = (path: string, headers: Record<string, string> = {}) => request(server.port, { path, headers });
const UNAUTHENTICATED = { error: "ERR_UNAUTHENTICATED" };

async function issue(input: Partial<Parameters<ApiKeys["issue"]>[0]> = {}): Promise<string> {
  const { key } = await apiKeys.issue({ ownerId: "user_1", env: "live", ...input });
  return key.reveal();
}

describe("apiKeyAuth: valid keys", () => {
  it("records the key's subject and exposes its metadata without the hash or the key", async () => {
    const key = await issue({ tenantId: "org_1", scopes: ["notes:read"], metadata: { role: "admin" }, name: "CI" });
    const reply = await get("/keys/me", { "x-api-key": key });
    expect(reply.status).toBe(200);
    const body = reply.json() as { subject: unknown; key: Record<string, unknown>; redaction: unknown };
    expect(body.subject).toEqual({ id: body.key["id"], role: "admin", tenantId: "org_1", scopes: ["notes:read"] });
    expect(body.key).toMatchObject({ ownerId: "user_1", tenantId: "org_1", name: "CI", scopes: ["notes:read"] });
    expect(body.key).not.toHaveProperty("hash");
    expect(reply.text).not.toContain(key);
    expect(reply.text).not.toContain(key.slice(10, 30));
    expect(body.redaction).toBeNull();
  });

  it("defaults the role to apikey and takes the key from Authorization: Bearer", async () => {
    const key = await issue();
    const reply = await get("/keys/me", { authorization: `Bearer ${key}` });
    expect((reply.json() as { subject: unknown }).subject).toMatchObject({ role: "apikey", scopes: [] });
  });

  it("reads a custom header", async () => {
    const key = await issue();
    expect((await get("/custom-header/me", { "x-acme-key": key })).status).toBe(200);
    expect((await get("/custom-header/me", { "x-api-key": key })).status).toBe(401);
  });

  it("reports the key's redaction override", async () => {
    const expected = { on: true, off: false, inherit: null } as const;
    for (const redaction of ["on", "off", "inherit"] as const) {
      const key = await issue({ redaction });
      expect((await get("/keys/me", { "x-api-key": key })).json(), redaction).toMatchObject({
        redaction: expected[redaction],
      });
    }
  });

  it("maps keys with toSubject; null refuses the key, an invalid subject is a server error", async () => {
    const ok = await issue({ name: "deployer" });
    expect((await get("/mapped/me", { "x-api-key": ok })).json()).toMatchObject({
      subject: { id: "svc:user_1", role: "service" },
    });
    const blocked = await issue({ name: "blocked" });
    expect((await get("/mapped/me", { "x-api-key": blocked })).json()).toEqual(UNAUTHENTICATED);
    const reply = await get("/bad-mapping/me", { "x-api-key": ok });
    expect([reply.status, reply.json()]).toEqual([500, { error: "ERR_INTERNAL" }]);
  });
});

describe("apiKeyAuth: scopes", () => {
  it("answers 403 insufficient_scope unless the key has every required scope", async () => {
    const both = await issue({ scopes: ["deploys:read", "deploys:write", "other"] });
    const one = await issue({ scopes: ["deploys:read"] });
    expect((await get("/keys/deploy", { "x-api-key": both })).status).toBe(200);
    const reply = await get("/keys/deploy", { "x-api-key": one });
    expect([reply.status, reply.json()]).toEqual([403, { error: "insufficient_scope" }]);
  });

  it("checks route scopes against the key an earlier apiKeyAuth verified", async () => {
    const writer = await issue({ scopes: ["notes:write"] });
    const reader = await issue({ scopes: ["notes:read"] });
    expect((await get("/either/write", { "x-api-key": writer })).status).toBe(200);
    expect((await get("/either/write", { "x-api-key": reader })).json()).toEqual({ error: "insufficient_scope" });
  });

  it("refuses scoped routes to a session subject without scopes", async () => {
    const { accessToken } = await sessions.start("user_9", { role: "member" });
    const auth = { authorization: `Bearer ${accessToken}` };
    expect((await get("/either/me", auth)).json()).toMatchObject({ subject: { id: "user_9" }, key: null });
    expect((await get("/either/write", auth)).json()).toEqual({ error: "insufficient_scope" });
  });
});

describe("apiKeyAuth: missing and bad keys", () => {
  it("answers 401 without a key, or lets optional routes through", async () => {
    const reply = await get("/keys/me");
    expect([reply.status, reply.json()]).toEqual([401, UNAUTHENTICATED]);
    expect((await get("/optional/me")).json()).toEqual({ subject: null, key: null, redaction: null });
    // A bearer JWT is not a key: left for authenticate().
    expect((await get("/optional/me", { authorization: "Bearer eyJhbGciOiJFZERTQSJ9.e30.sig" })).json()).toMatchObject({
      subject: null,
    });
  });

  it("refuses malformed, mistyped and unknown keys alike, even on optional routes", async () => {
    const key = await issue();
    const last = key.at(-1) === "a" ? "b" : "a";
    const typo = key.slice(0, -1) + last;
    const unknown = await (async () => {
      const other = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore() });
      return (await other.issue({ ownerId: "u", env: "live" })).key.reveal();
    })();
    for (const value of ["", "nope", "acme_live_short", typo, unknown, key + "x", "x".repeat(5000), `${key}, ${key}`]) {
      for (const path of ["/keys/me", "/optional/me"]) {
        const reply = await get(path, { "x-api-key": value });
        expect([reply.status, reply.json()], `${path} ${value.slice(0, 16)}`).toEqual([401, UNAUTHENTICATED]);
      }
    }
  });

  it("refuses a request whose header and bearer keys differ", async () => {
    const a = await issue();
    const b = await issue();
    expect((await get("/keys/me", { "x-api-key": a, authorization: `Bearer ${b}` })).status).toBe(401);
    expect((await get("/keys/me", { "x-api-key": a, authorization: `Bearer ${a}` })).status).toBe(200);
  });

  it("answers revoked and expired keys with the reason", async () => {
    const { key, record } = await apiKeys.issue({ ownerId: "user_1", env: "live", expiresAt: clock.now() + 60_000 });
    const revokedKey = await apiKeys.issue({ ownerId: "user_1", env: "test" });
    await apiKeys.revoke(revokedKey.record.id);
    expect((await get("/keys/me", { "x-api-key": revokedKey.key.reveal() })).json()).toEqual({ error: "revoked" });
    expect((await get("/keys/me", { "x-api-key": key.reveal() })).status).toBe(200);
    clock.advance(61_000);
    const reply = await get("/keys/me", { "x-api-key": key.reveal() });
    expect([reply.status, reply.json()]).toEqual([401, { error: "expired" }]);
    expect(record.id).toMatch(/^ak_/);
  });

  it("refuses a key whose metadata role cannot be a subject role", async () => {
    const key = await issue({ metadata: { role: 42 } });
    expect((await get("/keys/me", { "x-api-key": key })).json()).toEqual(UNAUTHENTICATED);
  });
});

describe("apiKeyAuth: options", () => {
  it("refuses invalid options at start-up", () => {
    for (const bad of WRONG_TYPES) {
      expectMoatError(() => apiKeyAuth(bad as never), "ERR_CONFIG");
      expectMoatError(() => apiKeyAuth({ apiKeys: bad as never }), "ERR_CONFIG");
    }
    for (const scopes of ["read", [""], ["has space"], [42], Array.from({ length: 101 }, (_, i) => `s${String(i)}`)]) {
      expectMoatError(() => apiKeyAuth({ apiKeys, scopes: scopes as never }), "ERR_CONFIG");
    }
    for (const header of ["", "x api key", "x:key", 42])
      expectMoatError(() => apiKeyAuth({ apiKeys, header: header as never }), "ERR_CONFIG");
    expectMoatError(() => apiKeyAuth({ apiKeys, toSubject: "x" as never }), "ERR_CONFIG");
    expectMoatError(() => apiKeyAuth({ apiKeys, optional: 1 as never }), "ERR_CONFIG");
    expectMoatError(() => apiKeyAuth({ apiKeys, scope: ["a"] } as never), "ERR_CONFIG");
  });
});
