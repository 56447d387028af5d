/**
 * The example app's tenant data over real HTTP: notes isolated by RLS with the tenant taken from
 * the verified token only, bodies encrypted at rest, logs without PII (and the per-org toggle
 * with its per-key override), and an audit chain that verifies after everything.
 */
import { describe, expect, it } from "vitest";
import { createAuditLog } from "../../src/audit/index.js";
import { createPostgresAuditStore } from "../../src/adapters/postgres/index.js";
import { describePostgres } from "../helpers/postgres.js";
import { APP_TIMEOUT, type Session, json, useSaasApp } from "./express-saas-harness.js";

// PII the app handles in this file; none of it may reach a log line.
const EMAILS = ["tenant-a@example.com", "tenant-b@example.com", "logs-owner@example.com"];
const SSN = "412-55-7390";
const CARD = "4111 1111 1111 1111";
const CARD_DIGITS = "4111111111111111";
// Written while the org has switched redaction off, to show the toggle; excluded from the PII check.
const UNREDACTED_SSN = "536-22-8461";

describePostgres("example app express-saas: tenants, encryption, logs, audit", (target) => {
  const h = useSaasApp(target);
  let a: Session;
  let b: Session;
  let noteOfB: string;

  describe("tenant isolation", () => {
    it(
      "keeps tenant A out of B's notes, even with a forged tenant id in the body, query or headers",
      async () => {
        const { call, signup } = h();
        a = await signup(EMAILS[0]!, "Tenant A");
        b = await signup(EMAILS[1]!, "Tenant B");
        const created = await call("POST", "/notes", { token: b.token, body: { body: `B's secret: SSN ${SSN}` } });
        expect(created.status).toBe(201);
        noteOfB = String(json(created)["id"]);

        const forged = { "x-tenant-id": b.orgId, "x-org-id": b.orgId };
        const list = await call("GET", `/notes?tenantId=${b.orgId}&tenant_id=${b.orgId}`, {
          token: a.token,
          headers: forged,
        });
        expect([list.status, list.json()]).toEqual([200, { notes: [] }]);
        const one = await call("GET", `/notes/${noteOfB}`, { token: a.token, headers: forged });
        expect([one.status, one.json()]).toEqual([404, { error: "ERR_NOT_FOUND" }]);
        expect((await call("DELETE", `/notes/${noteOfB}`, { token: a.token, headers: forged })).status).toBe(404);

        // A write claiming B's tenant lands in A's: the body's tenant fields are ignored.
        const sneaky = await call("POST", "/notes", {
          token: a.token,
          headers: forged,
          body: { body: "written by A", tenantId: b.orgId, tenant_id: b.orgId },
        });
        expect(sneaky.status).toBe(201);
        const bNotes = json(await call("GET", "/notes", { token: b.token }))["notes"] as { id: string; body: string }[];
        expect(bNotes.map((n) => n.body)).toEqual([`B's secret: SSN ${SSN}`]);
        const aNotes = json(await call("GET", "/notes", { token: a.token }))["notes"] as { body: string }[];
        expect(aNotes.map((n) => n.body)).toEqual(["written by A"]);
        const { rows } = await h().db.client.query<{ tenant_id: string }>("SELECT tenant_id FROM notes WHERE id = $1", [
          String(json(sneaky)["id"]),
        ]);
        expect(rows[0]?.tenant_id).toBe(a.orgId);
      },
      APP_TIMEOUT,
    );

    it(
      "runs tenant queries as a role that RLS confines, so a bare query there sees nothing",
      async () => {
        const { db, appRole } = h();
        // The role the app uses, but with no tenant set: forced RLS shows no rows.
        const seen = await db.client.transaction(async (tx) => {
          await tx.exec(`SET LOCAL ROLE ${appRole}`);
          return (await tx.query("SELECT id FROM notes")).rowCount;
        });
        expect(seen).toBe(0);
        const forced = await db.client.query<{ relforcerowsecurity: boolean }>(
          "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'notes'::regclass",
        );
        expect(forced.rows[0]?.relforcerowsecurity).toBe(true);
      },
      APP_TIMEOUT,
    );
  });

  describe("encryption at rest", () => {
    it(
      "stores note bodies as ciphertext bound to their row",
      async () => {
        const { call, db } = h();
        const created = await call("POST", "/notes", { token: a.token, body: { body: `card ${CARD} on file` } });
        const id = String(json(created)["id"]);
        const { rows } = await db.client.query<{ body: string }>("SELECT body FROM notes WHERE id = $1", [id]);
        const stored = rows[0]!.body;
        expect(stored).toMatch(/^mk2/);
        expect(stored).not.toContain("card");
        expect(stored).not.toContain(CARD_DIGITS.slice(0, 8));
        expect(json(await call("GET", `/notes/${id}`, { token: a.token }))["body"]).toBe(`card ${CARD} on file`);

        // Copied onto another row (of the same tenant) the ciphertext no longer opens.
        const other = String(json(await call("POST", "/notes", { token: a.token, body: { body: "other" } }))["id"]);
        await db.client.query("UPDATE notes SET body = $1 WHERE id = $2", [stored, other]);
        const moved = await call("GET", `/notes/${other}`, { token: a.token });
        expect([moved.status, moved.json()]).toEqual([500, { error: "ERR_INTERNAL" }]);
        await call("DELETE", `/notes/${other}`, { token: a.token });
      },
      APP_TIMEOUT,
    );
  });

  describe("logs", () => {
    it(
      "follows the org's redaction toggle, with an API key's own setting winning over it",
      async () => {
        const { call, signup, enrollMfa, logs } = h();
        const owner = (await enrollMfa(await signup(EMAILS[2]!, "Logs Org"))).session;
        const issued = await call("POST", "/keys", {
          token: owner.token,
          body: { name: "always-redacted", scopes: ["notes:write"], redaction: "on" },
        });
        const key = String(json(issued)["key"]);

        expect((await call("PUT", "/admin/settings", { token: owner.token, body: { redactLogs: false } })).status).toBe(
          200,
        );
        const before = logs.length;
        await call("POST", "/notes", { token: owner.token, body: { body: `toggle off: ${UNREDACTED_SSN}` } });
        await call("POST", "/notes", { apiKey: key, body: { body: `key on: ${SSN}` } });
        const lines = logs.slice(before).join("\n");
        expect(lines).toContain(UNREDACTED_SSN);
        expect(lines).toContain("key on: [SSN]");
        expect((await call("PUT", "/admin/settings", { token: owner.token, body: { redactLogs: true } })).status).toBe(
          200,
        );
        const after = logs.length;
        await call("POST", "/notes", { token: owner.token, body: { body: `toggle on: ${SSN}` } });
        expect(logs.slice(after).join("\n")).toContain("toggle on: [SSN]");
      },
      APP_TIMEOUT,
    );

    it(
      "writes one access line per request, with no body",
      async () => {
        const { call, logs } = h();
        const before = logs.length;
        const reply = await call("GET", "/health", { headers: { "x-request-id": "req-health-1" } });
        expect(reply.status).toBe(200);
        const line = logs
          .slice(before)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l["path"] === "/health");
        expect(line).toMatchObject({ method: "GET", path: "/health", status: 200 });
      },
      APP_TIMEOUT,
    );
  });

  describe("after the run", () => {
    it(
      "has a verifying audit chain for every org, with the writes in it",
      async () => {
        const { call, db } = h();
        const verified = await call("GET", "/admin/audit/verify", { token: b.token });
        expect(verified.status).toBe(200);
        expect(json(verified)).toMatchObject({ ok: true });
        expect(Number(json(verified)["count"])).toBeGreaterThanOrEqual(2);

        const log = createAuditLog({ store: createPostgresAuditStore({ client: db.client }) });
        const orgs = await db.client.query<{ org_id: string }>("SELECT DISTINCT org_id FROM moatkit_audit_events");
        expect(orgs.rows.length).toBeGreaterThanOrEqual(3);
        for (const { org_id } of orgs.rows) {
          const result = await log.verify({ orgId: org_id });
          expect(result).toMatchObject({ ok: true });
        }
        const actions = await db.client.query<{ action: string }>(
          "SELECT action FROM moatkit_audit_events WHERE org_id = $1 ORDER BY seq",
          [a.orgId],
        );
        expect(actions.rows.map((r) => r.action)).toEqual(
          expect.arrayContaining(["org.create", "note.create", "note.delete"]),
        );
        // The audit log masks PII too.
        const all = await db.client.query<{ e: string }>(
          "SELECT row_to_json(t)::text AS e FROM moatkit_audit_events t",
        );
        const text = all.rows.map((r) => r.e).join("\n");
        for (const email of EMAILS) expect(text).not.toContain(email);
      },
      APP_TIMEOUT,
    );

    it("has no test email, SSN or card number in any captured log line", () => {
      const { logs } = h();
      expect(logs.length).toBeGreaterThan(10);
      for (const line of logs) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        expect(typeof parsed).toBe("object");
        for (const email of EMAILS) expect(line).not.toContain(email);
        expect(line).not.toContain(SSN);
        expect(line).not.toContain(CARD);
        expect(line).not.toContain(CARD_DIGITS);
      }
      expect(logs.some((l) => l.includes("[EMAIL]"))).toBe(true);
    });
  });
});
