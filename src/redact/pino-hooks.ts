/**
 * Options that make a pino logger redact every line, without importing pino: spread them into
 * `pino({ ... })`, or use `redactingPino` from `moatkit/redact/pino`, which does it for you.
 *
 * Three places need redacting, because pino assembles a line from three sources:
 * - `hooks.logMethod`: the message and its printf-style arguments (formatted here first, so a
 *   value split across arguments, `"%s@%s"`, is still seen whole) and an Error passed first,
 *   whose message pino would otherwise copy into `msg` before any formatter runs;
 * - `formatters.log`: the merged object of each call (including a `mixin`'s output);
 * - `formatters.bindings`: the root logger's bindings (`base`).
 *
 * pino serialises a child logger's bindings inside `child()` without calling any formatter, so
 * options alone cannot reach them: `redactingPino` wraps `child()` for that; with these options
 * on your own logger, pass bindings through `redactor.redactValue` yourself.
 */
import { format } from "node:util";
import { redactForLog, type Redactor } from "./redactor.js";

/** The subset of pino's options this returns (structurally compatible with `pino.LoggerOptions`). */
export interface PinoRedactionOptions {
  /** pino's `hooks` option. */
  readonly hooks: {
    /** Redacts the message (formatted with its arguments) and an Error passed first. */
    logMethod(this: unknown, args: unknown[], method: (...args: unknown[]) => unknown, level: number): void;
  };
  /** pino's `formatters` option. */
  readonly formatters: {
    /** Redacts the merged object of each call. */
    log(object: object): Record<string, unknown>;
    /** Redacts the root logger's bindings. */
    bindings(bindings: object): Record<string, unknown>;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * pino options that redact messages, merged objects, errors and the base bindings with
 * `redactor` (child bindings: see the module notes, or use `redactingPino`).
 *
 * @example
 * ```ts
 * import pino from "pino";
 * import { createRedactor, pinoRedaction } from "moatkit/redact";
 *
 * const logger = pino({ ...pinoRedaction(createRedactor()) });
 * logger.info({ user: "alice@example.com" }, "card %s declined", "4242 4242 4242 4242");
 * // {"user":"[EMAIL]","msg":"card [CREDIT_CARD] declined", …}
 * ```
 */
export function pinoRedaction(redactor: Redactor): PinoRedactionOptions {
  const value = (v: unknown): unknown => redactForLog(redactor, v);
  const record = (o: object): Record<string, unknown> => {
    const out = value(o);
    return isRecord(out) ? out : {};
  };
  return {
    hooks: {
      logMethod(args, method) {
        const out = [...args];
        let at = 0;
        if (typeof out[0] === "object" && out[0] !== null) {
          // An Error goes through now: pino takes `msg` from err.message before formatters run.
          if (out[0] instanceof Error) out[0] = value(out[0]);
          at = 1;
        }
        const message = out[at];
        if (typeof message === "string") {
          const rest = out.slice(at + 1);
          // Format first (node's util.format) so a value split across arguments is redacted as a
          // whole; pino leaves a message without arguments as it is.
          const text = rest.length > 0 ? format(message, ...rest.map(value)) : message;
          out.splice(at, out.length - at, redactor.redact(text));
        } else if (message !== undefined) {
          out[at] = value(message);
        }
        method.apply(this, out);
      },
    },
    formatters: {
      log: record,
      bindings: record,
    },
  };
}
