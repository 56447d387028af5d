/**
 * `errorHandler()`: the last middleware. Whatever a handler threw — a MoatError, a failed
 * credential check, a body parser's error, a string, anything — the client gets a fixed JSON body
 * `{ "error": code }` with the matching status, and never a message, a stack or a detail.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { isMoatError, type MoatErrorCode } from "../errors.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { isCredentialError } from "./credential-error.js";
import { CREDENTIAL_REASON_STATUS, HTTP_ERROR_STATUS, sendError, type HttpErrorCode } from "./http-errors.js";
import { notify } from "./notify.js";
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
   */
  readonly onError?: ((error: unknown, req: IncomingMessage, info: ErrorResponseInfo) => void) | undefined;
  /**
   * More credential-check reasons to pass through to the client, with their status (400–499),
   * e.g. `{ captcha_failed: 403 }`, on top of CREDENTIAL_REASON_STATUS.
   * Reasons are lower-case snake_case. List only reasons a client can act on: each one listed
   * tells the client which check failed.
   */
  readonly reasons?: Readonly<Record<string, number>> | undefined;
}

const REASON_RE = /^[a-z][a-z0-9_]{0,63}$/;

const optionsSchema = z.strictObject({
  onError: functionSchema<NonNullable<ErrorHandlerOptions["onError"]>>().optional(),
  reasons: z
    .record(z.string().regex(REASON_RE, "reasons are lower-case snake_case"), z.number().int().min(400).max(499))
    .optional(),
});

const CLIENT_FACING: ReadonlySet<MoatErrorCode> = new Set<MoatErrorCode>([
  "ERR_INVALID_INPUT",
  "ERR_FORBIDDEN",
  "ERR_NO_TENANT",
  "ERR_TENANT_SCOPE",
  "ERR_ABORTED",
]);

// Client errors raised the http-errors way (`err.status`), as body-parser and many apps do.
const STATUS_CODES: ReadonlyMap<number, HttpErrorCode> = new Map<number, HttpErrorCode>([
  [400, "ERR_INVALID_INPUT"],
  [401, "ERR_UNAUTHENTICATED"],
  [403, "ERR_FORBIDDEN"],
  [404, "ERR_NOT_FOUND"],
  [413, "ERR_PAYLOAD_TOO_LARGE"],
  [415, "ERR_UNSUPPORTED_MEDIA_TYPE"],
]);

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

function classify(error: unknown, reasons: ReadonlyMap<string, number>): Classified {
  if (isMoatError(error)) {
    const code = error.code;
    return CLIENT_FACING.has(code) && isHttpErrorCode(code) ? httpCode(code) : INTERNAL;
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
    // http-errors defines `status` on its classes' prototypes, so inherited values count here.
    const status: unknown = "status" in error ? error.status : "statusCode" in error ? error.statusCode : undefined;
    const code = typeof status === "number" ? STATUS_CODES.get(status) : undefined;
    if (code !== undefined) return httpCode(code);
  }
  return INTERNAL;
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
 * | any other MoatError (`ERR_CONFIG`, `ERR_STORE`, `ERR_DECRYPT`, …) | 500 | `ERR_INTERNAL` |
 * | `credentialError("rate_limited", { retryAfterMs })` | 429 + `Retry-After` | `rate_limited` |
 * | `credentialError(reason)` for `invalid`, `invalid_credentials`, `expired`, `revoked` | 401 | the reason |
 * | `credentialError("insufficient_scope")` | 403 | `insufficient_scope` |
 * | `credentialError(reason)` for any other reason | 401 | `ERR_UNAUTHENTICATED` |
 * | an Error with `status` 400/401/403/404/413/415 (body-parser, http-errors) | that status | `ERR_INVALID_INPUT`, `ERR_UNAUTHENTICATED`, `ERR_FORBIDDEN`, `ERR_NOT_FOUND`, `ERR_PAYLOAD_TOO_LARGE`, `ERR_UNSUPPORTED_MEDIA_TYPE` |
 * | anything else | 500 | `ERR_INTERNAL` |
 *
 * A response that has already started is cut off (the connection is closed) rather than
 * appended to. The error itself goes only to `onError`.
 *
 * @example
 * ```ts
 * app.use(errorHandler({ onError: (err, req, info) => logger.error({ err, status: info.status }) }));
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorMiddleware {
  const parsed = parseOptions(optionsSchema, options, "errorHandler options");
  const onError = options.onError;
  const reasons = new Map(Object.entries(CREDENTIAL_REASON_STATUS));
  for (const [reason, status] of Object.entries(parsed.reasons ?? {})) reasons.set(reason, status);

  // Four parameters: express tells error handlers from middleware by their arity.
  return function moatkitErrorHandler(error: unknown, req: IncomingMessage, res: ServerResponse, _next: NextFunction): void {
    let answer: Classified;
    try {
      answer = classify(error, reasons);
    } catch {
      // A thrown value whose properties throw when read (a hostile Proxy, a getter) is still answered.
      answer = INTERNAL;
    }
    notify(onError, error, req, { status: answer.status, code: answer.code, headersSent: res.headersSent });
    sendError(res, answer.status, answer.code, answer.headers);
  };
}
