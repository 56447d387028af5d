/**
 * The HTTP face of moatkit's failures: which status and which `{ error }` code a failure becomes.
 * Every moatkit middleware that rejects a request, and `errorHandler()`, answer through
 * `sendError` here, so the body shape and the code names are the same everywhere.
 */
import type { ServerResponse } from "node:http";

/**
 * Every `error` code a moatkit response body can carry besides a credential-check reason, with
 * its status. MoatError codes that describe the caller's request keep their name; codes that
 * describe a server-side failure (ERR_CONFIG, ERR_STORE, ERR_DECRYPT, ERR_KEY_NOT_FOUND,
 * ERR_INTEGRITY, ERR_UNSUPPORTED) are answered as `ERR_INTERNAL` so clients learn nothing about
 * the server's inner workings.
 */
export const HTTP_ERROR_STATUS = {
  /** The request is malformed (MoatError ERR_INVALID_INPUT, a body parser's 400). */
  ERR_INVALID_INPUT: 400,
  /** The route needs an authenticated subject and the request has none. */
  ERR_UNAUTHENTICATED: 401,
  /** The subject may not do this (MoatError ERR_FORBIDDEN, requireRole/requirePermission, originAllowlist). */
  ERR_FORBIDDEN: 403,
  /** Tenant-scoped code ran without a tenant for this subject (MoatError ERR_NO_TENANT). */
  ERR_NO_TENANT: 403,
  /** A query reached outside the subject's tenant (MoatError ERR_TENANT_SCOPE). */
  ERR_TENANT_SCOPE: 403,
  /** A 404 raised by the app through an http-errors style error. */
  ERR_NOT_FOUND: 404,
  /** The body is larger than bodyLimit() allows (or a body parser's 413). */
  ERR_PAYLOAD_TOO_LARGE: 413,
  /** A body parser's 415. */
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  /** requestTimeout() fired before the handler answered. */
  ERR_TIMEOUT: 503,
  /** The work was aborted through its AbortSignal (MoatError ERR_ABORTED). */
  ERR_ABORTED: 503,
  /** Anything else: the details go to `errorHandler({ onError })`, never to the client. */
  ERR_INTERNAL: 500,
} as const;

/** A code from {@link HTTP_ERROR_STATUS}. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/**
 * Credential-check reasons (the `reason` of a failed `Result`) that `errorHandler()` passes to the
 * client as `{ error: reason }`, with their status. Only reasons a client can act on are listed:
 * `expired` (refresh), `revoked`, `mfa_required` (step up with a second factor),
 * `insufficient_scope` (ask for another key), `rate_limited` (wait).
 * Every other reason — `malformed`, `checksum`, `not_found`, `invalid_signature`, `unknown_key`,
 * `replayed`, `reused`, … — is answered as 401 `ERR_UNAUTHENTICATED`, so the client cannot tell
 * which of several checks failed, and a reason string is never echoed unless it was listed here
 * or in `errorHandler({ reasons })`.
 */
export const CREDENTIAL_REASON_STATUS: Readonly<Record<string, number>> = Object.freeze({
  invalid: 401,
  invalid_credentials: 401,
  expired: 401,
  revoked: 401,
  mfa_required: 401,
  insufficient_scope: 403,
  rate_limited: 429,
});

// Headers describing a representation the failed handler may have started to build; an error
// body is a different representation.
const REPRESENTATION_HEADERS = ["content-encoding", "content-language", "content-range", "content-disposition", "content-location", "etag", "last-modified"];

/**
 * Answers `{ "error": code }` with `status`. If the response has already started, it cannot be
 * turned into an error any more: the connection is destroyed so the client sees a truncated
 * response instead of a complete-looking one.
 */
export function sendError(res: ServerResponse, status: number, code: string, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
  const body = JSON.stringify({ error: code });
  res.statusCode = status;
  // A handler's custom status text could say anything; the standard one for the status is used.
  res.statusMessage = "";
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  res.setHeader("cache-control", "no-store");
  res.setHeader("x-content-type-options", "nosniff");
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(body);
}

/** {@link sendError} for a code of {@link HTTP_ERROR_STATUS}. */
export function sendHttpError(res: ServerResponse, code: HttpErrorCode, headers?: Readonly<Record<string, string>>): void {
  sendError(res, HTTP_ERROR_STATUS[code], code, headers);
}
