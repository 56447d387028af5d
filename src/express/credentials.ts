/**
 * Reading credentials off a request and answering a failed check, shared by `authenticate` and
 * `apiKeyAuth`. A credential is "absent" only when nothing of its kind was sent; anything sent
 * and unreadable is a failed credential, so it is refused even on optional routes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { MoatError } from "../errors.js";
import { CREDENTIAL_REASON_STATUS, sendError, sendHttpError } from "./http-errors.js";
import { checkSubject, type RequestSubject } from "./subject.js";

/** What a request carries in one credential slot. */
export type Presented =
  { readonly kind: "absent" } | { readonly kind: "present"; readonly value: string } | { readonly kind: "invalid" };

export const ABSENT: Presented = Object.freeze({ kind: "absent" });
export const INVALID: Presented = Object.freeze({ kind: "invalid" });

const BEARER_RE = /^bearer(?: +(.*))?$/i;
// RFC 6750 §2.1 b64token.
const B64TOKEN_RE = /^[A-Za-z0-9\-._~+/]+=*$/;

/** A cookie name as RFC 6265 allows it (an HTTP token). */
export const COOKIE_NAME_RE: RegExp = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;

/**
 * The token of an `Authorization: Bearer …` header. Another scheme (Basic, a custom one) is
 * `absent`: it is not this middleware's credential. A Bearer header whose token is empty or not
 * a b64token is `invalid`.
 */
export function bearerToken(req: IncomingMessage): Presented {
  const header = req.headers.authorization;
  if (header === undefined) return ABSENT;
  const match = BEARER_RE.exec(header.trim());
  if (match === null) return ABSENT;
  const token = match[1]?.trim() ?? "";
  return B64TOKEN_RE.test(token) ? { kind: "present", value: token } : INVALID;
}

/**
 * The value of cookie `name`. Sent twice (a sibling subdomain can plant a second cookie of the
 * same name) it is `invalid`: picking one would let the planted one win.
 */
export function cookieValue(req: IncomingMessage, name: string): Presented {
  const header = req.headers.cookie;
  if (header === undefined) return ABSENT;
  let found: string | undefined;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return INVALID;
    found = pair.slice(eq + 1).trim();
  }
  if (found === undefined) return ABSENT;
  return found === "" ? INVALID : { kind: "present", value: found };
}

/**
 * Answers a failed credential check: reasons listed in CREDENTIAL_REASON_STATUS pass through
 * with their status, every other reason is 401 `ERR_UNAUTHENTICATED`.
 */
export function sendCredentialFailure(
  res: ServerResponse,
  reason: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const status = Object.hasOwn(CREDENTIAL_REASON_STATUS, reason) ? CREDENTIAL_REASON_STATUS[reason] : undefined;
  if (status === undefined) sendHttpError(res, "ERR_UNAUTHENTICATED", headers);
  else sendError(res, status, reason, status === 401 ? headers : {});
}

/**
 * The subject for a verified credential: the app's `toSubject` mapping when given (checked like
 * `setSubject` would), else the middleware's default. `null` means the credential is refused (the
 * mapping said so, or the default could not build a subject); a mapping that returns an invalid
 * subject is a wiring bug, returned as ERR_CONFIG for `next`.
 */
export async function resolveSubject<T>(
  verified: T,
  req: IncomingMessage,
  toSubject:
    ((verified: T, req: IncomingMessage) => RequestSubject | null | Promise<RequestSubject | null>) | undefined,
  fallback: (verified: T) => RequestSubject | null,
  middleware: string,
): Promise<RequestSubject | null | MoatError> {
  if (toSubject === undefined) return fallback(verified);
  const mapped: unknown = await toSubject(verified, req);
  if (mapped === null) return null;
  try {
    return checkSubject(mapped);
  } catch {
    return new MoatError("ERR_CONFIG", { message: `${middleware}: toSubject returned an invalid subject` });
  }
}
