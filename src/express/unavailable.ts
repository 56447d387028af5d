/**
 * Telling "a dependency is down" from "something is broken". A request that fails because the
 * database or Redis cannot be reached right now (refused, reset, restarting, out of connections)
 * is answered 503 with `Retry-After`, so clients and load balancers retry later; anything else
 * stays a 500. Either way the request is refused: this decides only which refusal.
 */

// Socket-level failures of a connection (Node's `code`), as pg and ioredis pass them on.
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTCONN",
  "EAI_AGAIN",
]);

// PostgreSQL SQLSTATEs of a server that is going away, starting or full (class 08 is any
// connection exception; 57P01-57P03 admin/crash shutdown and "cannot connect now"; 53300 too many
// connections). https://www.postgresql.org/docs/current/errcodes-appendix.html
const PG_UNAVAILABLE_RE = /^(?:08[0-9A-Z]{3}|57P0[123]|53300)$/;

// Failures pg and ioredis report without a code. Matched exactly, never shown to anyone.
const DRIVER_MESSAGES: ReadonlySet<string> = new Set([
  "Connection terminated unexpectedly",
  "Connection terminated",
  "Connection terminated due to connection timeout",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
  "Connection is closed.",
]);
const DRIVER_ERROR_NAMES: ReadonlySet<string> = new Set(["MaxRetriesPerRequestError"]);

// A MoatError(ERR_STORE) wraps the driver's error as its cause; a few levels are plenty.
const MAX_DEPTH = 5;

function own(value: object, key: string): unknown {
  try {
    return Reflect.get(value, key);
  } catch {
    return undefined;
  }
}

/**
 * Whether `error`, or an error in its `cause` chain, says a database or cache connection is not
 * available right now (see the sets above). Reads plain properties only; a value whose
 * properties throw is "not unavailable".
 */
export function isDependencyUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (typeof current !== "object" || current === null) return false;
    const code = own(current, "code");
    if (typeof code === "string" && (NETWORK_CODES.has(code) || PG_UNAVAILABLE_RE.test(code))) return true;
    const name = own(current, "name");
    if (typeof name === "string" && DRIVER_ERROR_NAMES.has(name)) return true;
    const message = own(current, "message");
    if (current instanceof Error && typeof message === "string" && DRIVER_MESSAGES.has(message)) return true;
    current = own(current, "cause");
  }
  return false;
}

/** How long a client should wait before retrying a 503 for an unavailable dependency, in seconds. */
export const UNAVAILABLE_RETRY_AFTER = "1";
