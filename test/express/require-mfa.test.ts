import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import { DEFAULT_MFA_METHODS, authenticate, errorHandler, requireMfa } from "../../src/express/index.js";
import {
  createKeySet,
  createSessions,
  createTokens,
  generateSigningKey,
  type Sessions,
} from "../../src/sessions/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { headerSubject, requestAs } from "./header-subject.js";
import { listen, request, type Listening } from "./http.js";

const clock = fakeClock(Date.UTC(2026, 2, 1, 12));
const nowSeconds = (): number => Math.floor(clock.now() / 1000);
let sessions: Sessions;
let server: Listening;

const ok = (_req: unknown, res: express.Response): void => {
  res.json({ ok: true });
};

beforeAll(async () => {
  const tokens = createTokens({
    keys: createKeySet([await generateSigningKey("EdDSA")]),
    issuer: "https://auth.test",
    audience: "api",
    now: clock.now,
  });
  sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });

  const app = express();
  const api = express.Router();
  api.use(authenticate({ tokens: sessions }));
  api.put("/billing", requireMfa({ maxAge: "10m", now: clock.now }), ok);
  api.get("/settings", requireMfa(), ok);
  app.use("/api", api);

  const guarded = express.Router();
  guarded.use(headerSubject);
  guarded.get("/any", requireMfa(), ok);
  guarded.get("/recent", requireMfa({ maxAge: 300_000, now: clock.now }), ok);
  guarded.get("/sms", requireMfa({ methods: ["sms", "otp"] }), ok);
  guarded.get("/owners", requireMfa({ required: ["owner", "admin"] }), ok);
  guarded.get("/by-flag", requireMfa({ required: (subject) => subject.id.startsWith("strict_") }), ok);
  guarded.get(
    "/by-policy",
    requireMfa({
      required: async (subject) => ({
        platform: "optional",
        org: subject.tenantId === "org_strict" ? "required" : undefined,
      }),
    }),
    ok,
  );
  guarded.get("/bad-answer", requireMfa({ required: () => "yes" as never }), ok);
  guarded.get("/bad-policy", requireMfa({ required: () => ({ platform: "sometimes" }) as never }), ok);
  guarded.get(
    "/throwing",
    requireMfa({
      required: () => {
        throw new Error("settings store down");
      },
    }),
    ok,
  );
  app.use("/g", guarded);
  app.use(errorHandler());
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
});

const asSubject = (path: string, subject?: object) => requestAs(server.port, "GET", path, subject);
const MFA_REQUIRED = { error: "mfa_required" };

describe("requireMfa: step-up with maxAge", () => {
  it("asks a password-only session for a second factor", async () => {
    const { accessToken } = await sessions.start("user_1", { role: "member", amr: ["pwd"], auth_time: nowSeconds() });
    const reply = await request(server.port, {
      method: "PUT",
      path: "/api/billing",
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect([reply.status, reply.json()]).toEqual([401, MFA_REQUIRED]);
    expect(reply.headers["www-authenticate"]).toBe('Bearer error="insufficient_user_authentication", max_age=600');
  });

  it("admits a recent second factor and asks again once it is older than maxAge", async () => {
    const signIn = await sessions.start("user_2", { role: "member", amr: ["pwd", "otp"], auth_time: nowSeconds() });
    const put = (token: string) =>
      request(server.port, { method: "PUT", path: "/api/billing", headers: { authorization: `Bearer ${token}` } });
    expect((await put(signIn.accessToken)).status).toBe(200);
    clock.advance(10 * 60_000);
    expect((await put(signIn.accessToken)).status).toBe(200);
    clock.advance(1000);
    expect((await put(signIn.accessToken)).json()).toEqual(MFA_REQUIRED);
    // A refresh renews iat but not auth_time: still too old.
    const refreshed = await sessions.refresh(signIn.refreshToken);
    if (!refreshed.ok) throw new Error(refreshed.reason);
    expect((await put(refreshed.accessToken)).json()).toEqual(MFA_REQUIRED);
    // The user steps up: a fresh second factor, a fresh auth_time.
    const stepUp = await sessions.start("user_2", { role: "member", amr: ["pwd", "otp"], auth_time: nowSeconds() });
    expect((await put(stepUp.accessToken)).status).toBe(200);
  });

  it("without maxAge, accepts a second factor of any age", async () => {
    const { accessToken } = await sessions.start("user_3", {
      role: "member",
      amr: ["hwk"],
      auth_time: nowSeconds() - 30 * 86_400,
    });
    expect(
      (await request(server.port, { path: "/api/settings", headers: { authorization: `Bearer ${accessToken}` } }))
        .status,
    ).toBe(200);
  });

  it("with maxAge, refuses a subject without authTime, and counts from authTime", async () => {
    expect((await asSubject("/g/recent", { id: "u1", role: "member", amr: ["otp"] })).json()).toEqual(MFA_REQUIRED);
    expect(
      (await asSubject("/g/recent", { id: "u1", role: "member", amr: ["otp"], authTime: nowSeconds() - 299 })).status,
    ).toBe(200);
    expect(
      (await asSubject("/g/recent", { id: "u1", role: "member", amr: ["otp"], authTime: nowSeconds() - 301 })).status,
    ).toBe(401);
  });
});

describe("requireMfa: methods", () => {
  it("counts only second factors, by default not SMS", async () => {
    expect(DEFAULT_MFA_METHODS).toEqual(["mfa", "otp", "totp", "hwk", "swk", "webauthn", "recovery"]);
    for (const amr of [[], ["pwd"], ["pwd", "sms"], ["PWD", "OTP"], ["kba"]]) {
      expect((await asSubject("/g/any", { id: "u1", role: "member", amr })).json(), JSON.stringify(amr)).toEqual(
        MFA_REQUIRED,
      );
    }
    expect((await asSubject("/g/any", { id: "u1", role: "member" })).json()).toEqual(MFA_REQUIRED);
    for (const amr of [["pwd", "otp"], ["swk"], ["recovery"], ["mfa", "pwd"]]) {
      expect((await asSubject("/g/any", { id: "u1", role: "member", amr })).status, JSON.stringify(amr)).toBe(200);
    }
    expect((await asSubject("/g/sms", { id: "u1", role: "member", amr: ["pwd", "sms"] })).status).toBe(200);
    expect((await asSubject("/g/sms", { id: "u1", role: "member", amr: ["hwk"] })).status).toBe(401);
  });

  it("answers 401 ERR_UNAUTHENTICATED without a subject", async () => {
    const reply = await asSubject("/g/any");
    expect([reply.status, reply.json()]).toEqual([401, { error: "ERR_UNAUTHENTICATED" }]);
  });
});

describe("requireMfa: who is required", () => {
  it("limits the guard to listed roles", async () => {
    expect((await asSubject("/g/owners", { id: "u1", role: "member", amr: ["pwd"] })).status).toBe(200);
    expect((await asSubject("/g/owners", { id: "u1", role: ["member", "admin"], amr: ["pwd"] })).json()).toEqual(
      MFA_REQUIRED,
    );
    expect((await asSubject("/g/owners", { id: "u1", role: "owner", amr: ["pwd", "totp"] })).status).toBe(200);
  });

  it("asks a predicate", async () => {
    expect((await asSubject("/g/by-flag", { id: "lax_1", role: "member" })).status).toBe(200);
    expect((await asSubject("/g/by-flag", { id: "strict_1", role: "member" })).json()).toEqual(MFA_REQUIRED);
  });

  it("resolves MFA settings with moatkit/mfa's policy", async () => {
    // optional platform, no org setting: a member may skip MFA…
    expect((await asSubject("/g/by-policy", { id: "u1", role: "member", tenantId: "org_lax" })).status).toBe(200);
    // …an org that requires it wins…
    expect((await asSubject("/g/by-policy", { id: "u1", role: "member", tenantId: "org_strict" })).json()).toEqual(
      MFA_REQUIRED,
    );
    // …and owners always need it.
    expect((await asSubject("/g/by-policy", { id: "u1", role: "owner", tenantId: "org_lax" })).json()).toEqual(
      MFA_REQUIRED,
    );
    expect(
      (await asSubject("/g/by-policy", { id: "u1", role: "owner", tenantId: "org_lax", amr: ["otp"] })).status,
    ).toBe(200);
  });

  it("fails closed with a server error when the predicate throws or answers nonsense", async () => {
    for (const path of ["/g/bad-answer", "/g/bad-policy", "/g/throwing"]) {
      const reply = await asSubject(path, { id: "u1", role: "member", amr: ["otp"] });
      expect([reply.status, reply.json()], path).toEqual([500, { error: "ERR_INTERNAL" }]);
    }
  });
});

describe("requireMfa: options", () => {
  it("refuses invalid options at start-up", () => {
    for (const bad of [null, 42, "10m", true, [], Symbol("s"), () => "x"])
      expectMoatError(() => requireMfa(bad as never), "ERR_CONFIG");
    for (const maxAge of [0, -1, 1.5, "soon", "10 minutes", null, {}])
      expectMoatError(() => requireMfa({ maxAge: maxAge as never }), "ERR_CONFIG");
    for (const methods of [[], [""], "otp", [42], Array.from({ length: 33 }, (_, i) => `m${String(i)}`)]) {
      expectMoatError(() => requireMfa({ methods: methods as never }), "ERR_CONFIG");
    }
    for (const required of [[], "owner", 42, true, [""], {}])
      expectMoatError(() => requireMfa({ required: required as never }), "ERR_CONFIG");
    for (const bad of WRONG_TYPES.filter((v) => v !== undefined && typeof v !== "function"))
      expectMoatError(() => requireMfa({ now: bad as never }), "ERR_CONFIG");
    expectMoatError(() => requireMfa({ max_age: "10m" } as never), "ERR_CONFIG");
  });
});
