/**
 * The example app's whole account life in Chromium, through its static page: signup, the
 * verification mail read from the outbox, verification, login, TOTP enrolment (codes computed
 * with otplib from the secret the page shows) and step-up, the session list with a second browser
 * context as the second session, revoking it, a password change that signs the other context
 * out, logout, the forgotten password (an unknown address gets the same answer), the reset link
 * (which works once) and a login with the new password. Screenshots go to
 * test-artifacts/browser/ (gitignored). Chromium as in account.test.ts.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { generateSync } from "otplib";
import { type Browser, type BrowserContext, type Page, type Response, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describePostgres } from "../helpers/postgres.js";
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, withChromium } from "./chromium.js";
import { APP_TIMEOUT, PASSWORD, useSaasApp } from "../examples/express-saas-harness.js";

const EMAIL = "life@example.com";
const NEW_PASSWORD = "a second passphrase, chosen later";
const RESET_PASSWORD = "the third passphrase, after a reset";

withChromium("example app account life in Chromium", () => {
  describePostgres("example app in Chromium: the whole account life", (target) => {
    const h = useSaasApp(target);
    let browser: Browser | undefined;
    let first: BrowserContext | undefined;
    let second: BrowserContext | undefined;
    let a: Page | undefined;
    let b: Page | undefined;

    beforeAll(async () => {
      await mkdir(ARTIFACTS, { recursive: true });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [...CHROMIUM_ARGS],
      });
      // Two contexts share nothing (cookies included): two browsers of the same user.
      first = await browser.newContext({ userAgent: "MoatkitTest/A (Chromium)" });
      second = await browser.newContext({ userAgent: "MoatkitTest/B (Chromium)" });
      for (const context of [first, second]) context.setDefaultTimeout(15_000);
      a = await first.newPage();
      b = await second.newPage();
    }, APP_TIMEOUT);

    afterAll(async () => {
      await browser?.close();
    }, APP_TIMEOUT);

    const pageA = (): Page => a ?? fail();
    const pageB = (): Page => b ?? fail();
    function fail(): never {
      throw new Error("Chromium did not start");
    }
    const origin = (): string => `http://127.0.0.1:${String(h().port)}`;
    const shot = (p: Page, name: string): Promise<Buffer> => p.screenshot({ path: join(ARTIFACTS, name) });
    const responseTo = (p: Page, path: string): Promise<Response> =>
      p.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() !== "GET");
    /** The current code for `secret`, after moving the app's clock to the next 30 s step (codes are single use). */
    const nextCode = (secret: string): string => {
      h().clock.advance(30_000);
      return generateSync({ strategy: "totp", secret, epoch: Math.floor(h().clock.now() / 1000) });
    };

    async function signIn(p: Page, password: string): Promise<void> {
      await p.goto(`${origin()}/`);
      await p.fill("#login input[name=email]", EMAIL);
      await p.fill("#login input[name=password]", password);
      await p.click("#login button[type=submit]");
      await expect.poll(() => p.textContent("#status")).toBe(`Signed in as ${EMAIL}`);
    }

    it(
      "signs up through the page, and verifies the address with the link from the outbox",
      async () => {
        const p = pageA();
        await p.goto(`${origin()}/`);
        await p.fill("#signup input[name=email]", EMAIL);
        await p.fill("#signup input[name=password]", PASSWORD);
        await p.fill("#signup input[name=orgName]", "Life Org");
        await p.fill("#signup input[name=cf-turnstile-response]", h().turnstile.issue());
        const created = responseTo(p, "/auth/signup");
        await p.click("#signup button[type=submit]");
        expect((await created).status()).toBe(201);
        await expect.poll(() => p.textContent("#notice")).toContain("Confirm your email address");
        await shot(p, "10-signed-up.png");
        // Unverified: the account is limited.
        const enrol = responseTo(p, "/mfa/totp/enroll");
        await p.click("#mfa-enroll");
        expect((await enrol).status()).toBe(403);

        const mail = await h().lastMail(EMAIL);
        expect(mail?.subject).toBe("Confirm your email address");
        const link = /(\/#verify=[A-Za-z0-9_-]+)/.exec(mail?.body ?? "")?.[1];
        expect(link).toBeDefined();
        const verified = responseTo(p, "/auth/verify-email");
        await p.goto(`${origin()}${String(link)}`);
        expect((await verified).status()).toBe(204);
        await expect.poll(() => p.textContent("#notice")).toBe("Email address confirmed.");
        // The token left the address bar.
        expect(new URL(p.url()).hash).toBe("");
        await shot(p, "11-email-verified.png");
      },
      APP_TIMEOUT,
    );

    let secret = "";

    it(
      "logs in, enrols TOTP (secret shown as text, recovery codes once) and steps up",
      async () => {
        const p = pageA();
        await signIn(p, PASSWORD);
        await p.click("#mfa-enroll");
        await expect.poll(() => p.textContent("#mfa-secret")).toMatch(/^[A-Z2-7]{16,}$/);
        secret = (await p.textContent("#mfa-secret")) ?? "";
        expect(await p.textContent("#mfa-uri")).toMatch(/^otpauth:\/\/totp\//);
        await shot(p, "12-totp-enrol.png");
        await p.fill("#mfa-confirm input[name=code]", nextCode(secret));
        const confirmed = responseTo(p, "/mfa/totp/confirm");
        await p.click("#mfa-confirm button[type=submit]");
        expect((await confirmed).status()).toBe(200);
        await expect.poll(() => p.locator("#recovery-codes li").count()).toBeGreaterThan(0);
        await shot(p, "13-recovery-codes.png");
        // Shown once: the secret is gone from the page.
        expect(await p.textContent("#mfa-secret")).toBe("");

        await p.fill("#stepup input[name=code]", nextCode(secret));
        const stepped = responseTo(p, "/mfa/verify");
        await p.click("#stepup button[type=submit]");
        expect((await stepped).status()).toBe(200);
        await expect.poll(() => p.textContent("#notice")).toContain("Verified");
      },
      APP_TIMEOUT,
    );

    it(
      "lists both sessions (a second browser signed in), and revokes the other one",
      async () => {
        const p = pageA();
        const q = pageB();
        await signIn(q, PASSWORD);
        await p.click("#sessions-load");
        // This browser's sign-up session, its login, and the other browser's login.
        await expect.poll(() => p.locator("#sessions tr").count()).toBe(3);
        const rows = await Promise.all(
          (await p.locator("#sessions tr").all()).map(async (tr) => ({
            current: await tr.getAttribute("data-current"),
            cells: await tr.locator("td").allTextContents(),
          })),
        );
        expect(rows.map((r) => r.cells[3]).sort()).toEqual([
          "MoatkitTest/A (Chromium)",
          "MoatkitTest/A (Chromium)",
          "MoatkitTest/B (Chromium)",
        ]);
        expect(rows.filter((r) => r.current === "true").map((r) => r.cells[3])).toEqual(["MoatkitTest/A (Chromium)"]);
        for (const row of rows) expect(row.cells[2]).toBe("127.0.0.1");
        await shot(p, "14-sessions.png");

        const revoked = p.waitForResponse((r) => r.request().method() === "DELETE");
        await p.click('#sessions tr:has(td:text-is("MoatkitTest/B (Chromium)")) button');
        expect((await revoked).status()).toBe(204);
        await expect.poll(() => p.locator("#sessions tr").count()).toBe(2);
        // The other browser is out: its refresh cookie no longer works.
        await q.click("#refresh");
        await expect.poll(() => q.textContent("#status")).toBe("Refresh refused (401 revoked)");
        await shot(q, "15-other-browser-revoked.png");
        // And every other session of this user (the sign-up one) in one go.
        await p.click("#sessions-revoke-others");
        await expect.poll(() => p.textContent("#notice")).toBe("Signed out 1 other session(s).");
        await expect.poll(() => p.locator("#sessions tr").count()).toBe(1);
      },
      APP_TIMEOUT,
    );

    it(
      "changes the password after the step-up; the other browser is signed out, this one carries on",
      async () => {
        const p = pageA();
        const q = pageB();
        await signIn(q, PASSWORD);
        await p.fill("#password input[name=currentPassword]", PASSWORD);
        await p.fill("#password input[name=newPassword]", NEW_PASSWORD);
        const changed = responseTo(p, "/account/password");
        await p.click("#password button[type=submit]");
        expect((await changed).status()).toBe(200);
        await expect.poll(() => p.textContent("#notice")).toBe("Password changed; 1 other session(s) signed out.");
        await shot(p, "16-password-changed.png");
        await q.click("#refresh");
        await expect.poll(() => q.textContent("#status")).toBe("Refresh refused (401 revoked)");
        await p.click("#refresh");
        await expect.poll(() => p.textContent("#status")).toContain("session refreshed");
      },
      APP_TIMEOUT,
    );

    it(
      "logs out, asks for a reset link (an unknown address gets the same answer), resets once, logs in",
      async () => {
        const p = pageA();
        const out = responseTo(p, "/auth/logout");
        await p.click("#logout");
        expect((await out).status()).toBe(204);
        await expect.poll(() => p.textContent("#status")).toBe("Signed out");

        const ask = async (email: string): Promise<{ status: number; body: string; notice: string | null }> => {
          await p.fill("#forgot input[name=email]", email);
          await p.fill("#forgot input[name=cf-turnstile-response]", h().turnstile.issue());
          const reply = responseTo(p, "/auth/forgot-password");
          await p.click("#forgot button[type=submit]");
          const r = await reply;
          await expect.poll(() => p.textContent("#notice")).toContain("If an account uses this address");
          return { status: r.status(), body: await r.text(), notice: await p.textContent("#notice") };
        };
        const unknown = await ask("nobody-like-this@example.com");
        await shot(p, "17-forgot-unknown.png");
        await p.fill("#forgot input[name=email]", "");
        const known = await ask(EMAIL);
        expect(known).toEqual(unknown);
        expect(known.status).toBe(202);

        const link = `${origin()}/#reset=${await h().mailedToken(EMAIL, "reset")}`;
        await p.goto(link);
        await expect.poll(() => p.isVisible("#reset")).toBe(true);
        await p.fill("#reset input[name=password]", RESET_PASSWORD);
        const reset = responseTo(p, "/auth/reset-password");
        await p.click("#reset button[type=submit]");
        expect((await reset).status()).toBe(204);
        await expect.poll(() => p.textContent("#notice")).toBe("Password changed. Sign in with the new one.");
        await shot(p, "18-reset-done.png");

        // The link works once.
        await p.goto(link);
        await p.fill("#reset input[name=password]", `${RESET_PASSWORD} again`);
        const again = responseTo(p, "/auth/reset-password");
        await p.click("#reset button[type=submit]");
        expect((await again).status()).toBe(400);
        await expect.poll(() => p.textContent("#notice")).toMatch(/^Reset refused \((used|invalid)\)$/);
        await shot(p, "19-reset-link-spent.png");

        await signIn(p, RESET_PASSWORD);
        await shot(p, "20-signed-in-new-password.png");
        // The password of before the reset is refused.
        const q = pageB();
        await q.goto(`${origin()}/`);
        await q.fill("#login input[name=email]", EMAIL);
        await q.fill("#login input[name=password]", NEW_PASSWORD);
        const refused = responseTo(q, "/auth/login");
        await q.click("#login button[type=submit]");
        expect((await refused).status()).toBe(401);
      },
      APP_TIMEOUT,
    );
  });
});
