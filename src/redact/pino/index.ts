/**
 * `moatkit/redact/pino`: a pino logger that redacts every line. This is a separate subpath so
 * that `moatkit/redact` never loads pino; pino is an optional peer dependency, needed only by
 * code that imports this entry. (`pinoRedaction` in `moatkit/redact` gives the same options
 * without importing pino, for a logger you build yourself.)
 *
 * @example
 * ```ts
 * import { redactingPino } from "moatkit/redact/pino";
 *
 * const logger = redactingPino({ level: "info" });
 * logger.info({ email: "alice@example.com" }, "signup from %s", "+1 415 555 0132");
 * // {"level":30,…,"email":"[EMAIL]","msg":"signup from [PHONE]"}
 * ```
 *
 * @module
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";
import { pinoRedaction } from "../pino-hooks.js";
import { createRedactor, redactForLog, type Redactor } from "../redactor.js";

/** Options for {@link redactingPino}: pino's own, plus the redactor to use. */
export type RedactingPinoOptions = LoggerOptions & {
  /** The redactor (default: `createRedactor()`, all four detectors with labels). */
  readonly redactor?: Redactor;
};

/**
 * A pino logger whose messages, merged objects, errors, base and child bindings are redacted. Your own
 * `hooks.logMethod`, `formatters.log` and `formatters.bindings` still run; what they produce is
 * redacted as well.
 *
 * @param options pino options plus `redactor`.
 * @param destination where lines go (default stdout), as with `pino(options, destination)`.
 */
export function redactingPino(options: RedactingPinoOptions = {}, destination?: DestinationStream): Logger {
  const { redactor = createRedactor(), ...pinoOptions } = options;
  const redaction = pinoRedaction(redactor);
  const userLogMethod = pinoOptions.hooks?.logMethod;
  const userLog = pinoOptions.formatters?.log;
  const userBindings = pinoOptions.formatters?.bindings;
  const merged: LoggerOptions = {
    ...pinoOptions,
    hooks: {
      ...pinoOptions.hooks,
      logMethod(args, method, level) {
        if (userLogMethod === undefined) {
          redaction.hooks.logMethod.call(this, args, method, level);
          return;
        }
        // The caller's hook runs first and logs through a method that redacts, so whatever it
        // adds is redacted too.
        userLogMethod.call(
          this,
          args,
          (...hooked: unknown[]) => {
            redaction.hooks.logMethod.call(this, hooked, method, level);
          },
          level,
        );
      },
    },
    formatters: {
      ...pinoOptions.formatters,
      log: (object) => redaction.formatters.log(userLog === undefined ? object : userLog(object)),
      bindings: (bindings) =>
        redaction.formatters.bindings(userBindings === undefined ? bindings : userBindings(bindings)),
    },
  };
  const logger = destination === undefined ? pino(merged) : pino(merged, destination);
  // pino runs formatters.bindings on the root logger's bindings only; a child's bindings are
  // serialised once inside child(). Redact them on the way in. Children inherit this property
  // from the root (pino creates them with Object.create), so grandchildren are covered too.
  const child: unknown = Reflect.get(logger, "child");
  if (typeof child !== "function") return logger;
  Object.defineProperty(logger, "child", {
    configurable: true,
    writable: true,
    value: function redactedChild(this: Logger, bindings: unknown, childOptions?: unknown): unknown {
      return Reflect.apply(child, this, [redactForLog(redactor, bindings), childOptions]);
    },
  });
  return logger;
}
