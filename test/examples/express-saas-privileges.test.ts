/**
 * The example app's privileges: an API key cannot loosen log redaction past what its issuer may
 * do to the org's own setting; the app's queries run as a role that neither owns a table nor
 * reaches the audit log, audit events are written as an insert-only role, and the app refuses to
 * start with an audit role that could rewrite the log.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { inspectAuditRole } from "../../src/adapters/postgres/index.js";
import type { SqlClient } from "../../src/sql/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { createApp } from "../../examples/express-saas/app.js";
import { startFakeTurnstile } from "../../examples/express-saas/fake-turnstile.js";
import { listen, request } from "../express/http.js";
import { describePostgres } from "../helpers/postgres.js";
import { APP_TIMEOUT, PASSWORD, type Session, json, useSaasApp } from "./express-saas-harness.js";

/** A log destination that drops every line. */
function sink(): Writable {
  return new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
}

/** "ok", or the SQLSTATE the statement failed with. */
async function outcome(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return "ok";
  } catch (err) {
    const cause: unknown = err instanceof Error && err.cause !== undefined ? err.cause : err;
    return typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : String(err);
  }
}

/** Runs `script` on `client` in a transaction that is always rolled back; its outcome. */
async function tryAndRollBack(client: SqlClient, script: string): Promise<string> {
  const undo = new Error("roll back");
  const result = await outcome(
    client.transaction(async (tx) => {
      await tx.exec(script);
      throw undo;
    }),
  );
  return result === String(undo) ? "ok" : result;
}

const SSN = "219-09-9999";
const CARD = "5555 5555 5555 4444";
const LEAKED_EMAIL = "leak-victim@example.com";

describePostgres("example app express-saas: privileges", (target) => {
  const h = useSaasApp(target);

  describe("API key redaction", () => {
    let owner: Session;
    let admin: Session;

    it(
      "refuses an admin a key with redaction off (only the owner may loosen redaction), so nothing leaks",
      async () => {
        const { call, signup, enrollMfa, login, logs } = h();
        owner = (await enrollMfa(await signup("redact-owner@example.com", "Redaction Org"))).session;
        const added = await call("POST", "/admin/members", {
          token: owner.token,
          body: { email: "redact-admin@example.com", password: PASSWORD, role: "admin" },
        });
        expect(added.status).toBe(201);
        const adminLogin = json(await login("redact-admin@example.com", PASSWORD));
        const adminPwd = {
          token: String(adminLogin["accessToken"]),
          orgId: owner.orgId,
          userId: String(json(added)["id"]),
        };
        admin = (await enrollMfa(adminPwd)).session;

        const before = logs.length;
        const issued = await call("POST", "/keys", {
          token: admin.token,
          body: { name: "exfil", scopes: ["notes:write"], redaction: "off" },
        });
        // Had the key been issued, this note would have logged the email, card and SSN in the clear.
        const key = typeof json(issued)["key"] === "string" ? String(json(issued)["key"]) : undefined;
        if (key !== undefined) {
          await call("POST", "/notes", { apiKey: key, body: { body: `${LEAKED_EMAIL} ${CARD} ${SSN}` } });
        }
        const lines = logs.slice(before).join("\n");
        for (const pii of [LEAKED_EMAIL, CARD, SSN]) expect(lines).not.toContain(pii);
        expect([issued.status, issued.json()]).toEqual([403, { error: "ERR_FORBIDDEN" }]);
        const listed = json(await call("GET", "/keys", { token: owner.token }))["keys"] as { name: string }[];
        expect(listed.map((k) => k.name)).not.toContain("exfil");
      },
      APP_TIMEOUT,
    );

    it(
      "lets an admin issue keys that keep or tighten redaction",
      async () => {
        const { call } = h();
        for (const redaction of ["on", "inherit", undefined] as const) {
          const issued = await call("POST", "/keys", {
            token: admin.token,
            body: { name: `admin-${String(redaction)}`, scopes: ["notes:read"], ...(redaction ? { redaction } : {}) },
          });
          expect([redaction, issued.status]).toEqual([redaction, 201]);
        }
      },
      APP_TIMEOUT,
    );

    it(
      "lets the owner, who may change the org's setting, issue a key with redaction off",
      async () => {
        const { call, logs } = h();
        const issued = await call("POST", "/keys", {
          token: owner.token,
          body: { name: "owner-off", scopes: ["notes:write"], redaction: "off" },
        });
        expect(issued.status).toBe(201);
        const before = logs.length;
        await call("POST", "/notes", { apiKey: String(json(issued)["key"]), body: { body: `owner key ${SSN}` } });
        expect(logs.slice(before).join("\n")).toContain(`owner key ${SSN}`);
      },
      APP_TIMEOUT,
    );
  });

  describe("database roles", () => {
    it(
      "runs the app's queries as a role that cannot read the audit log, switch its trigger or RLS off",
      async () => {
        const { saas, db, appRole, call, signup } = h();
        await signup("roles-owner@example.com", "Roles Org");
        expect((await call("GET", "/health")).status).toBe(200);
        const app = saas.db.app;
        expect((await app.query<{ u: string }>("SELECT current_user::text AS u")).rows).toEqual([{ u: appRole }]);
        // What SQL injected into an app query would try, as the owner could (the control).
        const attacks = [
          "ALTER TABLE moatkit_audit_events DISABLE TRIGGER moatkit_audit_events_append_only",
          "ALTER TABLE notes NO FORCE ROW LEVEL SECURITY",
          "DROP TABLE moatkit_audit_events",
          "SELECT count(*) FROM moatkit_audit_events",
        ];
        for (const attack of attacks) {
          expect([attack, await tryAndRollBack(db.client, attack)]).toEqual([attack, "ok"]);
          expect([attack, await tryAndRollBack(app, attack)]).toEqual([attack, "42501"]);
        }
        // Under forced RLS, the app role with no tenant set sees no note and no other org's row.
        expect((await app.query("SELECT id FROM notes")).rowCount).toBe(0);
      },
      APP_TIMEOUT,
    );

    it(
      "writes audit events as an insert-only role",
      async () => {
        const { saas, call, signup } = h();
        const owner = await signup("audit-role@example.com", "Audit Role Org");
        expect(await inspectAuditRole(saas.db.audit)).toMatchObject({
          role: "moatkit_audit_writer",
          superuser: false,
          owner: false,
          insertOnly: true,
        });
        const verified = await call("GET", "/admin/audit/verify", { token: owner.token });
        expect(json(verified)).toMatchObject({ ok: true, count: 1 });
        const rewrite = "UPDATE moatkit_audit_events SET action = 'x'";
        expect(await tryAndRollBack(saas.db.audit, rewrite)).toBe("42501");
      },
      APP_TIMEOUT,
    );

    it(
      "refuses to start when the audit role can update or delete audit events",
      async () => {
        const { db, appRole } = h();
        const rogue = `saas_audit_rw_${randomBytes(5).toString("hex")}`;
        await db.client.exec(`CREATE ROLE ${rogue} NOLOGIN;
          GRANT USAGE ON SCHEMA ${db.schema} TO ${rogue};
          GRANT SELECT, INSERT, UPDATE, DELETE ON moatkit_audit_events TO ${rogue};`);
        try {
          const start = createApp({
            database: db.client,
            appRole,
            auditRole: rogue,
            keyring: testKeyring(),
            turnstile: { secret: "unused" },
            logDestination: sink(),
            passwordCost: 4,
          });
          await expect(start).rejects.toThrow(`the audit role ${rogue} must be insert-only`);
          await expect(start).rejects.toThrow("can UPDATE, can DELETE");
        } finally {
          await db.client.exec(`DROP OWNED BY ${rogue} CASCADE; DROP ROLE ${rogue};`);
        }
      },
      APP_TIMEOUT,
    );

    it(
      "refuses to start when the app role itself can rewrite audit events",
      async () => {
        const { db, appRole } = h();
        await db.client.exec(`GRANT UPDATE ON moatkit_audit_events TO ${appRole}`);
        try {
          const start = createApp({
            database: db.client,
            appRole,
            keyring: testKeyring(),
            turnstile: { secret: "unused" },
            logDestination: sink(),
            passwordCost: 4,
          });
          await expect(start).rejects.toThrow(
            "the app role must not be able to rewrite moatkit_audit_events: it can UPDATE",
          );
        } finally {
          await db.client.exec(`REVOKE UPDATE ON moatkit_audit_events FROM ${appRole}`);
        }
      },
      APP_TIMEOUT,
    );

    it.runIf(target.kind === "postgres")(
      "runs on a login role that holds nothing itself, so even an injected RESET ROLE reaches nothing",
      async () => {
        const { db, appRole } = h();
        const login = `saas_login_${randomBytes(5).toString("hex")}`;
        const password = randomBytes(18).toString("base64url");
        await db.client.exec(`CREATE ROLE ${login} LOGIN NOINHERIT PASSWORD '${password}';
          GRANT ${appRole}, moatkit_audit_writer TO ${login};`);
        const url = new URL(db.connectionString ?? "");
        url.username = login;
        url.password = password;
        const turnstile = await startFakeTurnstile();
        const saas = await createApp({
          database: db.client,
          appDatabase: url.toString(),
          appRole,
          keyring: testKeyring(),
          turnstile: { secret: turnstile.secret, verifyUrl: turnstile.verifyUrl },
          logDestination: sink(),
          passwordCost: 4,
        });
        try {
          const listening = await listen(saas.app);
          const body = JSON.stringify({
            email: "login-role@example.com",
            password: PASSWORD,
            orgName: "Login Role Org",
            "cf-turnstile-response": turnstile.issue(),
          });
          const signup = await request(listening.port, {
            method: "POST",
            path: "/auth/signup",
            headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
            body,
          });
          await listening.close();
          expect(signup.status).toBe(201);
          expect(await inspectAuditRole(saas.db.audit)).toMatchObject({ insertOnly: true });
          for (const table of ["moatkit_audit_events", "saas_users", "notes"]) {
            const escape = `RESET ROLE; SELECT count(*) FROM ${db.schema}.${table}`;
            expect([table, await tryAndRollBack(saas.db.app, escape)]).toEqual([table, "42501"]);
          }
        } finally {
          await saas.close();
          await turnstile.close();
          await db.client.exec(`DROP OWNED BY ${login} CASCADE; DROP ROLE ${login};`);
        }
      },
      APP_TIMEOUT,
    );
  });
});
