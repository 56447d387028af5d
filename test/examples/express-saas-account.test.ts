/**
 * The example app's account life over plain HTTP: email verification through the outbox, the
 * forgotten password (Turnstile, no account enumeration, 2-hour single-use links, every session
 * ended), password change (other sessions ended, this one kept), the session list and its
 * revocations, and step-up proofs bound to their session. test/browser drives the same in Chromium.
 */
import { describe, expect, it } from "vitest";
import { describePostgres } from "../helpers/postgres.js";
import { APP_TIMEOUT, PASSWORD, freshIp, json, useSaasApp } from "./express-saas-harness.js";

const NEW_PASSWORD = "a brand new passphrase of my own";

describePostgres("example app express-saas: account life", (target) => {
  const h = useSaasApp(target);

  /** Logs in and answers the access token and the refresh cookie header. */
  async function loginSession(email: string, password = PASSWORD, userAgent = "vitest"): Promise<LoggedIn> {
    const reply = await h().call("POST", "/auth/login", {
      body: { email, password },
      ip: freshIp(),
      headers: { "user-agent": userAgent },
    });
    expect(reply.status).toBe(200);
    const cookie = (reply.headers["set-cookie"] ?? [])[0]?.split(";")[0] ?? "";
    return { token: String(json(reply)["accessToken"]), cookie };
  }
  interface LoggedIn {
    readonly token: string;
    readonly cookie: string;
  }
  const refreshWith = (cookie: string): ReturnType<ReturnType<typeof h>["call"]> =>
    h().call("POST", "/auth/refresh", { headers: { cookie, "sec-fetch-site": "same-origin" } });

  describe("email verification", () => {
    it(
      "mails a link at signup; until it is followed the account may only manage itself; the link works once",
      async () => {
        const { call, turnstile, mailedToken } = h();
        const email = "verify-me@example.com";
        const signup = await call("POST", "/auth/signup", {
          body: { email, password: PASSWORD, orgName: "Verify", "cf-turnstile-response": turnstile.issue() },
        });
        expect(signup.status).toBe(201);
        expect(json(signup)["emailVerified"]).toBe(false);
        const token = String(json(signup)["accessToken"]);
        const mail = await h().lastMail(email);
        expect(mail?.subject).toBe("Confirm your email address");

        // Limited: its own account and sessions, nothing else.
        for (const [method, path] of [
          ["GET", "/notes"],
          ["POST", "/mfa/totp/enroll"],
          ["GET", "/keys"],
        ] as const) {
          const reply = await call(method, path, { token });
          expect([path, reply.status, reply.json()]).toEqual([path, 403, { error: "email_unverified" }]);
        }
        expect(json(await call("GET", "/account", { token }))).toEqual({
          email,
          emailVerified: false,
          mfaEnrolled: false,
        });
        const login = await call("POST", "/auth/login", { body: { email, password: PASSWORD }, ip: freshIp() });
        expect([login.status, json(login)["emailVerified"]]).toEqual([200, false]);

        const link = await mailedToken(email, "verify");
        expect((await call("POST", "/auth/verify-email", { body: { token: "A".repeat(43) } })).json()).toEqual({
          error: "invalid",
        });
        expect((await call("POST", "/auth/verify-email", { body: { token: link } })).status).toBe(204);
        const again = await call("POST", "/auth/verify-email", { body: { token: link } });
        expect([again.status, again.json()]).toEqual([400, { error: "used" }]);
        expect((await call("GET", "/notes", { token })).status).toBe(200);
        expect((await call("POST", "/auth/verify-email", { body: { token: 42 } })).status).toBe(400);
      },
      APP_TIMEOUT,
    );
  });

  describe("forgotten password", () => {
    it(
      "answers a known and an unknown address identically, behind Turnstile, and mails only the known one",
      async () => {
        const { call, turnstile, signup, mailedToken } = h();
        await signup("forgetful@example.com", "Forgetful");
        const ask = (email: string, token?: string): ReturnType<typeof call> =>
          call("POST", "/auth/forgot-password", {
            body: { email, ...(token === undefined ? {} : { "cf-turnstile-response": token }) },
          });
        const without = await ask("forgetful@example.com");
        expect([without.status, without.json()]).toEqual([403, { error: "turnstile_failed" }]);

        const known = await ask("forgetful@example.com", turnstile.issue());
        const unknown = await ask("nobody-at-all@example.com", turnstile.issue());
        expect(known.status).toBe(202);
        expect(unknown.status).toBe(known.status);
        expect(unknown.text).toBe(known.text);
        expect(unknown.headers["content-type"]).toBe(known.headers["content-type"]);
        expect(await mailedToken("forgetful@example.com", "reset")).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // The known address's mail is in the outbox by now; the unknown one never gets one.
        expect(await h().lastMail("nobody-at-all@example.com")).toBeUndefined();
      },
      APP_TIMEOUT,
    );

    it(
      "lets exactly one of 8 parallel resets with one link win; the reset ends every session",
      async () => {
        const { call, turnstile, signup, mailedToken } = h();
        const email = "racing-reset@example.com";
        const first = await signup(email, "Racing");
        const other = await loginSession(email);
        await call("POST", "/auth/forgot-password", { body: { email, "cf-turnstile-response": turnstile.issue() } });
        const link = await mailedToken(email, "reset");

        // A weak password is refused before the link is spent.
        const weak = await call("POST", "/auth/reset-password", { body: { token: link, password: "password123" } });
        expect([weak.status, json(weak)["error"]]).toEqual([400, "weak_password"]);

        const replies = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            call("POST", "/auth/reset-password", { body: { token: link, password: `${NEW_PASSWORD} ${String(i)}` } }),
          ),
        );
        const winners = replies.filter((r) => r.status === 204);
        expect(winners).toHaveLength(1);
        // The others find the link spent, or (once the winner dropped the user's other links) gone.
        for (const r of replies.filter((x) => x.status !== 204)) {
          expect(r.status).toBe(400);
          expect(["used", "invalid"]).toContain(json(r)["error"]);
        }
        const twice = await call("POST", "/auth/reset-password", { body: { token: link, password: NEW_PASSWORD } });
        expect(twice.status).toBe(400);
        const winner = replies.findIndex((r) => r.status === 204);

        // Every session is over: access tokens and refresh cookies alike.
        expect((await call("GET", "/notes", { token: first.token })).status).toBe(401);
        expect((await call("GET", "/notes", { token: other.token })).status).toBe(401);
        expect((await refreshWith(other.cookie)).status).toBe(401);
        expect((await h().login(email, PASSWORD)).status).toBe(401);
        expect((await h().login(email, `${NEW_PASSWORD} ${String(winner)}`)).status).toBe(200);
      },
      APP_TIMEOUT,
    );

    it(
      "refuses a link after 2 hours, and a link the user superseded by changing the password",
      async () => {
        const { call, turnstile, signup, mailedToken, clock } = h();
        const email = "slow-reset@example.com";
        await signup(email, "Slow");
        await call("POST", "/auth/forgot-password", { body: { email, "cf-turnstile-response": turnstile.issue() } });
        const link = await mailedToken(email, "reset");
        clock.advance(2 * 3_600_000 + 1_000);
        const late = await call("POST", "/auth/reset-password", { body: { token: link, password: NEW_PASSWORD } });
        expect([late.status, late.json()]).toEqual([400, { error: "expired" }]);
        const forged = await call("POST", "/auth/reset-password", {
          body: { token: `${link.slice(0, -1)}${link.endsWith("A") ? "B" : "A"}`, password: NEW_PASSWORD },
        });
        expect([forged.status, forged.json()]).toEqual([400, { error: "invalid" }]);
        expect((await call("POST", "/auth/reset-password", { body: { token: link } })).status).toBe(400);

        await call("POST", "/auth/forgot-password", { body: { email, "cf-turnstile-response": turnstile.issue() } });
        const before = (await h().lastMail(email))?.id;
        const fresh = await mailedToken(email, "reset");
        expect((await h().lastMail(email))?.id).toBe(before);
        const session = await loginSession(email);
        const changed = await call("POST", "/account/password", {
          token: session.token,
          body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        });
        expect(changed.status).toBe(200);
        const stale = await call("POST", "/auth/reset-password", {
          body: { token: fresh, password: `${NEW_PASSWORD}!` },
        });
        expect([stale.status, stale.json()]).toEqual([400, { error: "invalid" }]);
      },
      APP_TIMEOUT,
    );
  });

  describe("sessions and password change", () => {
    it(
      "lists the user's sessions with where they were used, revokes one, and all the others",
      async () => {
        const { call, signup } = h();
        const email = "many-devices@example.com";
        await signup(email, "Devices");
        const laptop = await loginSession(email, PASSWORD, "Laptop/1.0");
        const phone = await loginSession(email, PASSWORD, "Phone/2.0");
        const tablet = await loginSession(email, PASSWORD, "Tablet/3.0");
        const listed = await call("GET", "/account/sessions", { token: laptop.token });
        expect(listed.status).toBe(200);
        const sessions = json(listed)["sessions"] as { id: string; userAgent: string; current: boolean; ip: string }[];
        expect(sessions.map((s) => s.userAgent)).toEqual(
          expect.arrayContaining(["Laptop/1.0", "Phone/2.0", "Tablet/3.0"]),
        );
        expect(sessions.filter((s) => s.current).map((s) => s.userAgent)).toEqual(["Laptop/1.0"]);
        expect(sessions.every((s) => /^198\.51\.100\.\d+$/.test(s.ip) || s.ip === "192.0.2.10")).toBe(true);
        for (const s of sessions)
          expect(Object.keys(s).sort()).toEqual(["createdAt", "current", "id", "ip", "lastSeenAt", "userAgent"]);

        const phoneId = sessions.find((s) => s.userAgent === "Phone/2.0")?.id ?? "";
        // Another user cannot see or end it.
        const stranger = await signup("device-stranger@example.com", "Stranger");
        expect((await call("DELETE", `/account/sessions/${phoneId}`, { token: stranger.token })).status).toBe(404);
        expect((await call("DELETE", "/account/sessions/..%2Fx", { token: laptop.token })).status).toBe(404);
        expect((await call("GET", "/notes", { token: phone.token })).status).toBe(200);

        expect((await call("DELETE", `/account/sessions/${phoneId}`, { token: laptop.token })).status).toBe(204);
        expect((await call("GET", "/notes", { token: phone.token })).status).toBe(401);
        expect((await refreshWith(phone.cookie)).status).toBe(401);
        expect((await call("DELETE", `/account/sessions/${phoneId}`, { token: laptop.token })).status).toBe(404);

        const others = await call("POST", "/account/sessions/revoke-others", { token: laptop.token });
        expect(json(others)["revoked"]).toBeGreaterThanOrEqual(2); // the tablet and the signup session
        expect((await call("GET", "/notes", { token: tablet.token })).status).toBe(401);
        expect((await call("GET", "/notes", { token: laptop.token })).status).toBe(200);
        const left = json(await call("GET", "/account/sessions", { token: laptop.token }))["sessions"] as unknown[];
        expect(left).toHaveLength(1);
      },
      APP_TIMEOUT,
    );

    it(
      "changes the password with the current one; the other sessions end, this one carries on",
      async () => {
        const { call, signup } = h();
        const email = "changer@example.com";
        await signup(email, "Changer");
        const here = await loginSession(email);
        const there = await loginSession(email);
        const wrong = await call("POST", "/account/password", {
          token: here.token,
          body: { currentPassword: "not my password at all", newPassword: NEW_PASSWORD },
        });
        expect([wrong.status, wrong.json()]).toEqual([403, { error: "wrong_password" }]);
        const weak = await call("POST", "/account/password", {
          token: here.token,
          body: { currentPassword: PASSWORD, newPassword: "changer@example.com" },
        });
        expect(weak.status).toBe(400);
        const malformed = await call("POST", "/account/password", { token: here.token, body: { newPassword: 7 } });
        expect(malformed.status).toBe(400);

        const changed = await call("POST", "/account/password", {
          token: here.token,
          body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        });
        expect(changed.status).toBe(200);
        expect(json(changed)["revokedSessions"]).toBeGreaterThanOrEqual(2);
        expect((await call("GET", "/notes", { token: there.token })).status).toBe(401);
        expect((await refreshWith(there.cookie)).status).toBe(401);
        expect((await call("GET", "/notes", { token: here.token })).status).toBe(200);
        expect((await refreshWith(here.cookie)).status).toBe(200);
        expect((await h().login(email, NEW_PASSWORD)).status).toBe(200);
      },
      APP_TIMEOUT,
    );
  });

  describe("step-up bound to the session", () => {
    it(
      "with TOTP on, a password change needs a step-up proof of this very session, at most 5 minutes old",
      async () => {
        const { call, signup, enrollMfa, nextCode, clock } = h();
        const email = "stepper@example.com";
        const { secret } = await enrollMfa(await signup(email, "Stepper"));
        const a = await loginSession(email);
        const b = await loginSession(email);
        const change = (token: string, proof?: string): ReturnType<typeof call> =>
          call("POST", "/account/password", {
            token,
            body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
            ...(proof === undefined ? {} : { headers: { "x-step-up": proof } }),
          });
        const required = { error: "step_up_required" };
        expect([(await change(a.token)).status, (await change(a.token)).json()]).toEqual([401, required]);

        const stepped = await call("POST", "/mfa/verify", { token: a.token, body: { code: nextCode(secret) } });
        expect(stepped.status).toBe(200);
        const proofA = String(json(stepped)["stepUpToken"]);
        const steppedAccessA = String(json(stepped)["accessToken"]);

        // The attack: session A's proof with session B's access token.
        expect((await change(b.token, proofA)).json()).toEqual(required);
        // A proof is not an access token, nor an access token a proof.
        expect((await call("GET", "/notes", { token: proofA })).status).toBe(401);
        expect((await change(a.token, steppedAccessA)).json()).toEqual(required);
        // Tampered.
        const [head, body, sig = ""] = proofA.split(".");
        const flipped = `${sig.startsWith("A") ? "B" : "A"}${sig.slice(1)}`;
        expect((await change(a.token, `${String(head)}.${String(body)}.${flipped}`)).json()).toEqual(required);
        // Stale: more than 5 minutes later.
        clock.advance(5 * 60_000 + 1_000);
        expect((await change(a.token, proofA)).json()).toEqual(required);

        const fresh = await call("POST", "/mfa/verify", { token: a.token, body: { code: nextCode(secret) } });
        const proof = String(json(fresh)["stepUpToken"]);
        expect((await change(a.token, proof)).status).toBe(200);
        // B is over now; A's stepped-up access token dies with A when A is revoked.
        expect((await call("GET", "/notes", { token: b.token })).status).toBe(401);
        const aId = (
          json(await call("GET", "/account/sessions", { token: a.token }))["sessions"] as { id: string }[]
        )[0]?.id;
        const c = await loginSession(email, NEW_PASSWORD);
        expect((await call("DELETE", `/account/sessions/${String(aId)}`, { token: c.token })).status).toBe(204);
        expect((await call("GET", "/notes", { token: steppedAccessA })).status).toBe(401);
        expect((await change(a.token, proof)).status).toBe(401);
      },
      APP_TIMEOUT,
    );
  });
});
