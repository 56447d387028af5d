import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { PGlite } from "@electric-sql/pglite";
import { fromPglite, inspectAuditRole } from "moatkit/adapters/postgres";
import { createKeyring, generateMasterKey } from "moatkit/crypto";
import { totpCode } from "moatkit/testing";
import { createApp } from "../express-saas/app.js";
import { startFakeTurnstile } from "../express-saas/fake-turnstile.js";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "The example SaaS app (examples/express-saas): every control on one request path",
  async run(say) {
    // The app on an in-memory PGlite, a local fake siteverify, and pino lines kept in memory.
    const turnstile = await startFakeTurnstile();
    const logs: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(
          ...chunk
            .toString("utf8")
            .split("\n")
            .filter((l) => l !== ""),
        );
        done();
      },
    });
    let clock = Date.now();
    const pglite = await PGlite.create();
    const db = fromPglite(pglite);
    const saas = await createApp({
      database: db,
      redis: null, // rate-limit counters in memory, as the database is
      keyring: createKeyring([generateMasterKey()]),
      turnstile: { secret: turnstile.secret, verifyUrl: turnstile.verifyUrl },
      logDestination: destination,
      passwordCost: 4, // the tour's only shortcut: production keeps bcrypt's cost 12
      now: () => clock,
    });
    const { app, close } = saas;
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    const call = async (
      method: string,
      path: string,
      options: { token?: string; apiKey?: string; body?: unknown } = {},
    ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> => {
      const headers: Record<string, string> = {};
      if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
      if (options.apiKey !== undefined) headers["x-api-key"] = options.apiKey;
      if (options.body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>,
        headers: res.headers,
      };
    };
    const show = (label: string, r: { status: number; body: Record<string, unknown> }): void => {
      const hidden = new Set(["accessToken", "stepUpToken", "key", "secret", "uri", "recoveryCodes"]);
      const body = JSON.stringify(r.body, (k, v: unknown) => (hidden.has(k) ? "…" : v));
      say(`${label} → ${String(r.status)} ${body.length > 90 ? `${body.slice(0, 87)}…` : body}`);
    };

    // The "mail" is a row in the outbox; its link carries a one-time token in the URL fragment.
    const verificationLink = async (email: string): Promise<string> => {
      const mail = await db.query<{ subject: string; body: string }>(
        "SELECT subject, body FROM saas_mail_outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
        [email],
      );
      say(`  outbox → ${email}: "${mail.rows[0]?.subject ?? "?"}", a link …/#verify=…`);
      return /#verify=([A-Za-z0-9_-]+)/.exec(mail.rows[0]?.body ?? "")?.[1] ?? "";
    };

    try {
      const password = "correct horse battery staple";
      const noTurnstile = await call("POST", "/auth/signup", {
        body: { email: "ada@example.com", password, orgName: "Acme" },
      });
      show("signup without a Turnstile token", noTurnstile);
      const signup = await call("POST", "/auth/signup", {
        body: { email: "ada@example.com", password, orgName: "Acme", "cf-turnstile-response": turnstile.issue() },
      });
      show("signup with one (bcrypt on a worker thread)", signup);
      const pwd = String(signup.body["accessToken"]);
      show("enrol TOTP before the email is verified", await call("POST", "/mfa/totp/enroll", { token: pwd }));
      const link = await verificationLink("ada@example.com");
      show("POST /auth/verify-email", await call("POST", "/auth/verify-email", { body: { token: link } }));
      show("the same link again", await call("POST", "/auth/verify-email", { body: { token: link } }));

      const wrong = await call("POST", "/auth/login", { body: { email: "ada@example.com", password: "guess" } });
      const unknown = await call("POST", "/auth/login", { body: { email: "nobody@example.com", password: "guess" } });
      show("login, wrong password", wrong);
      show("login, unknown user   ", unknown);
      say(
        `  RateLimit-Policy: ${wrong.headers.get("ratelimit-policy") ?? "-"}  RateLimit: ${wrong.headers.get("ratelimit") ?? "-"}`,
      );

      show(
        "POST /keys with a password session",
        await call("POST", "/keys", { token: pwd, body: { name: "ci", scopes: ["notes:read"] } }),
      );
      const enrol = await call("POST", "/mfa/totp/enroll", { token: pwd });
      const secret = String(enrol.body["secret"]);
      clock += 30_000;
      const confirm = await call("POST", "/mfa/totp/confirm", { token: pwd, body: { code: totpCode(secret, clock) } });
      show("TOTP enrolled and confirmed", confirm);
      const mfa = String(confirm.body["accessToken"]);
      const key = await call("POST", "/keys", {
        token: mfa,
        body: { name: "reader", scopes: ["notes:read"], role: "viewer" },
      });
      show("POST /keys after the step-up (amr pwd+otp)", key);
      const apiKey = String(key.body["key"]);

      const note = await call("POST", "/notes", {
        token: mfa,
        body: { body: "Customer SSN 412-55-7390, card 4111 1111 1111 1111" },
      });
      show("POST /notes", note);
      const stored = await db.query<{ body: string }>("SELECT body FROM notes WHERE id = $1", [
        String(note.body["id"]),
      ]);
      say(`  in the database: ${(stored.rows[0]?.body ?? "").slice(0, 60)}…`);
      show("GET /notes with the read-only key", await call("GET", "/notes", { apiKey }));
      show("POST /notes with the read-only key", await call("POST", "/notes", { apiKey, body: { body: "x" } }));

      const other = await call("POST", "/auth/signup", {
        body: { email: "bob@example.com", password, orgName: "Other Co", "cf-turnstile-response": turnstile.issue() },
      });
      await call("POST", "/auth/verify-email", { body: { token: await verificationLink("bob@example.com") } });
      show(
        "another org reads Acme's note by id",
        await call("GET", `/notes/${String(note.body["id"])}`, { token: String(other.body["accessToken"]) }),
      );

      await call("DELETE", `/keys/${String(key.body["id"])}`, { token: mfa });
      show("the key after revocation", await call("GET", "/notes", { apiKey }));
      show("audit chain check", await call("GET", "/admin/audit/verify", { token: mfa }));
      const asApp = await saas.db.app.query<{ role: string }>("SELECT current_user::text AS role");
      const writer = await inspectAuditRole(saas.db.audit);
      say(
        `  queries ran as ${asApp.rows[0]?.role ?? "?"} (under RLS), audit writes as ${writer.role} (insert-only: ${String(writer.insertOnly)})`,
      );

      const noteLine = JSON.parse(logs.find((l) => l.includes("note created")) ?? "{}") as Record<string, unknown>;
      say(`the "note created" log line's body: ${JSON.stringify(noteLine["body"])}`);
      say(
        `log lines with "ada@example.com": ${String(logs.filter((l) => l.includes("ada@example.com")).length)} of ${String(logs.length)}`,
      );
    } finally {
      server.closeAllConnections();
      server.close();
      await close();
      await pglite.close();
      await turnstile.close();
    }
  },
};
export default section;
