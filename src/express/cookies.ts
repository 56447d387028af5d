/**
 * Writing `Set-Cookie` headers with the attributes a credential cookie needs. Written here
 * rather than taken from the `cookie` package: moatkit only ever writes a handful of fixed
 * attributes, and must refuse (not encode) a value or name that would change the header's meaning.
 */
import type { ServerResponse } from "node:http";
import { MoatError } from "../errors.js";
import { COOKIE_NAME_RE } from "./credentials.js";

/** RFC 6265 cookie-octets: printable ASCII except space, `"`, `,`, `;` and `\`. */
const COOKIE_VALUE_RE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const PATH_RE = /^\/[\x21-\x3A\x3C-\x7E]*$/;

/** The attributes moatkit writes on a cookie. */
export interface CookieAttributes {
  /** `HttpOnly`: page scripts cannot read it. */
  readonly httpOnly: boolean;
  /** `Secure`: sent only over HTTPS. Required by the `__Host-` and `__Secure-` prefixes. */
  readonly secure: boolean;
  /** `SameSite`. */
  readonly sameSite: "Strict" | "Lax" | "None";
  /** `Path`; `/` for a `__Host-` cookie. */
  readonly path: string;
  /** `Max-Age` in whole seconds; 0 deletes the cookie; omitted for a session cookie. */
  readonly maxAgeSeconds?: number | undefined;
}

/**
 * Checks a cookie's name and attributes against the rules browsers enforce, so a misconfigured
 * cookie fails at start-up instead of being silently dropped by every browser.
 *
 * @throws MoatError ERR_CONFIG
 */
export function checkCookieConfig(name: string, attributes: CookieAttributes, what: string): void {
  const fail = (message: string): never => {
    throw new MoatError("ERR_CONFIG", { message: `${what}: ${message}` });
  };
  if (!COOKIE_NAME_RE.test(name)) fail("the cookie name is not an RFC 6265 token");
  if (!PATH_RE.test(attributes.path)) fail("the cookie path must start with / and hold no ; or control characters");
  if (name.startsWith("__Host-") && (!attributes.secure || attributes.path !== "/"))
    fail("a __Host- cookie must be Secure with Path=/");
  if (name.startsWith("__Secure-") && !attributes.secure) fail("a __Secure- cookie must be Secure");
  if (attributes.sameSite === "None" && !attributes.secure) fail("SameSite=None requires Secure");
}

/** The `Set-Cookie` line for `name=value` with `attributes`. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!COOKIE_NAME_RE.test(name) || !COOKIE_VALUE_RE.test(value) || value.length > 4096) {
    // Values are tokens moatkit made; anything else here is a programming error. Nothing of the
    // value goes into the message.
    throw new MoatError("ERR_INVALID_INPUT", { message: "cookie name or value is not RFC 6265 cookie text" });
  }
  const parts = [`${name}=${value}`, `Path=${attributes.path}`];
  if (attributes.maxAgeSeconds !== undefined) {
    const seconds = Math.max(0, Math.floor(attributes.maxAgeSeconds));
    parts.push(`Max-Age=${String(seconds)}`);
    // Expires too, for clients that predate Max-Age; a deletion gets the epoch.
    parts.push(`Expires=${new Date(seconds === 0 ? 0 : Date.now() + seconds * 1000).toUTCString()}`);
  }
  if (attributes.httpOnly) parts.push("HttpOnly");
  if (attributes.secure) parts.push("Secure");
  parts.push(`SameSite=${attributes.sameSite}`);
  return parts.join("; ");
}

/** Adds a `Set-Cookie` line to the response, keeping the ones already set. */
export function appendSetCookie(res: ServerResponse, line: string): void {
  const existing = res.getHeader("set-cookie");
  const lines = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("set-cookie", [...lines, line]);
}
