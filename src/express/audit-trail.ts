/**
 * `auditTrail()`: an audit event for every successful write, attributed to the authenticated
 * subject, in the subject's organisation's hash chain, with the request's id, client address and
 * user agent; `recordAudit(req, …)` lets a handler record a precise event with the same context.
 * The audit log is taken as an instance (imported as a type only), so this module never loads jose.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { functionSchema } from "../_internal/function-schema.js";
import { assertKnownKeys, knownKeys, parseOptions } from "../_internal/options.js";
import type { AuditEventInput, AuditRequestContext } from "../audit/builder.js";
import { type StoredAuditEvent, stripControlCharacters } from "../audit/event.js";
import type { AuditLog } from "../audit/log.js";
import { auditContextFromRequest } from "../audit/request-context.js";
import { loggableError, notify } from "./notify.js";
import { findRequestContext } from "./request-context.js";
import { requestPath } from "./request-path.js";
import { getSubject } from "./subject.js";
import type { Middleware, NextFunction } from "./types.js";

/** What an automatic event was done to. */
export interface AuditTrailTarget {
  /** The kind of thing, e.g. `"note"` (1–128 characters). */
  readonly type: string;
  /** Its id (1–256 characters). */
  readonly id: string;
}

/** Options of {@link auditTrail}. */
export interface AuditTrailOptions {
  /** Methods that are writes, audited when they succeed (default `POST`, `PUT`, `PATCH`, `DELETE`). */
  readonly methods?: readonly string[] | undefined;
  /**
   * The event's action: a fixed name, or a function of the request. Default: the method and the
   * route pattern, e.g. `"POST /notes/:id"` (the path itself when no route matched).
   */
  readonly action?: string | ((req: IncomingMessage) => string) | undefined;
  /** The event's target. Default `{ type: "http_request", id: <path without the query string> }`. */
  readonly target?: ((req: IncomingMessage) => AuditTrailTarget) | undefined;
  /**
   * The organisation, for requests whose subject has no `tenantId` (or none at all). The
   * subject's tenant always wins: a request cannot choose its own audit chain.
   */
  readonly orgId?: ((req: IncomingMessage) => string | undefined) | undefined;
  /**
   * Called when an automatic event cannot be recorded (no organisation: ERR_NO_TENANT; the
   * store failing: ERR_STORE; a malformed event: ERR_INVALID_INPUT). The response has already
   * gone, so this is the only place the failure surfaces: alert on it. Default: a process
   * warning naming the error code. Exceptions thrown here are ignored. The error arrives as a
   * copy without the request input or secrets it may carry, as with `errorHandler({ onError })`.
   */
  readonly onError?: ((error: unknown, req: IncomingMessage) => void) | undefined;
}

/** What {@link recordAudit} takes: an audit event without the parts the request supplies. */
export interface RecordAuditInput {
  /** What was done, e.g. `"note.delete"` (1–128 characters). */
  readonly action: string;
  /** What it was done to. */
  readonly target: AuditTrailTarget;
  /** The record before the change (omit for a creation); JSON, redacted by the log. */
  readonly before?: unknown;
  /** The record after the change (omit for a deletion); JSON, redacted by the log. */
  readonly after?: unknown;
  /** Your own JSON data about the event, redacted by the log. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
  /** Extra redaction for this event. */
  readonly redact?: AuditEventInput["redact"];
}

const WRITE_METHODS: readonly string[] = ["POST", "PUT", "PATCH", "DELETE"];
const ANONYMOUS = "anonymous";
const MAX_ACTION = 128;
const MAX_TARGET_ID = 256;

function isAuditLog(value: unknown): value is AuditLog {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "record") === "function" &&
    typeof Reflect.get(value, "verify") === "function"
  );
}

const logSchema = z.custom<AuditLog>(isAuditLog, "expected a moatkit/audit log (createAuditLog)");

const optionsSchema = z.strictObject({
  methods: z
    .array(z.string().regex(/^[A-Z]{1,16}$/, "an upper-case method"))
    .min(1)
    .optional(),
  action: z
    .union([
      z
        .string()
        .min(1)
        .max(MAX_ACTION)
        .refine((a) => stripControlCharacters(a) === a, "no control characters"),
      functionSchema<(req: IncomingMessage) => string>(),
    ])
    .optional(),
  target: functionSchema<NonNullable<AuditTrailOptions["target"]>>().optional(),
  orgId: functionSchema<NonNullable<AuditTrailOptions["orgId"]>>().optional(),
  onError: functionSchema<NonNullable<AuditTrailOptions["onError"]>>().optional(),
});

interface Attached {
  readonly log: AuditLog;
  readonly orgId: ((req: IncomingMessage) => string | undefined) | undefined;
  /** Set once a handler recorded its own event: the automatic one is then not written. */
  explicit: boolean;
}

const attached = new WeakMap<IncomingMessage, Attached>();

/** The request fields of an event: from requestContext() when it ran, else from the socket. */
function requestDetails(req: IncomingMessage): AuditRequestContext {
  const context = findRequestContext(req);
  // Without requestContext(): the socket's peer (no proxy is trusted), the X-Request-Id header.
  if (context === undefined) return auditContextFromRequest(req);
  const { ip, requestId: id, userAgent } = context;
  return { id, ip: ip !== undefined && isIP(ip) !== 0 ? ip : null, userAgent: userAgent ?? null };
}

function organisation(req: IncomingMessage, fallback: Attached["orgId"]): string {
  const tenant = getSubject(req)?.tenantId ?? fallback?.(req);
  if (typeof tenant !== "string" || tenant === "")
    throw new MoatError("ERR_NO_TENANT", { message: "auditTrail: no organisation for this request's audit event" });
  return tenant;
}

function actor(req: IncomingMessage): AuditEventInput["actor"] {
  const subject = getSubject(req);
  if (subject === undefined) return { userId: ANONYMOUS };
  return subject.impersonatorId === undefined
    ? { userId: subject.id }
    : { userId: subject.id, impersonatorId: subject.impersonatorId };
}

function routePattern(req: IncomingMessage): string | undefined {
  const route: unknown = "route" in req ? req.route : undefined;
  const path: unknown = typeof route === "object" && route !== null ? Reflect.get(route, "path") : undefined;
  if (typeof path !== "string") return undefined;
  const base: unknown = "baseUrl" in req ? req.baseUrl : undefined;
  return `${typeof base === "string" ? base : ""}${path}`;
}

function defaultAction(req: IncomingMessage): string {
  const action = `${req.method ?? "GET"} ${stripControlCharacters(routePattern(req) ?? requestPath(req))}`;
  return action.slice(0, MAX_ACTION);
}

function defaultTarget(req: IncomingMessage): AuditTrailTarget {
  return { type: "http_request", id: stripControlCharacters(requestPath(req)).slice(0, MAX_TARGET_ID) || "/" };
}

function warn(error: unknown): void {
  const code = error instanceof MoatError ? error.code : "ERR_INTERNAL";
  process.emitWarning(`auditTrail: an audit event could not be recorded (${code})`, { code: "MOATKIT_AUDIT_TRAIL" });
}

/**
 * Records an audit event after each successful write. When the response finishes with a status
 * below 400 for a method in `methods`, it appends:
 *
 * - `actor`: the subject from `getSubject(req)` (`{ userId: id, impersonatorId? }`), or
 *   `{ userId: "anonymous" }` for a write without one;
 * - `orgId`: the subject's `tenantId`, else `orgId(req)`; with neither, nothing is recorded and
 *   `onError` gets ERR_NO_TENANT;
 * - `action` / `target`: see the options (default `"POST /notes/:id"`, `{ type: "http_request", id: path }`);
 * - `requestId`, `ip`, `userAgent`: from `requestContext()` (mount it first; without it, the
 *   socket's peer address and the `X-Request-Id` header are used);
 * - `metadata`: `{ method, status }`. Never the body, the query string or a header.
 *
 * Failed requests (status 400 and above, or a connection closed before the response finished)
 * are not audited: they changed nothing. A handler that calls {@link recordAudit} replaces the
 * automatic event with its own. The event is appended after the response has gone; a write that
 * must not succeed without its audit record should `await recordAudit(…)` before answering.
 *
 * @throws MoatError ERR_CONFIG when `auditLog` is not an audit log or an option is invalid.
 * @example
 * ```ts
 * import { createAuditLog } from "moatkit/audit";
 * import { auditTrail, recordAudit, requestContext } from "moatkit/express";
 *
 * const audit = createAuditLog({ store: createPostgresAuditStore({ client }) });
 * app.use(requestContext({ trustProxy: 1 }));
 * app.use(authenticate({ tokens }));
 * app.use(auditTrail(audit, { onError: (err) => alerts.send(err) }));
 * app.delete("/notes/:id", async (req, res) => {
 *   const before = await notes.remove(req.params.id);
 *   await recordAudit(req, { action: "note.delete", target: { type: "note", id: req.params.id }, before });
 *   res.sendStatus(204);
 * });
 * ```
 */
export function auditTrail(auditLog: AuditLog, options: AuditTrailOptions = {}): Middleware {
  const log = parseOptions(logSchema, auditLog, "auditTrail audit log");
  const parsed = parseOptions(optionsSchema, options, "auditTrail options");
  const methods = new Set(parsed.methods ?? WRITE_METHODS);
  const action = options.action ?? defaultAction;
  const target = options.target ?? defaultTarget;
  const orgId = options.orgId;
  const onError = options.onError ?? warn;

  const record = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await log.record({
      orgId: organisation(req, orgId),
      actor: actor(req),
      action: typeof action === "string" ? action : action(req),
      target: target(req),
      request: requestDetails(req),
      metadata: { method: req.method ?? "GET", status: res.statusCode },
    });
  };

  return function moatkitAuditTrail(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const state: Attached = { log, orgId, explicit: false };
    attached.set(req, state);
    if (methods.has(req.method ?? "GET")) {
      res.once("finish", () => {
        if (state.explicit || res.statusCode >= 400) return;
        record(req, res).catch((err: unknown) => {
          notify(onError, loggableError(err), req);
        });
      });
    }
    next();
  };
}

/**
 * Records an audit event for `req` through the log given to `auditTrail()`, filling in what the
 * request knows: the actor (the subject, or `"anonymous"`), the organisation (the subject's
 * tenant, else auditTrail's `orgId(req)`) and the request id, client address and user agent.
 * After this, `auditTrail()` does not add its automatic event for the request.
 *
 * @throws MoatError ERR_CONFIG when `auditTrail()` did not run for `req`; ERR_NO_TENANT when no
 *   organisation is known; ERR_INVALID_INPUT for a malformed event; ERR_STORE when the store fails.
 * @example
 * ```ts
 * await recordAudit(req, { action: "member.role_change", target: { type: "member", id }, before, after });
 * ```
 */
export async function recordAudit(req: IncomingMessage, input: RecordAuditInput): Promise<StoredAuditEvent> {
  const state = attached.get(req);
  if (state === undefined)
    throw new MoatError("ERR_CONFIG", { message: "auditTrail() did not run for this request; mount it first" });
  const raw: unknown = input;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new MoatError("ERR_INVALID_INPUT", { message: "recordAudit: expected an event object" });
  assertKnownKeys(
    input,
    knownKeys<RecordAuditInput>({
      action: true,
      target: true,
      before: true,
      after: true,
      metadata: true,
      redact: true,
    }),
    "recordAudit event",
    "ERR_INVALID_INPUT",
  );
  const event: AuditEventInput = {
    action: input.action,
    target: input.target,
    ...(input.before === undefined ? {} : { before: input.before }),
    ...(input.after === undefined ? {} : { after: input.after }),
    ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
    ...(input.redact === undefined ? {} : { redact: input.redact }),
    orgId: organisation(req, state.orgId),
    actor: actor(req),
    request: requestDetails(req),
  };
  state.explicit = true;
  return state.log.record(event);
}
