/**
 * `serverTimeouts()`: Node's own HTTP server timeouts, set to values that cut off a client
 * trickling its headers or its body (slowloris) in seconds instead of Node's minutes. These run
 * before express sees a request, so no middleware (requestTimeout, bodyLimit) can do this.
 */
import type { Server } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { durationSchema, type Duration } from "../_internal/duration.js";
import { parseOptions } from "../_internal/options.js";

/** Options of {@link serverTimeouts}; each a duration in milliseconds or a string such as `"10s"`. */
export interface ServerTimeoutsOptions {
  /** Time a client has to send the complete request headers (default 10 s; Node's is 60 s). */
  readonly headersTimeout?: Duration | undefined;
  /**
   * Time a client has to send the complete request, headers and body (default 30 s, or
   * `headersTimeout` if that is longer; Node's is 300 s). At least `headersTimeout`. Raise it for routes taking large uploads on slow links.
   */
  readonly requestTimeout?: Duration | undefined;
  /**
   * How long an idle keep-alive connection stays open for the next request (default 5 s). Behind
   * a load balancer, make it longer than the balancer's own idle timeout.
   */
  readonly keepAliveTimeout?: Duration | undefined;
  /**
   * How often Node checks connections against `headersTimeout` and `requestTimeout` (default
   * 1 s, or `headersTimeout` if that is shorter; Node's is 30 s, which would let a trickling client stay up to 30 s past its deadline).
   * At most `headersTimeout`.
   */
  readonly checkInterval?: Duration | undefined;
}

/** A node:http or node:https server: what {@link serverTimeouts} sets. */
export type TimeoutServer = Pick<Server, "headersTimeout" | "requestTimeout" | "keepAliveTimeout">;

const optionsSchema = z.strictObject({
  headersTimeout: durationSchema.optional(),
  requestTimeout: durationSchema.optional(),
  keepAliveTimeout: durationSchema.optional(),
  checkInterval: durationSchema.optional(),
});

const NUMERIC_FIELDS = ["headersTimeout", "requestTimeout", "keepAliveTimeout"] as const;

function isTimeoutServer(value: unknown): value is TimeoutServer {
  return (
    typeof value === "object" &&
    value !== null &&
    NUMERIC_FIELDS.every((field) => typeof Reflect.get(value, field) === "number")
  );
}

// Node starts checking connections (every `connectionsCheckingInterval`) when the server starts
// listening, and keeps the timer under this symbol; once it exists, a new interval is not used.
function connectionsAlreadyChecked(server: object): boolean {
  return Object.getOwnPropertySymbols(server).some(
    (symbol) =>
      symbol.description === "http.server.connectionsCheckingInterval" && Reflect.get(server, symbol) !== undefined,
  );
}

/**
 * Sets a server's timeouts so a client that sends its headers or body slowly is answered 408 and
 * disconnected within seconds: headers within 10 s, the whole request within 30 s, idle keep-alive
 * connections closed after 5 s, deadlines checked every second (Node's defaults are 60 s, 300 s
 * and a check every 30 s). Returns the same server.
 *
 * Call it before the server starts listening, or in the same tick as `listen()`
 * (`serverTimeouts(app.listen(3000))`): Node reads the check interval when listening starts.
 * These deadlines are the connection's; `requestTimeout()` is the handler's.
 *
 * @throws MoatError ERR_CONFIG when `server` is not a node:http(s) server, it is already listening,
 * an option is unknown or not a positive duration, `headersTimeout` exceeds `requestTimeout`, or
 * `checkInterval` exceeds `headersTimeout`.
 * @example
 * ```ts
 * import express from "express";
 * import { serverTimeouts } from "moatkit/express";
 *
 * const app = express();
 * const server = serverTimeouts(app.listen(3000), { keepAliveTimeout: "65s" }); // behind a 60 s load balancer
 * ```
 */
export function serverTimeouts<S extends TimeoutServer>(server: S, options: ServerTimeoutsOptions = {}): S {
  if (!isTimeoutServer(server))
    throw new MoatError("ERR_CONFIG", { message: "serverTimeouts expects a node:http or node:https server" });
  const parsed = parseOptions(optionsSchema, options, "serverTimeouts options");
  const headersTimeout = parsed.headersTimeout ?? 10_000;
  const requestTimeout = parsed.requestTimeout ?? Math.max(30_000, headersTimeout);
  const checkInterval = parsed.checkInterval ?? Math.min(1_000, headersTimeout);
  if (headersTimeout > requestTimeout)
    throw new MoatError("ERR_CONFIG", { message: "serverTimeouts: headersTimeout must not exceed requestTimeout" });
  if (checkInterval > headersTimeout)
    throw new MoatError("ERR_CONFIG", { message: "serverTimeouts: checkInterval must not exceed headersTimeout" });
  if (connectionsAlreadyChecked(server))
    throw new MoatError("ERR_CONFIG", {
      message: "serverTimeouts: the server is already listening; call it before listen() or in the same tick",
    });
  server.headersTimeout = headersTimeout;
  server.requestTimeout = requestTimeout;
  server.keepAliveTimeout = parsed.keepAliveTimeout ?? 5_000;
  // The createServer option of that name, kept on the server and read when listening starts.
  Reflect.set(server, "connectionsCheckingInterval", checkInterval);
  return server;
}
