/**
 * The example app's privileges: an API key cannot loosen log redaction past what its issuer may
 * do to the org's own setting.
 */
import { describe, expect, it } from "vitest";
import { describePostgres } from "../helpers/postgres.js";
import { APP_TIMEOUT, PASSWORD, type Session, json, useSaasApp } from "./express-saas-harness.js";

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
});
