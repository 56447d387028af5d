/**
 * `refreshCookie()`: the refresh token of a `moatkit/sessions` session kept where page scripts
 * cannot read it — an `HttpOnly`, `Secure`, `__Host-` cookie — rotated on every refresh and
 * cleared on logout. The access token travels in the response body and lives in page memory;
 * only the refresh endpoint ever sees the long-lived credential.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, systemClock } from "../_internal/runtime.js";
import { MoatError } from "../errors.js";
import type { SessionRefreshResult, SessionTokens } from "../sessions/refresh-sessions.js";
import type { Secret } from "../_internal/secret.js";
import { appendSetCookie, checkCookieConfig, serializeCookie, type CookieAttributes } from "./cookies.js";
import { cookieValue, sendCredentialFailure } from "./credentials.js";
import type { Middleware, NextFunction } from "./types.js";

/** The part of `createSessions(…)` the refresh cookie uses. */
export interface RefreshCookieSessions {
  /** Rotates a refresh token. */
  refresh(refreshToken: string | Secret<string>): Promise<SessionRefreshResult>;
  /** Revokes a session. */
  revoke(sessionId: string): Promise<boolean>;
}

/** Options of {@link refreshCookie}. */
export interface RefreshCookieOptions {
  /** The sessions the refresh tokens belong to: `createSessions(…)`. */
  readonly sessions: RefreshCookieSessions;
  /**
   * Cookie name. Default `__Host-moatkit-refresh` (with `path` `/`), `__Secure-moatkit-refresh`
   * with another path, `moatkit-refresh` with `insecureDevelopmentCookie`.
   */
  readonly name?: string;
  /** Cookie `Path`: where the browser sends it. Default `/`; e.g. `/auth` keeps it off every other request. */
  readonly path?: string;
  /** `SameSite`; default `Strict` (a refresh never needs to follow a cross-site link). */
  readonly sameSite?: "Strict" | "Lax";
  /**
   * Development only (plain-HTTP localhost): drops `Secure` and the name prefix. Never set it in
   * production: the refresh token would travel in clear.
   */
  readonly insecureDevelopmentCookie?: boolean;
  /** Clock for `Max-Age`; default `Date.now` (pass the sessions' clock in tests). */
  readonly now?: Clock;
}

/** What the refresh handler answers on success (JSON). */
export interface RefreshResponseBody {
  /** The session id (`sid`). */
  readonly sessionId: string;
  /** The new access token. */
  readonly accessToken: string;
  /** When it expires (ms since the epoch). */
  readonly accessTokenExpiresAt: number;
}

/** The cookie helper. */
export interface RefreshCookie {
  /** The cookie's name. */
  readonly name: string;
  /** Sets the cookie to the session's refresh token, `Max-Age` until it expires. */
  set(res: ServerResponse, tokens: SessionTokens): void;
  /** Clears the cookie (`Max-Age=0`, same attributes, so the browser matches it). */
  clear(res: ServerResponse): void;
  /**
   * `POST` handler: reads the cookie, rotates the refresh token, sets the new one and answers
   * {@link RefreshResponseBody} with `Cache-Control: no-store`. A missing, invalid, expired,
   * revoked or reused token clears the cookie and answers 401 `{ "error": reason }` (reuse has
   * already revoked the whole session).
   */
  refreshHandler(): Middleware;
  /**
   * `POST` handler: revokes the cookie's session (found by rotating its token once: the store
   * has no lookup by token), clears the cookie and answers 204 — also when there was no cookie
   * or the session had already ended, so logout is idempotent.
   */
  logoutHandler(): Middleware;
}

const optionsSchema = z.strictObject({
  sessions: z.custom<RefreshCookieSessions>(
    (v) =>
      typeof v === "object" &&
      v !== null &&
      typeof Reflect.get(v, "refresh") === "function" &&
      typeof Reflect.get(v, "revoke") === "function",
    "expected sessions from createSessions()",
  ),
  name: z.string().optional(),
  path: z.string().optional(),
  sameSite: z.enum(["Strict", "Lax"]).optional(),
  insecureDevelopmentCookie: z.boolean().optional(),
  now: functionSchema<Clock>().optional(),
});

function noStore(res: ServerResponse): void {
  res.setHeader("cache-control", "no-store");
  res.setHeader("pragma", "no-cache");
}

/**
 * A refresh-token cookie for browser sessions: `HttpOnly`, `Secure`, `__Host-` prefixed,
 * `SameSite=Strict`, `Max-Age` from the session, rotated on every refresh, cleared on logout.
 * Insecure cookies only with the explicit `insecureDevelopmentCookie` option. Pair the refresh
 * and logout routes with `csrfProtection()`.
 *
 * @throws MoatError ERR_CONFIG for invalid options (a `__Host-` name with a path other than `/`,
 *   `SameSite=None`, …).
 * @example
 * ```ts
 * const refresh = refreshCookie({ sessions });
 * app.post("/login", async (req, res) => {
 *   // … check the password …
 *   const tokens = await sessions.start(user.id);
 *   refresh.set(res, tokens);
 *   res.json({ accessToken: tokens.accessToken });
 * });
 * app.post("/auth/refresh", refresh.refreshHandler());
 * app.post("/auth/logout", refresh.logoutHandler());
 * ```
 */
export function refreshCookie(options: RefreshCookieOptions): RefreshCookie {
  return createRefreshCookie(parseOptions(optionsSchema, options, "refreshCookie options"));
}

/** The factory behind {@link refreshCookie}, over checked options. */
function createRefreshCookie(opts: z.output<typeof optionsSchema>): RefreshCookie {
  const insecure = opts.insecureDevelopmentCookie === true;
  const path = opts.path ?? "/";
  const name =
    opts.name ?? (insecure ? "moatkit-refresh" : path === "/" ? "__Host-moatkit-refresh" : "__Secure-moatkit-refresh");
  const base: CookieAttributes = { httpOnly: true, secure: !insecure, sameSite: opts.sameSite ?? "Strict", path };
  checkCookieConfig(name, base, "refreshCookie");
  const now = opts.now ?? systemClock;
  const { sessions } = opts;

  const set = (res: ServerResponse, tokens: SessionTokens): void => {
    const seconds = Math.floor((tokens.refreshTokenExpiresAt - now()) / 1000);
    appendSetCookie(
      res,
      serializeCookie(name, tokens.refreshToken.reveal(), { ...base, maxAgeSeconds: Math.max(0, seconds) }),
    );
  };
  const clear = (res: ServerResponse): void => {
    appendSetCookie(res, serializeCookie(name, "", { ...base, maxAgeSeconds: 0 }));
  };
  const presented = (req: IncomingMessage): string | null => {
    const value = cookieValue(req, name);
    return value.kind === "present" ? value.value : null;
  };

  return {
    name,
    set,
    clear,
    refreshHandler(): Middleware {
      return function moatkitRefresh(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
        const token = presented(req);
        noStore(res);
        if (token === null) {
          clear(res);
          sendCredentialFailure(res, "invalid");
          return;
        }
        sessions.refresh(token).then(
          (result) => {
            if (!result.ok) {
              clear(res);
              sendCredentialFailure(res, result.reason === "reused" ? "revoked" : result.reason);
              return;
            }
            set(res, result);
            const body: RefreshResponseBody = {
              sessionId: result.sessionId,
              accessToken: result.accessToken,
              accessTokenExpiresAt: result.accessTokenExpiresAt,
            };
            const text = JSON.stringify(body);
            res.statusCode = 200;
            res.setHeader("content-type", "application/json; charset=utf-8");
            res.setHeader("content-length", Buffer.byteLength(text));
            res.end(text);
          },
          (err: unknown) => {
            next(err instanceof Error ? err : new MoatError("ERR_STORE", { message: "refresh failed" }));
          },
        );
      };
    },
    logoutHandler(): Middleware {
      return function moatkitLogout(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
        const token = presented(req);
        noStore(res);
        const done = (): void => {
          clear(res);
          res.statusCode = 204;
          res.end();
        };
        if (token === null) {
          done();
          return;
        }
        sessions
          .refresh(token)
          .then(async (result) => {
            if (result.ok) await sessions.revoke(result.sessionId);
            done();
          })
          .catch((err: unknown) => {
            next(err instanceof Error ? err : new MoatError("ERR_STORE", { message: "logout failed" }));
          });
      };
    },
  };
}
