/**
 * `securityHeaders()`: helmet with stricter defaults for an API server — frames denied, a
 * Content-Security-Policy that allows nothing inline and nothing from other origins.
 */
import helmet, { type HelmetOptions } from "helmet";
import { MoatError } from "../errors.js";
import { assertKnownKeys } from "../_internal/options.js";
import { isPlainObject } from "../_internal/own-field.js";
import { replayStaticHeaders } from "./static-headers.js";
import type { Middleware } from "./types.js";

/**
 * The Content-Security-Policy directives `securityHeaders()` sends by default. Stricter than
 * helmet's: no `'unsafe-inline'` styles, no fonts or styles from any https origin, no framing at
 * all, no `<base>` and no plugins. Directives you pass are merged over these (a directive set to
 * `null` is removed).
 */
export const STRICT_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "default-src": ["'self'"],
  "base-uri": ["'none'"],
  "connect-src": ["'self'"],
  "font-src": ["'self'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
  "img-src": ["'self'", "data:"],
  "object-src": ["'none'"],
  "script-src": ["'self'"],
  "script-src-attr": ["'none'"],
  "style-src": ["'self'"],
  "upgrade-insecure-requests": [],
});

/**
 * Options of {@link securityHeaders}: helmet's own options (see helmet's documentation), applied
 * over moatkit's defaults.
 */
export type SecurityHeadersOptions = HelmetOptions;

// helmet's own option names (both spellings of its either-or pairs). helmet ignores a key it does
// not know, so a misspelt header option would silently keep helmet's default.
const HELMET_OPTION_KEYS: readonly string[] = [
  "contentSecurityPolicy",
  "crossOriginEmbedderPolicy",
  "crossOriginOpenerPolicy",
  "crossOriginResourcePolicy",
  "originAgentCluster",
  "referrerPolicy",
  "strictTransportSecurity",
  "hsts",
  "xContentTypeOptions",
  "noSniff",
  "xDnsPrefetchControl",
  "dnsPrefetchControl",
  "xDownloadOptions",
  "ieNoOpen",
  "xFrameOptions",
  "frameguard",
  "xPermittedCrossDomainPolicies",
  "permittedCrossDomainPolicies",
  "xPoweredBy",
  "hidePoweredBy",
  "xXssProtection",
  "xssFilter",
];

function cspOption(value: HelmetOptions["contentSecurityPolicy"]): NonNullable<HelmetOptions["contentSecurityPolicy"]> {
  if (value === false) return false;
  if (value === undefined || value === true) return { useDefaults: false, directives: { ...STRICT_CSP_DIRECTIVES } };
  // `useDefaults: false` means the caller wrote the whole policy; otherwise merge over ours.
  if (value.useDefaults === false) return value;
  return { ...value, useDefaults: false, directives: { ...STRICT_CSP_DIRECTIVES, ...value.directives } };
}

/**
 * Security headers on every response, through helmet, with these defaults:
 *
 * | header | value |
 * | --- | --- |
 * | `Strict-Transport-Security` | `max-age=31536000; includeSubDomains` |
 * | `X-Frame-Options` | `DENY` |
 * | `X-Content-Type-Options` | `nosniff` |
 * | `Cross-Origin-Resource-Policy` | `same-origin` |
 * | `Cross-Origin-Opener-Policy` | `same-origin` |
 * | `Content-Security-Policy` | {@link STRICT_CSP_DIRECTIVES} |
 * | `Referrer-Policy` | `no-referrer` |
 * | `Origin-Agent-Cluster`, `X-DNS-Prefetch-Control`, `X-Download-Options`, `X-Permitted-Cross-Domain-Policies`, `X-XSS-Protection` | helmet's defaults |
 *
 * and `X-Powered-By` removed. Every helmet option can be overridden; invalid options are
 * `ERR_CONFIG`.
 *
 * @example
 * ```ts
 * app.use(securityHeaders());
 * // a page that loads images from a CDN:
 * app.use(securityHeaders({ contentSecurityPolicy: { directives: { "img-src": ["'self'", "https://cdn.example.com"] } } }));
 * ```
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): Middleware {
  if (!isPlainObject(options))
    throw new MoatError("ERR_CONFIG", { message: "securityHeaders options must be an object" });
  assertKnownKeys(options, HELMET_OPTION_KEYS, "securityHeaders options");
  // Object.assign rather than spreads: helmet's either-or option keys defeat spread typing.
  const merged: HelmetOptions = Object.assign(
    {},
    options,
    { contentSecurityPolicy: cspOption(options.contentSecurityPolicy) },
    options.xFrameOptions === undefined && options.frameguard === undefined
      ? { xFrameOptions: { action: "deny" as const } }
      : {},
  );
  let middleware: Middleware;
  try {
    middleware = helmet(merged);
  } catch (cause) {
    // helmet's messages describe the bad option; they name options, not secrets.
    throw new MoatError("ERR_CONFIG", { message: "invalid securityHeaders options", cause });
  }
  // Without per-request values (CSP nonces), helmet sets the same headers on every response:
  // record them once and replay them.
  return replayStaticHeaders(middleware, merged);
}
