/**
 * The example app end to end over real HTTP: signup behind Turnstile, enumeration-safe and rate
 * limited login, MFA step-up and recovery codes, API keys, and the role matrix.
 */
import { describe, expect, it } from "vitest";
import { roles } from "../../examples/express-saas/roles.js";
import { describePostgres } from "../helpers/postgres.js";
import { APP_TIMEOUT, PASSWORD, type Session, freshIp, json, useSaasApp } from "./express-saas-harness.js";

describePostgres("example app express-saas: accounts, MFA, keys, roles", (target) => {
  const h = useSaasApp(target);

  describe("around every route", () => {
    it(
      "sends security headers, a request id, fixed JSON errors, and refuses oversized bodies",
      async () => {
        const { call } = h();
        const health = await call("GET", "/health", { headers: { "x-request-id": "req-123" } });
        expect(health.status).toBe(200);
        expect(health.headers["x-request-id"]).toBe("req-123");
        expect(health.headers["x-frame-options"]).toBe("DENY");
        expect(health.headers["strict-transport-security"]).toContain("max-age=");
        expect(health.headers["x-powered-by"]).toBeUndefined();
        const missing = await call("GET", "/no/such/route");
        expect([missing.status, missing.json()]).toEqual([404, { error: "ERR_NOT_FOUND" }]);
        const big = await call("POST", "/auth/login", {
          body: { email: "x@example.com", password: "p".repeat(70_000) },
        });
        expect([big.status, big.json()]).toEqual([413, { error: "ERR_PAYLOAD_TOO_LARGE" }]);
        const broken = await call("POST", "/auth/login", { headers: { "content-type": "application/json" } });
        expect(broken.status).toBe(400);
      },
      APP_TIMEOUT,
    );

    it(
      "logs a malformed login body's failure without the password (issue 17 item 4)",
      async () => {
        const { call, logs } = h();
        // A JSON string, not an object: the strict parser quotes it in its message and keeps it in err.body.
        const malformed = await call("POST", "/auth/login", {
          body: `{"email":"x@example.com","password":"${PASSWORD}"`,
        });
        expect([malformed.status, malformed.json()]).toEqual([400, { error: "ERR_INVALID_INPUT" }]);
        const text = logs.join("\n");
        expect(text).not.toContain(PASSWORD.slice(0, 12));
        expect(text).toContain("request failed");
        expect(text).toContain(`"message":"not valid JSON (input withheld)"`);
        expect(text).toContain(`"body":"[REDACTED]"`);
      },
      APP_TIMEOUT,
    );
  });

  describe("signup", () => {
    it(
      "needs a Turnstile token the verifier accepts, once",
      async () => {
        const { call, turnstile } = h();
        const body = { email: "turnstile-owner@example.com", password: PASSWORD, orgName: "Turnstile Ltd" };
        const missing = await call("POST", "/auth/signup", { body });
        expect([missing.status, missing.json()]).toEqual([403, { error: "turnstile_failed" }]);
        const forged = await call("POST", "/auth/signup", {
          body: { ...body, "cf-turnstile-response": "made.up.token" },
        });
        expect([forged.status, forged.json()]).toEqual([403, { error: "turnstile_failed" }]);

        const token = turnstile.issue();
        const ok = await call("POST", "/auth/signup", { body: { ...body, "cf-turnstile-response": token } });
        expect(ok.status).toBe(201);
        const replayed = await call("POST", "/auth/signup", {
          body: { ...body, email: "other@example.com", "cf-turnstile-response": token },
        });
        expect([replayed.status, replayed.json()]).toEqual([403, { error: "turnstile_failed" }]);
      },
      APP_TIMEOUT,
    );

    it(
      "refuses malformed input with 400 and a taken email with 409",
      async () => {
        const { call, turnstile, signup } = h();
        await signup("taken@example.com", "Taken");
        const bad = await call("POST", "/auth/signup", {
          body: { email: "not-an-email", password: PASSWORD, orgName: "X", "cf-turnstile-response": turnstile.issue() },
        });
        expect([bad.status, bad.json()]).toEqual([400, { error: "ERR_INVALID_INPUT" }]);
        const short = await call("POST", "/auth/signup", {
          body: {
            email: "short@example.com",
            password: "short",
            orgName: "X",
            "cf-turnstile-response": turnstile.issue(),
          },
        });
        expect(short.status).toBe(400);
        const taken = await call("POST", "/auth/signup", {
          body: {
            email: "TAKEN@example.com",
            password: PASSWORD,
            orgName: "X",
            "cf-turnstile-response": turnstile.issue(),
          },
        });
        expect([taken.status, taken.json()]).toEqual([409, { error: "email_unavailable" }]);
      },
      APP_TIMEOUT,
    );
  });

  describe("login", () => {
    it(
      "answers a wrong password and an unknown user identically",
      async () => {
        const { signup, login } = h();
        await signup("alice@example.com", "Alice Inc");
        const wrong = await login("alice@example.com", "not the password at all");
        const unknown = await login("nobody-here@example.com", "not the password at all");
        expect(wrong.status).toBe(401);
        expect(unknown.status).toBe(wrong.status);
        expect(unknown.text).toBe(wrong.text);
        expect(wrong.json()).toEqual({ error: "invalid_credentials" });
        expect(unknown.headers["content-type"]).toBe(wrong.headers["content-type"]);

        const ok = await login("alice@example.com", PASSWORD);
        expect(ok.status).toBe(200);
        expect(json(ok)).toMatchObject({ mfaEnrolled: false });
      },
      APP_TIMEOUT,
    );

    it(
      "answers the 51st login from one IP in 15 minutes with 429 and Retry-After",
      async () => {
        const { signup, login, clock } = h();
        await signup("limited@example.com", "Limited");
        const ip = "203.0.113.51";
        for (let i = 1; i <= 50; i += 1) {
          const reply = await login("limited@example.com", i === 50 ? PASSWORD : "wrong password guess", ip);
          expect(reply.status).toBe(i === 50 ? 200 : 401);
          expect(reply.headers["ratelimit-policy"]).toBe("50;w=900");
        }
        const over = await login("limited@example.com", PASSWORD, ip);
        expect(over.status).toBe(429);
        expect(over.json()).toEqual({ error: "rate_limited" });
        const retryAfter = Number(over.headers["retry-after"]);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(900);
        // Another client is not affected; the limited one may try again once the window has passed.
        expect((await login("limited@example.com", PASSWORD, freshIp())).status).toBe(200);
        clock.advance(retryAfter * 1000);
        expect((await login("limited@example.com", PASSWORD, ip)).status).toBe(200);
      },
      APP_TIMEOUT,
    );

    it(
      "refuses a missing, forged or tampered session token",
      async () => {
        const { call, signup } = h();
        const owner = await signup("tokens@example.com", "Tokens");
        expect((await call("GET", "/notes", { token: owner.token })).status).toBe(200);
        expect((await call("GET", "/notes")).status).toBe(401);
        expect((await call("GET", "/notes", { token: "not.a.jwt" })).status).toBe(401);
        const [head, payload, sig] = owner.token.split(".") as [string, string, string];
        const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
        const forged = Buffer.from(JSON.stringify({ ...claims, role: "owner", tid: "org_someone_else" })).toString(
          "base64url",
        );
        expect((await call("GET", "/notes", { token: `${head}.${forged}.${sig}` })).status).toBe(401);
      },
      APP_TIMEOUT,
    );
  });

  describe("MFA", () => {
    it(
      "requires a step-up on sensitive routes, then lets the stepped-up session through",
      async () => {
        const { call, signup, enrollMfa } = h();
        const owner = await signup("stepup@example.com", "Step Up");
        const before = await call("POST", "/keys", {
          token: owner.token,
          body: { name: "ci", scopes: ["notes:read"] },
        });
        expect([before.status, before.json()]).toEqual([401, { error: "mfa_required" }]);

        const { session, secret } = await enrollMfa(owner);
        const after = await call("POST", "/keys", {
          token: session.token,
          body: { name: "ci", scopes: ["notes:read"] },
        });
        expect(after.status).toBe(201);

        // A later password login starts at amr ["pwd"] again and steps up with a fresh code.
        const login = await h().login("stepup@example.com", PASSWORD);
        const pwd = String(json(login)["accessToken"]);
        expect(json(login)["mfaEnrolled"]).toBe(true);
        expect((await call("POST", "/keys", { token: pwd, body: { name: "x", scopes: ["notes:read"] } })).status).toBe(
          401,
        );
        const wrong = await call("POST", "/mfa/verify", { token: pwd, body: { code: "000000" } });
        expect(wrong.status).toBe(401);
        const code = h().nextCode(secret);
        const stepped = await call("POST", "/mfa/verify", { token: pwd, body: { code } });
        expect(stepped.status).toBe(200);
        const replay = await call("POST", "/mfa/verify", { token: pwd, body: { code } });
        expect(replay.status).toBe(401);
        const otp = String(json(stepped)["accessToken"]);
        expect((await call("POST", "/keys", { token: otp, body: { name: "y", scopes: ["notes:read"] } })).status).toBe(
          201,
        );
      },
      APP_TIMEOUT,
    );

    it(
      "accepts each recovery code once",
      async () => {
        const { call, signup, enrollMfa, login } = h();
        await signup("recovery@example.com", "Recovery");
        const first = String(json(await login("recovery@example.com", PASSWORD))["accessToken"]);
        const { recoveryCodes } = await enrollMfa({ token: first, orgId: "", userId: "" });
        expect(recoveryCodes).toHaveLength(10);
        const code = recoveryCodes[0]!;

        const pwd = String(json(await login("recovery@example.com", PASSWORD))["accessToken"]);
        const used = await call("POST", "/mfa/recovery", { token: pwd, body: { code } });
        expect(used.status).toBe(200);
        expect(json(used)["remaining"]).toBe(9);
        const stepped = String(json(used)["accessToken"]);
        expect(
          (await call("POST", "/keys", { token: stepped, body: { name: "rc", scopes: ["notes:read"] } })).status,
        ).toBe(201);

        const again = await call("POST", "/mfa/recovery", { token: pwd, body: { code } });
        expect([again.status, again.json()]).toEqual([401, { error: "invalid" }]);
        const malformed = await call("POST", "/mfa/recovery", { token: pwd, body: { code: "!!" } });
        expect(malformed.status).toBe(401);
      },
      APP_TIMEOUT,
    );

    it(
      "does not store the TOTP secret in the clear",
      async () => {
        const { signup, enrollMfa, db } = h();
        const owner = await signup("secret-at-rest@example.com", "Secrets");
        const { secret } = await enrollMfa(owner);
        const { rows } = await db.client.query<{ totp_secret: string }>(
          "SELECT totp_secret FROM saas_users WHERE id = $1",
          [owner.userId],
        );
        expect(rows[0]?.totp_secret).toMatch(/^mk2/);
        expect(rows[0]?.totp_secret).not.toContain(secret);
      },
      APP_TIMEOUT,
    );
  });

  describe("API keys", () => {
    let owner: Session;
    let key: { id: string; key: string };

    it(
      "lets a key with the scope read notes, and refuses a scope it lacks with 403",
      async () => {
        const { call, signup, enrollMfa } = h();
        owner = (await enrollMfa(await signup("keys-owner@example.com", "Keys Org"))).session;
        expect(
          (await call("POST", "/notes", { token: owner.token, body: { body: "visible to the key" } })).status,
        ).toBe(201);
        const issued = await call("POST", "/keys", {
          token: owner.token,
          body: { name: "reader", scopes: ["notes:read"], role: "viewer" },
        });
        expect(issued.status).toBe(201);
        key = { id: String(json(issued)["id"]), key: String(json(issued)["key"]) };
        expect(key.key).toMatch(/^saas_live_/);

        const read = await call("GET", "/notes", { apiKey: key.key });
        expect(read.status).toBe(200);
        expect((json(read)["notes"] as { body: string }[]).map((n) => n.body)).toEqual(["visible to the key"]);
        const write = await call("POST", "/notes", { apiKey: key.key, body: { body: "nope" } });
        expect([write.status, write.json()]).toEqual([403, { error: "insufficient_scope" }]);
        // Keys are for notes only: no key management or administration with a key.
        expect((await call("GET", "/keys", { apiKey: key.key })).status).toBe(401);
        expect((await call("GET", "/admin/members", { apiKey: key.key })).status).toBe(401);

        const listed = await call("GET", "/keys", { token: owner.token });
        expect(listed.text).not.toContain(key.key);
        expect(json(listed)["keys"]).toEqual([
          expect.objectContaining({ id: key.id, scopes: ["notes:read"], revoked: false }),
        ]);
      },
      APP_TIMEOUT,
    );

    it(
      "refuses a revoked key with 401, and another org cannot revoke it",
      async () => {
        const { call, signup, enrollMfa } = h();
        const stranger = (await enrollMfa(await signup("keys-stranger@example.com", "Stranger Org"))).session;
        expect((await call("DELETE", `/keys/${key.id}`, { token: stranger.token })).status).toBe(404);
        expect((await call("GET", "/notes", { apiKey: key.key })).status).toBe(200);

        expect((await call("DELETE", `/keys/${key.id}`, { token: owner.token })).status).toBe(204);
        const after = await call("GET", "/notes", { apiKey: key.key });
        expect(after.status).toBe(401);
        expect((await call("GET", "/notes", { apiKey: `${key.key.slice(0, -1)}x` })).status).toBe(401);
      },
      APP_TIMEOUT,
    );

    it(
      "refuses key roles above member and unknown scopes",
      async () => {
        const { call } = h();
        expect(
          (
            await call("POST", "/keys", {
              token: owner.token,
              body: { name: "x", scopes: ["notes:read"], role: "admin" },
            })
          ).status,
        ).toBe(400);
        expect(
          (await call("POST", "/keys", { token: owner.token, body: { name: "x", scopes: ["admin:*"] } })).status,
        ).toBe(400);
        expect((await call("POST", "/keys", { token: owner.token, body: { name: "x", scopes: [] } })).status).toBe(400);
      },
      APP_TIMEOUT,
    );
  });

  describe("roles", () => {
    it(
      "follows the owner/admin/member/viewer matrix on every route",
      async () => {
        const { call, signup, enrollMfa, login } = h();
        const owner = (await enrollMfa(await signup("matrix-owner@example.com", "Matrix"))).session;
        const sessions: Record<string, string> = { owner: owner.token };
        for (const role of ["admin", "member", "viewer"] as const) {
          const email = `matrix-${role}@example.com`;
          const added = await call("POST", "/admin/members", {
            token: owner.token,
            body: { email, password: PASSWORD, role },
          });
          expect(added.status).toBe(201);
          sessions[role] = String(json(await login(email, PASSWORD))["accessToken"]);
        }
        // Password sessions only: routes that also need MFA answer 401 mfa_required to a role
        // that holds the permission, and 403 to one that does not.
        const routes = [
          { method: "GET", path: "/notes", permission: "notes:read", mfa: false },
          { method: "POST", path: "/notes", permission: "notes:write", mfa: false, body: { body: "matrix" } },
          { method: "GET", path: "/keys", permission: "keys:read", mfa: false },
          {
            method: "POST",
            path: "/keys",
            permission: "keys:manage",
            mfa: true,
            body: { name: "m", scopes: ["notes:read"] },
          },
          { method: "GET", path: "/admin/members", permission: "members:read", mfa: false },
          {
            method: "POST",
            path: "/admin/members",
            permission: "members:invite",
            mfa: true,
            body: { email: "matrix-new@example.com", password: PASSWORD, role: "viewer" },
          },
          { method: "GET", path: "/admin/audit/verify", permission: "audit:read", mfa: false },
          { method: "PUT", path: "/admin/settings", permission: "org:settings", mfa: true, body: { redactLogs: true } },
        ] as const;
        const ownerPwd = String(json(await login("matrix-owner@example.com", PASSWORD))["accessToken"]);
        sessions["owner"] = ownerPwd;
        const table: string[] = [];
        for (const role of ["owner", "admin", "member", "viewer"] as const) {
          for (const route of routes) {
            const reply = await call(route.method, route.path, {
              token: sessions[role]!,
              ...("body" in route ? { body: route.body } : {}),
            });
            const allowed = roles.can({ role }, route.permission);
            const expected = !allowed ? 403 : route.mfa ? 401 : route.method === "POST" ? 201 : 200;
            table.push(`${role} ${route.method} ${route.path} → ${String(reply.status)}`);
            expect(`${role} ${route.method} ${route.path} → ${String(reply.status)}`).toBe(
              `${role} ${route.method} ${route.path} → ${String(expected)}`,
            );
          }
        }
        expect(table).toHaveLength(32);
      },
      APP_TIMEOUT,
    );

    it(
      "lets no member call admin routes, and lets an admin change roles only after MFA",
      async () => {
        const { call, signup, enrollMfa, login } = h();
        const owner = (await enrollMfa(await signup("admin-owner@example.com", "Admins"))).session;
        const member = await call("POST", "/admin/members", {
          token: owner.token,
          body: { email: "admin-member@example.com", password: PASSWORD, role: "member" },
        });
        const memberId = String(json(member)["id"]);
        const memberToken = String(json(await login("admin-member@example.com", PASSWORD))["accessToken"]);
        for (const [method, path] of [
          ["GET", "/admin/members"],
          ["PATCH", `/admin/members/${memberId}`],
          ["GET", "/admin/audit/verify"],
          ["PUT", "/admin/settings"],
          ["POST", "/admin/members"],
        ] as const) {
          const reply = await call(method, path, { token: memberToken, body: { role: "admin" } });
          expect([method, path, reply.status, reply.json()]).toEqual([method, path, 403, { error: "ERR_FORBIDDEN" }]);
        }
        const promoted = await call("PATCH", `/admin/members/${memberId}`, {
          token: owner.token,
          body: { role: "admin" },
        });
        expect([promoted.status, promoted.json()]).toEqual([200, { id: memberId, role: "admin" }]);
        // Tokens are revalidated against the membership: the old member session stops at once.
        const stale = await call("GET", "/notes", { token: memberToken });
        expect([stale.status, stale.json()]).toEqual([401, { error: "revoked" }]);
        const adminToken = String(json(await login("admin-member@example.com", PASSWORD))["accessToken"]);
        expect((await call("GET", "/admin/members", { token: adminToken })).status).toBe(200);
        expect(
          (await call("PATCH", `/admin/members/${owner.userId}`, { token: owner.token, body: { role: "viewer" } }))
            .status,
        ).toBe(404);
      },
      APP_TIMEOUT,
    );
  });
});
