/**
 * `redactLogs()`: a per-request child logger whose objects and messages pass through
 * moatkit/redact, switchable per request (an organisation's setting, an API key's override),
 * and one access-log line per request that never contains a body or a query string.
 *
 * Any pino-compatible logger works (pino, or anything with `child(bindings)` and level methods
 * taking `(object?, message?, ...args)`); pino itself is not imported.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { format } from "node:util";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { systemClock, type Clock } from "../_internal/runtime.js";
import { withoutErrorInput } from "../redact/redact-deep.js";
import { createRedactor, redactForLog, type Redactor } from "../redact/redactor.js";
import { apiKeyRedaction } from "./api-key-auth.js";
import { currentRequestContext, findRequestContext } from "./request-context.js";
import { requestPath } from "./request-path.js";
import type { Middleware, NextFunction } from "./types.js";

/** A level method of a pino-compatible logger: `(object?, message?, ...args)`. */
export type LogMethod = (...args: unknown[]) => void;

/** The logger `redactLogs()` takes: pino, or anything shaped like it. */
export interface PinoLikeLogger {
  /** A child logger with `bindings` added to every line. */
  child(bindings: Record<string, unknown>): PinoLikeLogger;
  /** Logs at info level. */
  info: LogMethod;
  /** Logs at warn level. */
  warn: LogMethod;
  /** Logs at error level. */
  error: LogMethod;
  /** Logs at debug level (optional). */
  debug?: LogMethod | undefined;
  /** Logs at trace level (optional). */
  trace?: LogMethod | undefined;
  /** Logs at fatal level (optional). */
  fatal?: LogMethod | undefined;
}

/** The logger {@link getRequestLogger} gives a handler. */
export interface RequestLogger {
  /** A child logger (its bindings redacted when redaction is on for the request). */
  child(bindings: Record<string, unknown>): RequestLogger;
  /** Logs at trace level (a no-op when the underlying logger has no `trace`). */
  trace: LogMethod;
  /** Logs at debug level (a no-op when the underlying logger has no `debug`). */
  debug: LogMethod;
  /** Logs at info level. */
  info: LogMethod;
  /** Logs at warn level. */
  warn: LogMethod;
  /** Logs at error level. */
  error: LogMethod;
  /** Logs at fatal level (error level when the underlying logger has no `fatal`). */
  fatal: LogMethod;
}

/** Options of {@link redactLogs}. */
export interface RedactLogsOptions {
  /** The redactor (default `createRedactor()`: emails, US SSNs, phone and card numbers, as labels). */
  readonly redactor?: Redactor | undefined;
  /**
   * Whether to redact this request's lines, e.g. the organisation's setting:
   * `(req) => orgSettings(getSubject(req)?.tenantId).redactLogs`. Default: always.
   *
   * Asked each time a line is written (so lines written after authentication see the subject),
   * and must answer synchronously. If it throws, the line is redacted.
   */
  readonly enabled?: ((req: IncomingMessage) => boolean) | undefined;
  /**
   * A per-request override that wins over `enabled` when it answers true or false, e.g. the
   * calling API key's own redaction setting (`"on"` → true, `"off"` → false, `"inherit"` →
   * undefined). Default: {@link apiKeyRedaction}, the setting of the key `apiKeyAuth()` verified
   * for this request. If it throws, the line is redacted.
   */
  readonly override?: ((req: IncomingMessage) => boolean | undefined) | undefined;
  /** Whether to write one access-log line per request (default true). */
  readonly accessLog?: boolean | undefined;
  /** Clock for the access log's `ms` (default `Date.now`). */
  readonly now?: Clock | undefined;
}

function isLogger(value: unknown): value is PinoLikeLogger {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "child") === "function" &&
    typeof Reflect.get(value, "info") === "function" &&
    typeof Reflect.get(value, "warn") === "function" &&
    typeof Reflect.get(value, "error") === "function"
  );
}

function isRedactor(value: unknown): value is Redactor {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "redact") === "function" &&
    typeof Reflect.get(value, "redactValue") === "function"
  );
}

const loggerSchema = z.custom<PinoLikeLogger>(isLogger, "expected a pino-compatible logger (child, info, warn, error)");

const optionsSchema = z.strictObject({
  redactor: z.custom<Redactor>(isRedactor, "expected a moatkit/redact Redactor").optional(),
  enabled: functionSchema<(req: IncomingMessage) => boolean>().optional(),
  override: functionSchema<(req: IncomingMessage) => boolean | undefined>().optional(),
  accessLog: z.boolean().optional(),
  now: functionSchema<Clock>().optional(),
});

type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

/**
 * The arguments of one log call when PII redaction is off for the request: only errors change,
 * losing what they carry of their input (bodies, parser messages) and their secrets.
 */
function unredactedArgs(args: readonly unknown[]): unknown[] {
  return args.map((arg) => (typeof arg === "object" && arg !== null ? withoutErrorInput(arg) : arg));
}

/** The arguments of one log call, redacted the way a pino line is assembled. */
function redactArgs(redactor: Redactor, args: readonly unknown[]): unknown[] {
  const out = [...args];
  let at = 0;
  if (typeof out[0] === "object" && out[0] !== null) {
    out[0] = redactForLog(redactor, out[0]);
    at = 1;
  }
  const message = out[at];
  if (typeof message === "string") {
    const rest = out.slice(at + 1);
    // Formatted first, so a value split across printf arguments ("%s@%s") is seen whole.
    const text = rest.length > 0 ? format(message, ...rest.map((v) => redactForLog(redactor, v))) : message;
    out.splice(at, out.length - at, redactor.redact(text));
  } else {
    for (let i = at; i < out.length; i += 1) out[i] = redactForLog(redactor, out[i]);
  }
  return out;
}

function methodOf(logger: PinoLikeLogger, level: Level): LogMethod | undefined {
  const method: unknown = Reflect.get(logger, level);
  return typeof method === "function" ? (method as LogMethod) : undefined;
}

function wrap(target: PinoLikeLogger, redactor: Redactor, redacting: () => boolean): RequestLogger {
  const level = (name: Level): LogMethod => {
    const fallback: Level | undefined = name === "fatal" ? "error" : undefined;
    return (...args: unknown[]): void => {
      const method = methodOf(target, name) ?? (fallback === undefined ? undefined : methodOf(target, fallback));
      if (method === undefined) return;
      Reflect.apply(method, target, redacting() ? redactArgs(redactor, args) : unredactedArgs(args));
    };
  };
  return Object.freeze({
    child(bindings: Record<string, unknown>): RequestLogger {
      const safe = redacting() ? redactForLog(redactor, bindings) : withoutErrorInput(bindings);
      const child = target.child(typeof safe === "object" && safe !== null ? (safe as Record<string, unknown>) : {});
      return wrap(child, redactor, redacting);
    },
    trace: level("trace"),
    debug: level("debug"),
    info: level("info"),
    warn: level("warn"),
    error: level("error"),
    fatal: level("fatal"),
  });
}

const loggers = new WeakMap<IncomingMessage, RequestLogger>();

/**
 * Gives each request a child of `logger`, read by handlers with {@link getRequestLogger}, whose
 * merged objects, messages (formatted with their arguments), errors and child bindings pass
 * through `redactor` — unless `override(req)` or `enabled(req)` says not to for this request.
 * The child carries `requestId` when `requestContext()` ran first.
 *
 * When the response finishes (or the connection closes first), one access-log line is written
 * through the same child: `{ method, path, status, ms }` at info (warn for 4xx, error for 5xx),
 * message `"request"`, plus `aborted: true` when the connection closed before the response was
 * complete. The path never has its query string, and no body or header is logged.
 *
 * The root logger's own base bindings and a `mixin` are not touched: build the root with
 * `redactingPino` from moatkit/redact/pino if they can carry PII (it then redacts every line
 * whatever `enabled` says).
 *
 * @throws MoatError ERR_CONFIG when `logger` is not pino-compatible or an option is invalid.
 * @example
 * ```ts
 * import pino from "pino";
 * import { getRequestLogger, getSubject, redactLogs, requestContext } from "moatkit/express";
 *
 * app.use(requestContext());
 * app.use(redactLogs(pino(), {
 *   enabled: (req) => orgs.get(getSubject(req)?.tenantId ?? "")?.redactLogs ?? true,
 *   // override defaults to apiKeyRedaction(req): a key's own "on" / "off" wins over the org
 * }));
 * app.post("/support", (req, res) => {
 *   getRequestLogger(req).info({ from: req.body.email }, "ticket from %s", req.body.name);
 *   // {"requestId":"…","from":"[EMAIL]","msg":"ticket from …"}
 *   res.sendStatus(204);
 * });
 * ```
 */
export function redactLogs(logger: PinoLikeLogger, options: RedactLogsOptions = {}): Middleware {
  const root = parseOptions(loggerSchema, logger, "redactLogs logger");
  const parsed = parseOptions(optionsSchema, options, "redactLogs options");
  const redactor = options.redactor ?? createRedactor();
  const enabled = options.enabled;
  const override = options.override ?? apiKeyRedaction;
  const accessLog = parsed.accessLog ?? true;
  const now = options.now ?? systemClock;

  const decide = (req: IncomingMessage): boolean => {
    try {
      const forced = override(req);
      if (typeof forced === "boolean") return forced;
      if (enabled === undefined) return true;
      // Anything but an explicit false keeps redaction on.
      const answer: unknown = enabled(req);
      return answer !== false;
    } catch {
      return true;
    }
  };

  return function moatkitRedactLogs(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const started = now();
    const context = findRequestContext(req) ?? currentRequestContext();
    const redacting = (): boolean => decide(req);
    const bindings = context === undefined ? {} : { requestId: context.requestId };
    const requestLogger = wrap(root.child(bindings), redactor, redacting);
    loggers.set(req, requestLogger);

    if (accessLog) {
      let written = false;
      const write = (): void => {
        if (written) return;
        written = true;
        res.removeListener("finish", write);
        res.removeListener("close", write);
        const status = res.statusCode;
        const line: Record<string, unknown> = {
          method: req.method ?? "GET",
          path: requestPath(req),
          status,
          ms: Math.max(0, now() - started),
        };
        if (!res.writableFinished) line["aborted"] = true;
        const level: Level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
        try {
          requestLogger[level](line, "request");
        } catch {
          // A failing logger must not take the server down from an event handler.
        }
      };
      res.once("finish", write);
      res.once("close", write);
    }
    next();
  };
}

/**
 * The logger `redactLogs()` made for `req`. Throws `ERR_CONFIG` if that middleware did not run
 * for this request.
 */
export function getRequestLogger(req: IncomingMessage): RequestLogger {
  const logger = loggers.get(req);
  if (logger === undefined)
    throw new MoatError("ERR_CONFIG", { message: "redactLogs() did not run for this request; mount it first" });
  return logger;
}
