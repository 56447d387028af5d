/**
 * The example app with its moatkit stores on MySQL/MariaDB (API keys, TOTP steps, recovery codes,
 * data keys, audit) while its own tables stay in Postgres (PGlite here): signup, login, TOTP
 * step-up, an API key issued and used, and the audit chain verified, all through HTTP, with the
 * rows checked where they landed. The audit store writes through an account with SELECT and
 * INSERT only. The app's sessions are stateless JWTs; refresh sessions on MySQL run beside it
 * through `moatkit/sessions`.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createMysqlApiKeyStore,
  createMysqlAuditStore,
  createMysqlDataKeyStore,
  createMysqlRecoveryCodeStore,
  createMysqlRefreshSessionStore,
  createMysqlTotpStepStore,
  inspectMysqlAuditGrants,
} from "../../src/adapters/mysql/index.js";
import { createKeySet, createSessions, createTokens } from "../../src/sessions/index.js";
import { postgresTargets } from "../helpers/postgres.js";
import { createTestPool, describeMysql } from "../helpers/mysql.js";
import { APP_TIMEOUT, PASSWORD, json, useSaasApp } from "./express-saas-harness.js";

const pglite = postgresTargets().find((t) => t.kind === "pglite");

describeMysql(
  "example app express-saas with its moatkit stores on MySQL",
  ({ pool, url, database, isolation }) => {
    const writerUser = `mk_saas_aw_${randomBytes(4).toString("hex")}`;
    const writerPassword = randomBytes(12).toString("hex");
    let writer: mysql.Pool | undefined;
    let admin: mysql.Connection | undefined;

    beforeAll(async () => {
      admin = await mysql.createConnection(url());
      for (const host of ["%", "localhost"]) {
        await admin.query(`CREATE USER '${writerUser}'@'${host}' IDENTIFIED BY '${writerPassword}'`);
        await admin.query(`GRANT SELECT, INSERT ON ${database}.moatkit_audit_events TO '${writerUser}'@'${host}'`);
        await admin.query(`GRANT SELECT ON ${database}.moatkit_audit_anchors TO '${writerUser}'@'${host}'`);
      }
      const writerUrl = new URL(url());
      writerUrl.username = writerUser;
      writerUrl.password = writerPassword;
      writer = createTestPool(writerUrl.toString(), database, isolation, 4);
    }, APP_TIMEOUT);
    afterAll(async () => {
      await writer?.end();
      for (const host of ["%", "localhost"]) await admin?.query(`DROP USER IF EXISTS '${writerUser}'@'${host}'`);
      await admin?.end();
    });

    if (pglite === undefined) throw new Error("PGlite is always a Postgres target");
    const h = useSaasApp(pglite, () => {
      if (writer === undefined) throw new Error("the audit writer pool is made in beforeAll");
      return {
        apiKeys: createMysqlApiKeyStore({ pool: pool() }),
        totpSteps: createMysqlTotpStepStore({ pool: pool() }),
        recoveryCodes: createMysqlRecoveryCodeStore({ pool: pool() }),
        dataKeys: createMysqlDataKeyStore({ pool: pool() }),
        audit: createMysqlAuditStore({ pool: writer }),
      };
    });

    const count = async (sql: string, values: unknown[]): Promise<number> => {
      const [rows] = await pool().query(sql, values);
      return Number((rows as { n: number | string }[])[0]?.n);
    };

    it(
      "logs in, steps up with TOTP, issues and uses an API key, and verifies the audit chain, all kept in MySQL",
      async () => {
        const { call, signup, login, enrollMfa, nextCode, db } = h();
        if (writer === undefined) throw new Error("no writer pool");
        expect(await inspectMysqlAuditGrants(writer)).toMatchObject({ insertOnly: true });

        const owner = await signup("mysql-owner@example.com", "MySQL Ltd");
        const loggedIn = await login("mysql-owner@example.com", PASSWORD);
        expect(loggedIn.status).toBe(200);
        expect((await login("mysql-owner@example.com", "wrong password")).status).toBe(401);

        // TOTP: enrolment and step-up go through the MySQL step and recovery-code stores.
        const { session, secret, recoveryCodes } = await enrollMfa({
          ...owner,
          token: String(json(loggedIn)["accessToken"]),
        });
        expect(recoveryCodes.length).toBeGreaterThan(0);
        expect(await count("SELECT COUNT(*) AS n FROM moatkit_totp_steps WHERE user_id = ?", [owner.userId])).toBe(1);
        expect(await count("SELECT COUNT(*) AS n FROM moatkit_recovery_codes WHERE user_id = ?", [owner.userId])).toBe(
          recoveryCodes.length,
        );
        const pwd = String(json(await login("mysql-owner@example.com", PASSWORD))["accessToken"]);
        const code = nextCode(secret);
        expect((await call("POST", "/mfa/verify", { token: pwd, body: { code } })).status).toBe(200);
        expect((await call("POST", "/mfa/verify", { token: pwd, body: { code } })).status).toBe(401);

        // An API key, stored in MySQL, authenticates a request.
        const issued = await call("POST", "/keys", {
          token: session.token,
          body: { name: "mysql key", scopes: ["notes:read"] },
        });
        expect(issued.status).toBe(201);
        const key = json(issued);
        expect(await count("SELECT COUNT(*) AS n FROM moatkit_api_keys WHERE id = ?", [key["id"]])).toBe(1);
        expect((await call("GET", "/notes", { apiKey: String(key["key"]) })).status).toBe(200);
        expect((await call("GET", "/notes", { apiKey: `${String(key["key"]).slice(0, -1)}x` })).status).toBe(401);
        // The TOTP secret is encrypted under a data key kept in MySQL.
        expect(await count("SELECT COUNT(*) AS n FROM moatkit_data_keys", [])).toBeGreaterThan(0);

        // The audit chain lives in MySQL only, and verifies.
        const events = await count("SELECT COUNT(*) AS n FROM moatkit_audit_events WHERE org_id = ?", [owner.orgId]);
        expect(events).toBeGreaterThan(2);
        const { rows } = await db.client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM moatkit_audit_events WHERE org_id = $1",
          [owner.orgId],
        );
        expect(rows[0]?.n).toBe(0);
        const verified = await call("GET", "/admin/audit/verify", { token: session.token });
        expect([verified.status, verified.json()]).toEqual([200, { ok: true, count: events }]);

        // An edit by an account that could (root here) is caught.
        await pool().query("UPDATE moatkit_audit_events SET action = 'nothing.happened' WHERE org_id = ? AND seq = 1", [
          owner.orgId,
        ]);
        const tampered = json(await call("GET", "/admin/audit/verify", { token: session.token }));
        expect(tampered).toMatchObject({ ok: false, seq: 1 });
      },
      APP_TIMEOUT,
    );

    it(
      "runs refresh sessions on MySQL beside the app: rotation, then reuse of the old token revokes the family",
      async () => {
        const key = { kid: "k1", alg: "HS256", key: new Uint8Array(32).fill(9), use: "sign" } as const;
        const tokens = createTokens({ keys: createKeySet([key]), issuer: "express-saas", audience: "express-saas" });
        // No overlap window: a second use of a rotated token is reuse at once.
        const sessions = createSessions({
          tokens,
          store: createMysqlRefreshSessionStore({ pool: pool() }),
          overlap: 0,
        });
        const first = await sessions.start("user_mysql", {});
        const second = await sessions.refresh(first.refreshToken);
        expect(second.ok).toBe(true);
        const reused = await sessions.refresh(first.refreshToken);
        expect(reused.ok).toBe(false);
        if (second.ok) expect((await sessions.refresh(second.refreshToken)).ok).toBe(false);
      },
      APP_TIMEOUT,
    );
  },
  { levels: ["REPEATABLE READ"] },
);
