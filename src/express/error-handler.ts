/**
 * `errorHandler()`: the last middleware. Whatever a handler threw — a MoatError, a failed
 * credential check, a body parser's error, a string, anything — the client gets a fixed JSON body
 * `{ "error": code }` (or an RFC 9457 problem) with the matching status, and never a message, a
 * stack or a detail.
 */
import { METHODS, type IncomingMessage, type ServerResponse } from "node:http";
import { z } from "zod";
import { isMoatError, type MoatErrorCode } from "../errors.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { isCredentialError } from "./credential-error.js";
import {
  CREDENTIAL_REASON_STATUS,
  HTTP_ERROR_STATUS,
  sendError,
  statusName,
  type ErrorBodyFormat,
  type HttpErrorCode,
} from "./http-errors.js";
import { loggableError, notify } from "./notify.js";
import { UNAVAILABLE_RETRY_AFTER, isDependencyUnavailable } from "./unavailable.js";
import type { ErrorMiddleware, NextFunction } from "./types.js";

/** What errorHandler answered, for logging. */
export interface ErrorResponseInfo {
  /** The status sent. */
  readonly status: number;
  /** The `error` code sent. */
  readonly code: string;
  /** Whether a response had already started (the connection was then closed instead). */
  readonly headersSent: boolean;
}

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /**
   * Called with every error handled, before the response is sent: the place to log it (through a
   * redacting logger: the error's message may hold anything the code that threw put there). An
   * exception thrown here is ignored.
   *
   * It receives a copy of what was thrown, never the original: same prototype (`instanceof` and
   * `isMoatError` still work), name, message, stack, cause chain and own properties, except that
   * inside it values under sensitive keys (`password`, `token`, `authorization`, `cookie`, …) and
   * under keys that carry input (`body`, `data`, `payload`, `input`, `raw…`: body-parser's raw body,
   * an HTTP client's `config.data`) are `"[REDACTED]"`, and a parser's message (JSON.parse quotes
   * the input) keeps only what describes the failure: `Unterminated string in JSON at position 42`.
   */
  readonly onError?: ((error: unknown, req: IncomingMessage, info: ErrorResponseInfo) => void) | undefined;
  /**
   * More credential-check reasons to pass through to the client, with their status (400–499),
   * e.g. `{ captcha_failed: 403 }`, on top of CREDENTIAL_REASON_STATUS.
   * Reasons are lower-case snake_case. List only reasons a client can act on: each one listed
   * tells the client which check failed.
   */
  readonly reasons?: Readonly<Record<string, number>> | undefined;
  /**
   * The body's shape: `"json"` (default) sends `{ "error": code }`; `"problem"` sends RFC 9457
   * problem details as `application/problem+json`:
   * `{ "type": "about:blank", "title": "Conflict", "status": 409, "code": "ERR_CONFLICT" }`.
   * `detail` and `instance` are never sent: they would describe this occurrence, which is what
   * `onError` is for.
   */
  readonly format?: ErrorBodyFormat | undefined;
}

const REASON_RE = /^[a-z][a-z0-9_]{0,63}$/;

const optionsSchema = z.strictObject({
  onError: functionSchema<NonNullable<ErrorHandlerOptions["onError"]>>().optional(),
  reasons: z
    .record(z.string().regex(REASON_RE, "reasons are lower-case snake_case"), z.number().int().min(400).max(499))
    .optional(),
  format: z.enum(["json", "problem"]).optional(),
});

const CLIENT_FACING: ReadonlySet<MoatErrorCode> = new Set<MoatErrorCode>([
  "ERR_INVALID_INPUT",
  "ERR_FORBIDDEN",
  "ERR_NO_TENANT",
  "ERR_TENANT_SCOPE",
  "ERR_ABORTED",
  "ERR_OVERLOADED",
]);

// Retry-After for ERR_OVERLOADED: the error's own estimate in whole seconds, 1 s to 1 h.
const MAX_RETRY_AFTER_SECONDS = 3600;
function overloadRetryAfter(details: Readonly<Record<string, unknown>> | undefined): string {
  const ms = details?.retryAfterMs;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return "1";
  return String(Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(ms / 1000))));
}

interface Classified {
  readonly status: number;
  readonly code: string;
  readonly headers?: Readonly<Record<string, string>>;
}

function isHttpErrorCode(code: string): code is HttpErrorCode {
  return Object.hasOwn(HTTP_ERROR_STATUS, code);
}

function httpCode(code: HttpErrorCode): Classified {
  return { status: HTTP_ERROR_STATUS[code], code };
}

const INTERNAL = httpCode("ERR_INTERNAL");
const UNAVAILABLE: Classified = {
  ...httpCode("ERR_SERVICE_UNAVAILABLE"),
  headers: { "retry-after": UNAVAILABLE_RETRY_AFTER },
};

function isErrorStatus(status: unknown): status is number {
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599;
}

// The status an error carries the http-errors way, read as express's own final handler reads it:
// `status` first, then `statusCode`, each only if it is an error status. http-errors defines them
// on its classes' prototypes, so inherited values count.
function carriedStatus(error: Error): number | undefined {
  // Each property is read once: a getter may answer differently the second time.
  const status: unknown = "status" in error ? error.status : undefined;
  if (isErrorStatus(status)) return status;
  const statusCode: unknown = "statusCode" in error ? error.statusCode : undefined;
  return isErrorStatus(statusCode) ? statusCode : undefined;
}

const KEPT_HEADER: ReadonlyMap<number, "allow" | "retry-after"> = new Map([
  [405, "allow"],
  [429, "retry-after"],
  [503, "retry-after"],
]);
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);
const DELAY_SECONDS_RE = /^\d{1,10}$/;
const IMF_FIXDATE_RE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

// A header value is passed on only in a form that cannot carry text: a list of known methods, a
// number of seconds, or a date that reads back identically.
function keptValue(name: "allow" | "retry-after", value: unknown): string | undefined {
  if (name === "allow") {
    if (typeof value !== "string") return undefined;
    const methods = value.split(",").map((method) => method.trim());
    return methods.every((method) => KNOWN_METHODS.has(method)) ? methods.join(", ") : undefined;
  }
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  if (typeof value !== "string") return undefined;
  if (DELAY_SECONDS_RE.test(value)) return value;
  return IMF_FIXDATE_RE.test(value) && new Date(value).toUTCString() === value ? value : undefined;
}

// Of the headers an http-errors error carries, only `Allow` on a 405 and `Retry-After` on a 429 or
// 503 reach the client: they tell it what to do next, and nothing else it carries is checked.
function carriedHeaders(error: Error, status: number): Readonly<Record<string, string>> | undefined {
  const name = KEPT_HEADER.get(status);
  if (name === undefined) return undefined;
  try {
    const headers: unknown = "headers" in error ? error.headers : undefined;
    if (typeof headers !== "object" || headers === null) return undefined;
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() !== name) continue;
      const kept = keptValue(name, value);
      return kept === undefined ? undefined : { [name]: kept };
    }
  } catch {
    // Headers that throw when read are dropped; the status already read still stands.
  }
  return undefined;
}

function classify(error: unknown, reasons: ReadonlyMap<string, number>): Classified {
  if (isMoatError(error)) {
    const code = error.code;
    if (code === "ERR_OVERLOADED")
      return { ...httpCode(code), headers: { "retry-after": overloadRetryAfter(error.details) } };
    if (CLIENT_FACING.has(code) && isHttpErrorCode(code)) return httpCode(code);
    return isDependencyUnavailable(error) ? UNAVAILABLE : INTERNAL;
  }
  if (isCredentialError(error)) {
    const status = reasons.get(error.reason);
    if (status === undefined) return httpCode("ERR_UNAUTHENTICATED");
    const retryAfter = error.retryAfterMs;
    return retryAfter === undefined || status !== 429
      ? { status, code: error.reason }
      : { status, code: error.reason, headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfter / 1000))) } };
  }
  if (error instanceof Error) {
    const status = carriedStatus(error);
    if (status !== undefined) {
      const headers = carriedHeaders(error, status);
      const code = statusName(status).code;
      return headers === undefined ? { status, code } : { status, code, headers };
    }
  }
  return isDependencyUnavailable(error) ? UNAVAILABLE : INTERNAL;
}

/**
 * The error-handling middleware; mount it last. Maps what handlers throw to a status and a JSON
 * body `{ "error": code }` — the code and nothing else:
 *
 * | thrown | status | `error` |
 * | --- | --- | --- |
 * | MoatError `ERR_INVALID_INPUT` | 400 | `ERR_INVALID_INPUT` |
 * | MoatError `ERR_FORBIDDEN` | 403 | `ERR_FORBIDDEN` |
 * | MoatError `ERR_NO_TENANT` / `ERR_TENANT_SCOPE` | 403 | the code |
 * | MoatError `ERR_ABORTED` | 503 | `ERR_ABORTED` |
 * | MoatError `ERR_OVERLOADED` (bcrypt queue full) | 503 + `Retry-After` (from `details.retryAfterMs`, 1 s–1 h) | `ERR_OVERLOADED` |
 * | a database or Redis connection that is not available (refused, reset, shutting down, out of connections; a MoatError `ERR_STORE` caused by one, or the driver's own error) | 503 + `Retry-After: 1` | `ERR_SERVICE_UNAVAILABLE` |
 * | any other MoatError (`ERR_CONFIG`, `ERR_STORE`, `ERR_DECRYPT`, …) | 500 | `ERR_INTERNAL` |
 * | `credentialError("rate_limited", { retryAfterMs })` | 429 + `Retry-After` | `rate_limited` |
 * | `credentialError(reason)` for `invalid`, `invalid_credentials`, `expired`, `revoked` | 401 | the reason |
 * | `credentialError("insufficient_scope")` | 403 | `insufficient_scope` |
 * | `credentialError(reason)` for any other reason | 401 | `ERR_UNAUTHENTICATED` |
 * | an Error with a 4xx/5xx `status` or `statusCode` (http-errors, body-parser, express) | that status | the status's code: 400 `ERR_INVALID_INPUT`, 401 `ERR_UNAUTHENTICATED`, 403 `ERR_FORBIDDEN`, 404 `ERR_NOT_FOUND`, 409 `ERR_CONFLICT`, 413 `ERR_PAYLOAD_TOO_LARGE`, 422 `ERR_UNPROCESSABLE_CONTENT`, 429 `ERR_TOO_MANY_REQUESTS`, 500 `ERR_INTERNAL`, 503 `ERR_SERVICE_UNAVAILABLE`, … (see HTTP_ERROR_STATUS) |
 * | anything else | 500 | `ERR_INTERNAL` |
 *
 * An error's own message never reaches the client, whatever its status and even with
 * http-errors' `expose: true`: the code is all the client learns. An unregistered status (499)
 * keeps its status with its class's code (`ERR_INVALID_INPUT`, `ERR_INTERNAL`). Of the headers
 * an http-errors error carries, only a well-formed `Retry-After` on a 429 or 503 and `Allow` on a
 * 405 are sent. Like express's own final handler, a status is believed from any Error: an HTTP
 * client's error that carries its upstream's status (say a 404) is answered with that status.
 *
 * A response that has already started is cut off (the connection is closed) rather than
 * appended to. The error goes only to `onError`, as a copy without the request input or secrets
 * it may carry (a body parser's raw body, a JSON.parse message quoting the input, a password field).
 *
 * @example
 * ```ts
 * app.use(errorHandler({ onError: (err, req, info) => logger.error({ err, status: info.status }) }));
 * // RFC 9457 bodies: 409 { "type": "about:blank", "title": "Conflict", "status": 409, "code": "ERR_CONFLICT" }
 * app.use(errorHandler({ format: "problem" }));
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorMiddleware {
  const parsed = parseOptions(optionsSchema, options, "errorHandler options");
  const onError = options.onError;
  const format = parsed.format ?? "json";
  const reasons = new Map(Object.entries(CREDENTIAL_REASON_STATUS));
  for (const [reason, status] of Object.entries(parsed.reasons ?? {})) reasons.set(reason, status);

  // Four parameters: express tells error handlers from middleware by their arity.
  return function moatkitErrorHandler(
    error: unknown,
    req: IncomingMessage,
    res: ServerResponse,
    _next: NextFunction,
  ): void {
    let answer: Classified;
    try {
      answer = classify(error, reasons);
    } catch {
      // A thrown value whose properties throw when read (a hostile Proxy, a getter) is still answered.
      answer = INTERNAL;
    }
    if (onError !== undefined)
      notify(onError, loggableError(error), req, {
        status: answer.status,
        code: answer.code,
        headersSent: res.headersSent,
      });
    sendError(res, answer.status, answer.code, answer.headers, format);
  };
}
