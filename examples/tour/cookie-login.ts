import { once } from "node:events";
import type { AddressInfo } from "node:net";
import express from "express";
import { createMemoryRefreshSessionStore } from "moatkit/adapters/memory";
import { csrfProtection, refreshCookie } from "moatkit/express";
import { createKeySet, createSessions, createTokens, generateSigningKey } from "moatkit/sessions";
import type { TourSection } from "./section.js";

/** A Set-Cookie header with its value hidden: the name and the attributes are what matter. */
function attributesOf(setCookie: string | null): string {
  if (setCookie === null) return "(no Set-Cookie)";
  const [pair = "", ...attributes] = setCookie.split(";").map((part) => part.trim());
  const name = pair.slice(0, pair.indexOf("="));
  const value = pair.slice(pair.indexOf("=") + 1);
  return `${name}=${value === "" ? "" : "…"}; ${attributes.join("; ")}`;
}

const section: TourSection = {
  title: "A cookie login: the refresh token in an HttpOnly __Host- cookie, rotated, cleared",
  async run(say) {
    // Memory stores: refresh sessions behind the cookie, access tokens in the response body.
    const tokens = createTokens({
      keys: createKeySet([await generateSigningKey("EdDSA")]),
      issuer: "https://tour.example",
      audience: "tour",
    });
    const sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
    const refresh = refreshCookie({ sessions });

    const app = express();
    app.use(csrfProtection());
    app.post("/login", async (_req, res) => {
      // (a real login checks the password first: see the express-saas chapter)
      const pair = await sessions.start("user_42");
      refresh.set(res, pair);
      res.json({ accessToken: pair.accessToken });
    });
    app.post("/auth/refresh", refresh.refreshHandler());
    app.post("/auth/logout", refresh.logoutHandler());
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    // As the page's fetch would send it: same origin, the cookie the browser holds.
    const post = (path: string, cookie?: string): Promise<Response> =>
      fetch(`${base}${path}`, {
        method: "POST",
        headers: { "sec-fetch-site": "same-origin", ...(cookie === undefined ? {} : { cookie }) },
      });
    const cookieOf = (res: Response): string => res.headers.get("set-cookie")?.split(";")[0] ?? "";

    try {
      const login = await post("/login");
      say(`login → ${String(login.status)}`);
      say(`  Set-Cookie: ${attributesOf(login.headers.get("set-cookie"))}`);
      const first = cookieOf(login);

      const rotated = await post("/auth/refresh", first);
      const second = cookieOf(rotated);
      say(`refresh → ${String(rotated.status)}, a new cookie value: ${String(second !== first)}`);
      say(`  Set-Cookie: ${attributesOf(rotated.headers.get("set-cookie"))}`);

      const out = await post("/auth/logout", second);
      say(`logout → ${String(out.status)}`);
      say(`  Set-Cookie: ${attributesOf(out.headers.get("set-cookie"))}`);
      const after = await post("/auth/refresh", second);
      say(`refresh with the logged-out cookie → ${String(after.status)} ${await after.text()}`);
      const forged = await fetch(`${base}/auth/refresh`, {
        method: "POST",
        headers: { "sec-fetch-site": "cross-site", cookie: second },
      });
      say(`the same request from another site → ${String(forged.status)} (csrfProtection)`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  },
};
export default section;
