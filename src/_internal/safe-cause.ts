/**
 * A MoatError keeps the error it wraps as `cause` for debugging, and causes end up in logs and
 * error trackers. Drivers attach what they were given to their errors: node-postgres a `detail`
 * quoting the row (`Key (hash)=(…) already exists`) and a `where` with the statement, mysql2 the
 * whole `sql` with values inlined, query builders their `parameters`. So a cause is kept as a
 * copy that holds only what identifies the failure — its name, a code, the constraint or table it
 * names — with quoted values elided from its message, never the values themselves.
 *
 * Written here rather than taken from a library: it has to run on every thrown error, never
 * throw itself, and keep nothing it does not know to be safe.
 */

import { stackWithHeader } from "./error-stack.js";

/** Fields of driver errors that identify a failure without quoting data (pg, PGlite, mysql2, ioredis). */
const SAFE_FIELDS = [
  "code",
  "errno",
  "sqlState",
  "severity",
  "constraint",
  "table",
  "column",
  "schema",
  "dataType",
  "routine",
  "syscall",
] as const;

const MAX_DEPTH = 4;
const MAX_MESSAGE = 500;

/** Reads a property without letting a throwing getter escape. */
function read(value: object, key: string): unknown {
  try {
    return Reflect.get(value, key);
  } catch {
    return undefined;
  }
}

/**
 * A message with every quoted span that could be a value replaced by `…`: single-quoted spans
 * always (SQL literals, mysql2's `Duplicate entry '…'`), double-quoted ones unless they read as
 * a SQL identifier (a constraint or type name), and parenthesised `=(…)` row values.
 */
export function elideQuotedValues(message: string): string {
  return message
    .slice(0, MAX_MESSAGE)
    .replace(/'(?:[^'\\]|\\.|'')*'?/g, "'…'")
    .replace(/"([^"]*)"?/g, (whole, inner: string) => (/^[A-Za-z_][A-Za-z0-9_$.]{0,62}$/.test(inner) ? whole : '"…"'))
    .replace(/=\([^)]*\)?/g, "=(…)");
}

/**
 * A copy of `cause` safe to keep on a MoatError: an Error with the same name, the message with
 * quoted values elided, the stack's frames, the identifying fields of {@link SAFE_FIELDS}
 * (strings and numbers only), and its own cause treated the same way. A MoatError passes through
 * as it is (its messages are secret-free by construction); anything that is not an Error becomes
 * an Error saying only what type it was.
 */
export function safeCause(cause: unknown, isMoatError: (value: unknown) => boolean, depth = 0): unknown {
  if (cause === undefined) return undefined;
  if (isMoatError(cause)) return cause;
  if (!(cause instanceof Error)) {
    return new Error(`a thrown ${cause === null ? "null" : typeof cause} (not kept: it may hold data)`);
  }
  const rawName = read(cause, "name");
  const rawMessage = read(cause, "message");
  const name = typeof rawName === "string" ? rawName.slice(0, 100) : "Error";
  const message = typeof rawMessage === "string" ? elideQuotedValues(rawMessage) : "";
  const inner = depth + 1 < MAX_DEPTH ? read(cause, "cause") : undefined;
  const copy = new Error(
    message,
    inner === undefined ? undefined : { cause: safeCause(inner, isMoatError, depth + 1) },
  );
  Object.defineProperty(copy, "name", { value: name, enumerable: false, configurable: true, writable: true });
  for (const field of SAFE_FIELDS) {
    const value = read(cause, field);
    if (typeof value === "number" || (typeof value === "string" && value.length <= 200)) {
      Object.defineProperty(copy, field, {
        value: typeof value === "string" ? elideQuotedValues(value) : value,
        enumerable: true,
      });
    }
  }
  copy.stack = stackWithHeader(name, message, read(cause, "stack"));
  return copy;
}
