/**
 * The example app (examples/express-saas) in a real browser: the system Chromium driven by
 * playwright-core signs in through the static page, and the test checks what the browser itself
 * holds — the refresh cookie out of page JavaScript's reach, its attributes, its rotation, that a
 * replayed old cookie revokes the session, and that a form posted from another site is refused.
 * Screenshots of the key pages go to test-artifacts/browser/ (gitignored).
 *
 * Chromium: MOATKIT_CHROMIUM or /usr/bin/chromium (.ci/run installs Debian's `chromium`). Without
 * it the tests skip with the reason; under MOATKIT_REQUIRE_SERVICES=1 they fail.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type Cookie, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describePostgres } from "../helpers/postgres.js";
import { APP_TIMEOUT, PASSWORD, useSaasApp } from "../examples/express-saas-harness.js";
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, withChromium } from "./chromium.js";

const REFRESH_COOKIE = "__Host-moatkit-refresh";
const DAY_S = 86_400;

withChromium("example app in Chromium", () => {
  describePostgres("example app in Chromium: refresh cookie, rotation, reuse, CSRF", (target) => {
    const h = useSaasApp(target);
    let context: BrowserContext | undefined;
    let profile: string | undefined;
    let page: Page | undefined;
    let evil: Server | undefined;

    beforeAll(async () => {
      await mkdir(ARTIFACTS, { recursive: true });
      profile = await mkdtemp(join(tmpdir(), "moatkit-chromium-"));
      // playwright-core takes the profile directory as launchPersistentContext's argument (it
      // refuses --user-data-dir among args): a fresh, empty one per run.
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ["--headless", ...CHROMIUM_ARGS],
      });
      // A step that cannot happen fails in 15 s with playwright's own message, not the test's timeout.
      context.setDefaultTimeout(15_000);
      page = context.pages()[0] ?? (await context.newPage());
    }, APP_TIMEOUT);

    afterAll(async () => {
      await context?.close();
      if (evil !== undefined) {
        evil.closeAllConnections();
        evil.close();
      }
      if (profile !== undefined) await rm(profile, { recursive: true, force: true });
    }, APP_TIMEOUT);

    const ctx = (): BrowserContext => {
      if (context === undefined) throw new Error("Chromium did not start");
      return context;
    };
    const tab = (): Page => {
      if (page === undefined) throw new Error("Chromium did not start");
      return page;
    };
    const origin = (): string => `http://127.0.0.1:${String(h().port)}`;
    const refreshCookieNow = async (): Promise<Cookie | undefined> =>
      (await ctx().cookies(origin())).find((c) => c.name === REFRESH_COOKIE);
    /** POST `path` from the page (same origin), answering its status and JSON body. */
    const postFromPage = (path: string): Promise<{ status: number; body: unknown }> =>
      tab().evaluate(async (p) => {
        const reply = await fetch(p, { method: "POST" });
        const text = await reply.text();
        return { status: reply.status, body: text === "" ? null : (JSON.parse(text) as unknown) };
      }, path);

    let firstCookie: Cookie | undefined;

    it(
      "signs in through the page; the refresh cookie is HttpOnly, Secure, __Host-, SameSite=Strict, 30 days",
      async () => {
        await h().signup("browser-owner@example.com", "Browser Org");
        const p = tab();
        await p.goto(`${origin()}/`);
        await expect.poll(() => p.textContent("#status")).toBe("Signed out");
        await p.screenshot({ path: join(ARTIFACTS, "01-signed-out.png") });
        await p.fill("#login input[name=email]", "browser-owner@example.com");
        await p.fill("#login input[name=password]", PASSWORD);
        const loginReply = p.waitForResponse((r) => r.url().endsWith("/auth/login"));
        await p.click("#login button[type=submit]");
        expect((await loginReply).status()).toBe(200);
        await expect.poll(() => p.textContent("#status")).toBe("Signed in as browser-owner@example.com");
        await p.screenshot({ path: join(ARTIFACTS, "02-signed-in.png") });

        // Page JavaScript cannot read it…
        const visible = await p.evaluate(
          () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
        );
        expect(visible).not.toContain("moatkit-refresh");
        // …but the browser holds it, with these attributes (Chromium keeps Secure cookies on
        // http://127.0.0.1: loopback is a secure context, so no insecure development option).
        const cookie = await refreshCookieNow();
        expect(cookie).toBeDefined();
        expect(cookie).toMatchObject({
          httpOnly: true,
          secure: true,
          sameSite: "Strict",
          path: "/",
          domain: "127.0.0.1",
        });
        const life = (cookie?.expires ?? 0) - Date.now() / 1000;
        expect(life).toBeGreaterThan(30 * DAY_S - 120);
        expect(life).toBeLessThanOrEqual(30 * DAY_S + 1);
        firstCookie = cookie;
      },
      APP_TIMEOUT,
    );

    it(
      "creates a note with the access token held in page memory",
      async () => {
        const p = tab();
        await p.fill("#note input[name=body]", "written in Chromium");
        const saved = p.waitForResponse((r) => r.url().endsWith("/notes") && r.request().method() === "POST");
        await p.click("#note button[type=submit]");
        expect((await saved).status()).toBe(201);
        await expect.poll(() => p.textContent("#notes li")).toBe("written in Chromium");
        await p.screenshot({ path: join(ARTIFACTS, "03-note-created.png") });
      },
      APP_TIMEOUT,
    );

    it(
      "refuses a form posted from another site with 403 and leaves the session alone",
      async () => {
        const target = `${origin()}/auth/logout`;
        evil = createServer((_req, res) => {
          res.setHeader("content-type", "text/html; charset=utf-8");
          res.end(
            `<!doctype html><title>elsewhere</title><form method="POST" action="${target}">` +
              `<input name="note" value="forged"></form><script>document.forms[0].submit()</script>`,
          );
        });
        evil.listen(0, "127.0.0.2");
        await once(evil, "listening");
        const evilOrigin = `http://127.0.0.2:${String((evil.address() as AddressInfo).port)}`;

        const other = await ctx().newPage();
        try {
          const forged = other.waitForResponse((r) => r.url() === target);
          await other.goto(`${evilOrigin}/`);
          const reply = await forged;
          expect(
            reply.request().headers()["sec-fetch-site"] ?? (await reply.request().allHeaders())["sec-fetch-site"],
          ).toBe("cross-site");
          expect(reply.status()).toBe(403);
          expect(await reply.json()).toEqual({ error: "ERR_FORBIDDEN" });
          await other.screenshot({ path: join(ARTIFACTS, "04-cross-site-refused.png") });
        } finally {
          await other.close();
        }
        // The refresh cookie is untouched: same value, and it still refreshes below.
        expect((await refreshCookieNow())?.value).toBe(firstCookie?.value);
      },
      APP_TIMEOUT,
    );

    it(
      "rotates the cookie on refresh; a replayed old cookie answers 401 and revokes the whole family",
      async () => {
        const p = tab();
        const old = firstCookie;
        if (old === undefined) throw new Error("the sign-in test did not run");
        const refreshed = p.waitForResponse((r) => r.url().endsWith("/auth/refresh"));
        await p.click("#refresh");
        expect((await refreshed).status()).toBe(200);
        await expect.poll(() => p.textContent("#status")).toContain("session refreshed");
        await p.screenshot({ path: join(ARTIFACTS, "05-refreshed.png") });
        const rotated = await refreshCookieNow();
        expect(rotated).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
        expect(rotated?.value).toBeDefined();
        expect(rotated?.value).not.toBe(old.value);

        // Past the 5 s grace in which a racing tab may still present the token it just rotated.
        h().clock.advance(10_000);
        await ctx().addCookies([{ ...old, expires: old.expires }]);
        expect((await refreshCookieNow())?.value).toBe(old.value);
        const replay = p.waitForResponse((r) => r.url().endsWith("/auth/refresh"));
        await p.click("#refresh");
        const replayed = await replay;
        expect(replayed.status()).toBe(401);
        // The page shows the answer's status and `error`: 401 { "error": "revoked" }.
        await expect.poll(() => p.textContent("#status")).toBe("Refresh refused (401 revoked)");
        await p.screenshot({ path: join(ARTIFACTS, "06-replay-refused.png") });
        // The refusal cleared the cookie.
        expect(await refreshCookieNow()).toBeUndefined();

        // The newest token of the family is dead too.
        if (rotated === undefined) throw new Error("no rotated cookie");
        await ctx().addCookies([rotated]);
        expect(await postFromPage("/auth/refresh")).toEqual({ status: 401, body: { error: "revoked" } });
      },
      APP_TIMEOUT,
    );

    it(
      "signs out: the session is revoked and the cookie cleared",
      async () => {
        const p = tab();
        await p.goto(`${origin()}/`);
        await p.fill("#login input[name=email]", "browser-owner@example.com");
        await p.fill("#login input[name=password]", PASSWORD);
        await p.click("#login button[type=submit]");
        await expect.poll(() => p.textContent("#status")).toBe("Signed in as browser-owner@example.com");
        const before = await refreshCookieNow();
        expect(before).toBeDefined();
        const out = p.waitForResponse((r) => r.url().endsWith("/auth/logout"));
        await p.click("#logout");
        expect((await out).status()).toBe(204);
        await expect.poll(() => p.textContent("#status")).toBe("Signed out");
        expect(await refreshCookieNow()).toBeUndefined();
        await p.screenshot({ path: join(ARTIFACTS, "07-signed-out-again.png") });
        if (before === undefined) throw new Error("no cookie");
        await ctx().addCookies([before]);
        expect(await postFromPage("/auth/refresh")).toEqual({ status: 401, body: { error: "revoked" } });
      },
      APP_TIMEOUT,
    );
  });
});
