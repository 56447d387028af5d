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
 * the server's inner workings. An error thrown with an HTTP status (http-errors, body-parser,
 * express) is answered with the code named after that status, e.g. 409 → `ERR_CONFLICT`.
 *
 * @example
 * ```ts
 * // A client of a moatkit API telling a conflict from other failures:
 * if (res.status === HTTP_ERROR_STATUS.ERR_CONFLICT && body.error === "ERR_CONFLICT") await reloadAndRetry();
 * ```
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
  /** Too much work is queued, e.g. the bcrypt queue or this client's share of it (MoatError ERR_OVERLOADED); sent with `Retry-After`. */
  ERR_OVERLOADED: 503,
  /** Anything else: the details go to `errorHandler({ onError })`, never to the client. */
  ERR_INTERNAL: 500,
  // The other registered 4xx/5xx statuses (RFC 9110 and the IANA registry), for errors thrown with
  // that status: each code is the status's reason phrase.
  /** An error thrown with status 402. */
  ERR_PAYMENT_REQUIRED: 402,
  /** An error thrown with status 405. */
  ERR_METHOD_NOT_ALLOWED: 405,
  /** An error thrown with status 406. */
  ERR_NOT_ACCEPTABLE: 406,
  /** An error thrown with status 407. */
  ERR_PROXY_AUTHENTICATION_REQUIRED: 407,
  /** An error thrown with status 408 (a body parser that waited too long for the body). */
  ERR_REQUEST_TIMEOUT: 408,
  /** An error thrown with status 409. */
  ERR_CONFLICT: 409,
  /** An error thrown with status 410. */
  ERR_GONE: 410,
  /** An error thrown with status 411. */
  ERR_LENGTH_REQUIRED: 411,
  /** An error thrown with status 412. */
  ERR_PRECONDITION_FAILED: 412,
  /** An error thrown with status 414. */
  ERR_URI_TOO_LONG: 414,
  /** An error thrown with status 416. */
  ERR_RANGE_NOT_SATISFIABLE: 416,
  /** An error thrown with status 417. */
  ERR_EXPECTATION_FAILED: 417,
  /** An error thrown with status 421. */
  ERR_MISDIRECTED_REQUEST: 421,
  /** An error thrown with status 422. */
  ERR_UNPROCESSABLE_CONTENT: 422,
  /** An error thrown with status 423. */
  ERR_LOCKED: 423,
  /** An error thrown with status 424. */
  ERR_FAILED_DEPENDENCY: 424,
  /** An error thrown with status 425. */
  ERR_TOO_EARLY: 425,
  /** An error thrown with status 426. */
  ERR_UPGRADE_REQUIRED: 426,
  /** An error thrown with status 428. */
  ERR_PRECONDITION_REQUIRED: 428,
  /** An error thrown with status 429 (rateLimit() itself answers `rate_limited`). */
  ERR_TOO_MANY_REQUESTS: 429,
  /** An error thrown with status 431. */
  ERR_REQUEST_HEADER_FIELDS_TOO_LARGE: 431,
  /** An error thrown with status 451. */
  ERR_UNAVAILABLE_FOR_LEGAL_REASONS: 451,
  /** An error thrown with status 501. */
  ERR_NOT_IMPLEMENTED: 501,
  /** An error thrown with status 502. */
  ERR_BAD_GATEWAY: 502,
  /** An error thrown with status 503. */
  ERR_SERVICE_UNAVAILABLE: 503,
  /** An error thrown with status 504. */
  ERR_GATEWAY_TIMEOUT: 504,
  /** An error thrown with status 505. */
  ERR_HTTP_VERSION_NOT_SUPPORTED: 505,
  /** An error thrown with status 506. */
  ERR_VARIANT_ALSO_NEGOTIATES: 506,
  /** An error thrown with status 507. */
  ERR_INSUFFICIENT_STORAGE: 507,
  /** An error thrown with status 508. */
  ERR_LOOP_DETECTED: 508,
  /** An error thrown with status 510. */
  ERR_NOT_EXTENDED: 510,
  /** An error thrown with status 511. */
  ERR_NETWORK_AUTHENTICATION_REQUIRED: 511,
} as const;

/** A code from {@link HTTP_ERROR_STATUS}. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/**
 * The shape of an error body: `"json"` is `{ "error": code }`; `"problem"` is an RFC 9457
 * problem details object, `{ "type": "about:blank", "title", "status", "code" }`, sent as
 * `application/problem+json`.
 *
 * @example
 * ```ts
 * const format: ErrorBodyFormat = "problem";
 * app.use(errorHandler({ format }));
 * ```
 */
export type ErrorBodyFormat = "json" | "problem";

// Registered 4xx/5xx statuses: the code an error thrown with that status is answered with, and the
// reason phrase (RFC 9110's wording, e.g. "Content Too Large") used as a problem's title.
const STATUS_NAMES: ReadonlyMap<number, readonly [HttpErrorCode, string]> = new Map<
  number,
  readonly [HttpErrorCode, string]
>([
  [400, ["ERR_INVALID_INPUT", "Bad Request"]],
  [401, ["ERR_UNAUTHENTICATED", "Unauthorized"]],
  [402, ["ERR_PAYMENT_REQUIRED", "Payment Required"]],
  [403, ["ERR_FORBIDDEN", "Forbidden"]],
  [404, ["ERR_NOT_FOUND", "Not Found"]],
  [405, ["ERR_METHOD_NOT_ALLOWED", "Method Not Allowed"]],
  [406, ["ERR_NOT_ACCEPTABLE", "Not Acceptable"]],
  [407, ["ERR_PROXY_AUTHENTICATION_REQUIRED", "Proxy Authentication Required"]],
  [408, ["ERR_REQUEST_TIMEOUT", "Request Timeout"]],
  [409, ["ERR_CONFLICT", "Conflict"]],
  [410, ["ERR_GONE", "Gone"]],
  [411, ["ERR_LENGTH_REQUIRED", "Length Required"]],
  [412, ["ERR_PRECONDITION_FAILED", "Precondition Failed"]],
  [413, ["ERR_PAYLOAD_TOO_LARGE", "Content Too Large"]],
  [414, ["ERR_URI_TOO_LONG", "URI Too Long"]],
  [415, ["ERR_UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type"]],
  [416, ["ERR_RANGE_NOT_SATISFIABLE", "Range Not Satisfiable"]],
  [417, ["ERR_EXPECTATION_FAILED", "Expectation Failed"]],
  [421, ["ERR_MISDIRECTED_REQUEST", "Misdirected Request"]],
  [422, ["ERR_UNPROCESSABLE_CONTENT", "Unprocessable Content"]],
  [423, ["ERR_LOCKED", "Locked"]],
  [424, ["ERR_FAILED_DEPENDENCY", "Failed Dependency"]],
  [425, ["ERR_TOO_EARLY", "Too Early"]],
  [426, ["ERR_UPGRADE_REQUIRED", "Upgrade Required"]],
  [428, ["ERR_PRECONDITION_REQUIRED", "Precondition Required"]],
  [429, ["ERR_TOO_MANY_REQUESTS", "Too Many Requests"]],
  [431, ["ERR_REQUEST_HEADER_FIELDS_TOO_LARGE", "Request Header Fields Too Large"]],
  [451, ["ERR_UNAVAILABLE_FOR_LEGAL_REASONS", "Unavailable For Legal Reasons"]],
  [500, ["ERR_INTERNAL", "Internal Server Error"]],
  [501, ["ERR_NOT_IMPLEMENTED", "Not Implemented"]],
  [502, ["ERR_BAD_GATEWAY", "Bad Gateway"]],
  [503, ["ERR_SERVICE_UNAVAILABLE", "Service Unavailable"]],
  [504, ["ERR_GATEWAY_TIMEOUT", "Gateway Timeout"]],
  [505, ["ERR_HTTP_VERSION_NOT_SUPPORTED", "HTTP Version Not Supported"]],
  [506, ["ERR_VARIANT_ALSO_NEGOTIATES", "Variant Also Negotiates"]],
  [507, ["ERR_INSUFFICIENT_STORAGE", "Insufficient Storage"]],
  [508, ["ERR_LOOP_DETECTED", "Loop Detected"]],
  [510, ["ERR_NOT_EXTENDED", "Not Extended"]],
  [511, ["ERR_NETWORK_AUTHENTICATION_REQUIRED", "Network Authentication Required"]],
]);

const CLIENT_ERROR: readonly [HttpErrorCode, string] = ["ERR_INVALID_INPUT", "Bad Request"];
const SERVER_ERROR: readonly [HttpErrorCode, string] = ["ERR_INTERNAL", "Internal Server Error"];

/**
 * The code and reason phrase of a 4xx/5xx status. An unregistered status (a 499, an http-errors
 * 418) reads as its class's x00, which is how RFC 9110 §15 tells clients to treat it.
 */
export function statusName(status: number): { readonly code: HttpErrorCode; readonly title: string } {
  const [code, title] = STATUS_NAMES.get(status) ?? (status < 500 ? CLIENT_ERROR : SERVER_ERROR);
  return { code, title };
}

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
const REPRESENTATION_HEADERS = [
  "content-encoding",
  "content-language",
  "content-range",
  "content-disposition",
  "content-location",
  "etag",
  "last-modified",
];

/**
 * Answers `{ "error": code }` (or its problem details form) with `status`. If the response has
 * already started, it cannot be turned into an error any more: the connection is destroyed so the
 * client sees a truncated response instead of a complete-looking one.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  headers: Readonly<Record<string, string>> = {},
  format: ErrorBodyFormat = "json",
): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
  // Only fixed strings go into a body: the code, the status and its standard reason phrase.
  const body =
    format === "problem"
      ? JSON.stringify({ type: "about:blank", title: statusName(status).title, status, code })
      : JSON.stringify({ error: code });
  res.statusCode = status;
  // A handler's custom status text could say anything; the standard one for the status is used.
  res.statusMessage = "";
  res.setHeader("content-type", format === "problem" ? "application/problem+json" : "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  res.setHeader("cache-control", "no-store");
  res.setHeader("x-content-type-options", "nosniff");
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(body);
}

/** {@link sendError} for a code of {@link HTTP_ERROR_STATUS}. */
export function sendHttpError(
  res: ServerResponse,
  code: HttpErrorCode,
  headers?: Readonly<Record<string, string>>,
): void {
  sendError(res, HTTP_ERROR_STATUS[code], code, headers);
}
