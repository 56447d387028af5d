/**
 * `requestTimeout()`: a deadline per request. When it passes, the client gets 503 and the
 * request's AbortSignal fires so the handler can stop its work (pass the signal to fetch, to
 * database queries, check it in loops).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { durationSchema, type Duration } from "../_internal/duration.js";
import { parseOptions } from "../_internal/options.js";
import { findRequestState, requestState, type RequestDeadline, type RequestState } from "../_internal/request-state.js";
import { sendHttpError } from "./http-errors.js";
import { requestPath } from "./request-path.js";
import { matchRoute, parseRoutePattern, type RoutePattern } from "./route-pattern.js";
import type { Middleware, NextFunction } from "./types.js";

/** Options of {@link requestTimeout}. */
export interface RequestTimeoutOptions {
  /** The deadline, in milliseconds or as a duration such as `"30s"` (default 30 000). */
  readonly timeout?: Duration | undefined;
  /**
   * Other deadlines for some routes, e.g. `{ "POST /exports": "120s", "/uploads/*": 300_000 }`.
   * Patterns: an optional method, then a path where `:name` matches one segment and a final `*`
   * the rest; the first matching pattern wins.
   */
  readonly routes?: Readonly<Record<string, Duration>> | undefined;
}

const optionsSchema = z.strictObject({
  timeout: durationSchema.optional(),
  routes: z.record(z.string(), durationSchema).optional(),
});

interface RouteDeadline {
  readonly pattern: RoutePattern;
  readonly ms: number;
}

type Deadline = RequestDeadline;

function abort(deadline: Deadline, message: string): void {
  if (deadline.reason !== undefined) return;
  deadline.reason = new MoatError("ERR_ABORTED", { message });
  deadline.controller?.abort(deadline.reason);
}

// Module-level functions rather than closures per request: a busy server arms one deadline per
// request, so what it allocates there counts.
function expire(deadline: Deadline): void {
  deadline.timer = undefined;
  const res = deadline.res;
  // A finished response has nothing left to time out (its listener clears the timer already).
  if (res.writableFinished) return;
  abort(deadline, "request timed out");
  // A response already under way is left to the handler, which has just been signalled.
  if (!res.headersSent) sendHttpError(res, "ERR_TIMEOUT", { connection: "close" });
}

function arm(deadline: Deadline, ms: number): void {
  if (deadline.timer !== undefined) clearTimeout(deadline.timer);
  deadline.timer = setTimeout(expire, ms, deadline);
  // The timer must not keep a closing server's process alive.
  deadline.timer.unref();
}

function stop(deadline: Deadline): void {
  if (deadline.timer !== undefined) clearTimeout(deadline.timer);
  deadline.timer = undefined;
}

function deadlineOf(res: ServerResponse): Deadline | undefined {
  // node's ServerResponse knows its request (`res.req`); the deadline is kept under the request.
  const req: unknown = res.req;
  return typeof req === "object" && req !== null ? findRequestState(req)?.deadline : undefined;
}

function onFinish(this: ServerResponse): void {
  const deadline = deadlineOf(this);
  if (deadline !== undefined) stop(deadline);
}

function onClose(this: ServerResponse): void {
  const deadline = deadlineOf(this);
  if (deadline === undefined) return;
  stop(deadline);
  // Closed before the response was complete: the client went away, so the work is wasted too.
  if (!this.writableFinished) abort(deadline, "client closed the request");
}

function watch(state: RequestState, res: ServerResponse): Deadline {
  const deadline: Deadline = { res, controller: undefined, reason: undefined, timer: undefined };
  state.deadline = deadline;
  res.on("finish", onFinish);
  res.on("close", onClose);
  return deadline;
}

function routeDeadline(routes: readonly RouteDeadline[], req: IncomingMessage, defaultMs: number): number {
  const method = req.method ?? "GET";
  const path = requestPath(req);
  for (const route of routes) if (matchRoute(route.pattern, method, path)) return route.ms;
  return defaultMs;
}

/**
 * Gives each request a deadline (default 30 s; other deadlines per route). When it passes before
 * the response has started, the client gets 503 `{ "error": "ERR_TIMEOUT" }`; either way the
 * request's {@link getRequestSignal} signal aborts with a MoatError `ERR_ABORTED`. The signal
 * also aborts when the client disconnects early.
 *
 * Mounting it a second time for a route (`app.post("/export", requestTimeout({ timeout: "2m" }), …)`)
 * restarts that request's clock with the new deadline instead of adding a second one.
 *
 * @example
 * ```ts
 * app.use(requestTimeout({ timeout: 30_000, routes: { "POST /exports": "120s" } }));
 * app.post("/exports", async (req, res) => {
 *   const rows = await db.query(sql, params, { signal: getRequestSignal(req) });
 *   res.json(rows);
 * });
 * ```
 */
export function requestTimeout(options: RequestTimeoutOptions = {}): Middleware {
  const parsed = parseOptions(optionsSchema, options, "requestTimeout options");
  const defaultMs = parsed.timeout ?? 30_000;
  const routes: readonly RouteDeadline[] = Object.entries(parsed.routes ?? {}).map(([text, ms]) => ({
    pattern: parseRoutePattern(text, "requestTimeout routes"),
    ms,
  }));

  return function moatkitRequestTimeout(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const ms = routes.length === 0 ? defaultMs : routeDeadline(routes, req, defaultMs);
    const state = requestState(req);
    const deadline = state.deadline ?? watch(state, res);
    if (deadline.reason === undefined && !res.writableFinished) arm(deadline, ms);
    next();
  };
}

/**
 * The AbortSignal of a request under `requestTimeout()`: it aborts when the deadline passes or
 * the client disconnects, with a MoatError `ERR_ABORTED` as its reason. Throws `ERR_CONFIG` if
 * requestTimeout() did not run for this request.
 */
export function getRequestSignal(req: IncomingMessage): AbortSignal {
  const deadline = findRequestState(req)?.deadline;
  if (deadline === undefined)
    throw new MoatError("ERR_CONFIG", { message: "requestTimeout() did not run for this request; mount it first" });
  if (deadline.controller === undefined) {
    deadline.controller = new AbortController();
    if (deadline.reason !== undefined) deadline.controller.abort(deadline.reason);
  }
  return deadline.controller.signal;
}
