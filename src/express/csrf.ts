/**
 * `csrfProtection()`: refuses cross-site unsafe requests. Browsers say where a request comes
 * from: Fetch Metadata (`Sec-Fetch-Site`, every current browser) first, then `Origin`, then
 * `Referer`. For the rare browser that sends none of them, a signed double-submit token (OWASP's
 * "signed double-submit cookie": HMAC-bound to the session) decides. A request with none of
 * these and no cookies carries no ambient credential, so it cannot be a forged browser request:
 * it passes (API clients, webhooks).
 *
 * Written here rather than taken from a CSRF package: the header checks are a few comparisons,
 * and the token must bind to moatkit's session ids and use its constant-time comparison.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { z } from "zod";
import { constantTimeEqualString } from "../_internal/ct-compare.js";
import { base64urlEncode, utf8Encode } from "../_internal/encoding.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { type RandomSource, randomBytes, systemRandom } from "../_internal/runtime.js";
import { isSecret, type Secret } from "../_internal/secret.js";
import { MoatError } from "../errors.js";
import { appendSetCookie, checkCookieConfig, serializeCookie } from "./cookies.js";
import { cookieValue } from "./credentials.js";
import { headerNameSchema } from "./header-name.js";
import { sendHttpError } from "./http-errors.js";
import type { Middleware, NextFunction } from "./types.js";

/** Why {@link csrfProtection} refused a request (passed to `onRefuse`, never sent to the client). */
export type CsrfRefusal =
  /** `Sec-Fetch-Site: cross-site`, or `same-site` without `allowSameSite`, from an untrusted origin. */
  | "cross_site"
  /** `Origin` is neither the request's own origin nor a trusted one (`null` included). */
  | "origin_mismatch"
  /** No `Origin`; `Referer` names another origin. */
  | "referer_mismatch"
  /** No browser header, cookies sent, and no token (or no token configured). */
  | "token_missing"
  /** The token does not match its cookie or was not made for this session. */
  | "token_invalid";

/** The signed double-submit token, for browsers that send neither Fetch Metadata nor Origin. */
export interface CsrfTokenOptions {
  /** HMAC key, at least 32 bytes, kept on the server. */
  readonly secret: Uint8Array | Secret<Uint8Array>;
  /** The session the token belongs to (a session id, a refresh-family id), or undefined before login. */
  readonly sessionId: (req: IncomingMessage) => string | undefined;
  /** Cookie holding the token; default `__Host-csrf` (`csrf` with `insecureCookie`). */
  readonly cookie?: string;
  /** Request header carrying the token; default `x-csrf-token`. */
  readonly header?: string;
  /** Form or JSON body field carrying the token (read from `req.body`); default `_csrf`. */
  readonly field?: string;
  /** Development only: a cookie without `Secure` (plain-HTTP localhost). */
  readonly insecureCookie?: boolean;
  /** Randomness for new tokens; default the system CSPRNG. */
  readonly random?: RandomSource;
}

/** Options of {@link csrfProtection}. */
export interface CsrfProtectionOptions {
  /**
   * The application's own origin(s), e.g. `https://app.example.com`. When given, `Origin` and
   * `Referer` must be one of them (or a trusted origin); when omitted, their host must equal the
   * request's `Host` header.
   */
  readonly origin?: string | readonly string[];
  /** Other origins allowed to send unsafe requests (an admin front end on another host). */
  readonly trustedOrigins?: readonly string[];
  /** Let `Sec-Fetch-Site: same-site` (sibling subdomains) through. Default false: a sibling may be less trusted. */
  readonly allowSameSite?: boolean;
  /** Methods that are never refused; default GET, HEAD, OPTIONS (they must not change state). */
  readonly safeMethods?: readonly string[];
  /** The double-submit token fallback; without it, a cookie-carrying request with no browser header is refused. */
  readonly token?: CsrfTokenOptions;
  /** Called with the reason of each refusal (for logs and metrics). */
  readonly onRefuse?: (req: IncomingMessage, reason: CsrfRefusal) => void;
}

/** The middleware, with a way to hand the page its token. */
export interface CsrfMiddleware extends Middleware {
  /**
   * The token for this request's session: sets its cookie (not `HttpOnly`, so a page script may
   * copy it into the header) and returns it for a hidden form field.
   *
   * @throws MoatError ERR_CONFIG when no `token` option was given.
   */
  token(req: IncomingMessage, res: ServerResponse): string;
}

const MIN_SECRET_BYTES = 32;
const NONCE_BYTES = 16;
const TOKEN_RE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;
const MAX_SESSION_ID_CHARS = 1024;

const originSchema = z.string().refine((o) => {
  try {
    const url = new URL(o);
    return url.origin === o && (url.protocol === "https:" || url.protocol === "http:");
  } catch {
    return false;
  }
}, "an origin such as https://app.example.com (scheme, host, optional port; no path)");

const tokenSchema = z.strictObject({
  secret: z.union([
    z.instanceof(Uint8Array).refine((k) => k.length >= MIN_SECRET_BYTES, "at least 32 bytes"),
    z.custom<Secret<Uint8Array>>((v) => {
      const inner: unknown = isSecret(v) ? v.reveal() : undefined;
      return inner instanceof Uint8Array && inner.length >= MIN_SECRET_BYTES;
    }, "a Secret holding at least 32 bytes"),
  ]),
  sessionId: functionSchema<(req: IncomingMessage) => string | undefined>(),
  cookie: z.string().optional(),
  header: headerNameSchema.optional(),
  field: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  insecureCookie: z.boolean().optional(),
  random: functionSchema<RandomSource>().optional(),
});

const optionsSchema = z.strictObject({
  origin: z.union([originSchema, z.array(originSchema).min(1)]).optional(),
  trustedOrigins: z.array(originSchema).optional(),
  allowSameSite: z.boolean().optional(),
  safeMethods: z.array(z.string().regex(/^[A-Z]{1,16}$/, "an upper-case method")).optional(),
  token: tokenSchema.optional(),
  onRefuse: functionSchema<(req: IncomingMessage, reason: CsrfRefusal) => void>().optional(),
});

/** `Origin`/`Referer` origin, lower-cased, or null when it is not a URL with a host. */
function originOf(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.host === "" ? null : url;
  } catch {
    return null;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

/**
 * Refuses cross-site unsafe requests (403 `{ "error": "ERR_FORBIDDEN" }`). For each request
 * whose method is not safe:
 * 1. `Sec-Fetch-Site` present: `same-origin` and `none` (typed URL, bookmark) pass;
 *    `same-site` passes only with `allowSameSite`; otherwise only a trusted `Origin` passes.
 * 2. else `Origin` present: it must be the app's origin (or have the request's `Host`) or a
 *    trusted origin; `null` is refused.
 * 3. else `Referer` present: the same check on its origin.
 * 4. else, when the request carries cookies: the double-submit token must be sent (header or
 *    body field), equal the token cookie, and carry an HMAC for this session. Without cookies
 *    there is no ambient credential to abuse, and the request passes.
 *
 * Mount it before the routes that change state and after the body parser (for the form field).
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * const csrf = csrfProtection({ origin: "https://app.example.com" });
 * app.use(express.urlencoded({ extended: false }));
 * app.use(csrf);
 * ```
 */
export function csrfProtection(options: CsrfProtectionOptions = {}): CsrfMiddleware {
  return createCsrfMiddleware(parseOptions(optionsSchema, options, "csrfProtection options"));
}

/** The factory behind {@link csrfProtection}, over checked options. */
function createCsrfMiddleware(opts: z.output<typeof optionsSchema>): CsrfMiddleware {
  const own = opts.origin === undefined ? null : new Set(typeof opts.origin === "string" ? [opts.origin] : opts.origin);
  const trusted = new Set(opts.trustedOrigins ?? []);
  const safe = new Set(opts.safeMethods ?? ["GET", "HEAD", "OPTIONS"]);
  const token = opts.token;
  const cookieName = token?.cookie ?? (token?.insecureCookie === true ? "csrf" : "__Host-csrf");
  const cookieAttributes = {
    httpOnly: false,
    secure: token?.insecureCookie !== true,
    sameSite: "Lax",
    path: "/",
  } as const;
  if (token !== undefined) checkCookieConfig(cookieName, cookieAttributes, "csrfProtection token cookie");
  const header = (token?.header ?? "x-csrf-token").toLowerCase();
  const field = token?.field ?? "_csrf";
  const key = token === undefined ? undefined : isSecret(token.secret) ? token.secret.reveal() : token.secret;
  const random = token?.random ?? systemRandom;

  function sessionOf(req: IncomingMessage): string {
    const id = token?.sessionId(req);
    if (id !== undefined && (typeof id !== "string" || id.length > MAX_SESSION_ID_CHARS)) {
      throw new MoatError("ERR_CONFIG", {
        message: "csrfProtection: sessionId must return a string (≤ 1024 chars) or undefined",
      });
    }
    return id ?? "";
  }

  function mac(session: string, nonce: string): string {
    return base64urlEncode(hmac(sha256, key as Uint8Array, utf8Encode(`moatkit/csrf/v1\0${session}\0${nonce}`)));
  }

  function sameOrigin(req: IncomingMessage, url: URL): boolean {
    if (trusted.has(url.origin)) return true;
    if (own !== null) return own.has(url.origin);
    const host = single(req.headers.host);
    return host !== undefined && host.toLowerCase() === url.host;
  }

  function checkToken(req: IncomingMessage): CsrfRefusal | null {
    if (token === undefined) return "token_missing";
    const fromCookie = cookieValue(req, cookieName);
    const body: unknown = (req as { body?: unknown }).body;
    const fromField: unknown = typeof body === "object" && body !== null ? Reflect.get(body, field) : undefined;
    const sent = single(req.headers[header]) ?? (typeof fromField === "string" ? fromField : undefined);
    if (sent === undefined || fromCookie.kind === "absent") return "token_missing";
    if (fromCookie.kind !== "present" || !TOKEN_RE.test(sent) || !constantTimeEqualString(sent, fromCookie.value))
      return "token_invalid";
    const [nonce = "", tag = ""] = sent.split(".");
    return constantTimeEqualString(tag, mac(sessionOf(req), nonce)) ? null : "token_invalid";
  }

  function verdict(req: IncomingMessage): CsrfRefusal | null {
    const site = single(req.headers["sec-fetch-site"]);
    const originHeader = single(req.headers.origin);
    const origin = originHeader === undefined || originHeader === "null" ? null : originOf(originHeader);
    if (site !== undefined) {
      if (site === "same-origin" || site === "none") return null;
      if (site === "same-site" && opts.allowSameSite === true) return null;
      return origin !== null && trusted.has(origin.origin) ? null : "cross_site";
    }
    if (originHeader !== undefined) return origin !== null && sameOrigin(req, origin) ? null : "origin_mismatch";
    const referer = single(req.headers.referer);
    if (referer !== undefined) {
      const url = originOf(referer);
      return url !== null && sameOrigin(req, url) ? null : "referer_mismatch";
    }
    if (req.headers.cookie === undefined) return null;
    return checkToken(req);
  }

  const middleware = function moatkitCsrfProtection(
    req: IncomingMessage,
    res: ServerResponse,
    next: NextFunction,
  ): void {
    if (safe.has(req.method ?? "GET")) {
      next();
      return;
    }
    let reason: CsrfRefusal | null;
    try {
      reason = verdict(req);
    } catch (err) {
      next(err);
      return;
    }
    if (reason === null) {
      next();
      return;
    }
    try {
      opts.onRefuse?.(req, reason);
    } finally {
      sendHttpError(res, "ERR_FORBIDDEN");
    }
  } as CsrfMiddleware;

  middleware.token = (req, res) => {
    if (token === undefined) throw new MoatError("ERR_CONFIG", { message: "csrfProtection: no token option given" });
    const nonce = base64urlEncode(randomBytes(random, NONCE_BYTES));
    const value = `${nonce}.${mac(sessionOf(req), nonce)}`;
    appendSetCookie(res, serializeCookie(cookieName, value, cookieAttributes));
    return value;
  };
  return middleware;
}
