/**
 * The authenticated subject of a request: who is calling, with which roles and flags, for which
 * tenant. Authentication middleware (moatkit's or the app's own) puts it on the request with
 * `setSubject`; `requireRole`, `requirePermission` and tenant scoping read it with `getSubject`.
 * It lives in a WeakMap keyed by the request, not on `req`, so nothing else can forge it by
 * setting a property and no declaration merging is needed.
 */
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { parseInput } from "../_internal/options.js";

/** The authenticated caller of a request. */
export interface RequestSubject {
  /** A stable id of the principal: a user id, or an API key id. */
  readonly id: string;
  /** Role name(s), checked against the role set given to requireRole/requirePermission. */
  readonly role: string | readonly string[];
  /** Per-user flags adding permissions (see moatkit/rbac). */
  readonly allow?: readonly string[] | undefined;
  /** Per-user flags removing permissions (see moatkit/rbac). */
  readonly deny?: readonly string[] | undefined;
  /** The tenant the credential was verified for; tenant scoping reads it. */
  readonly tenantId?: string | undefined;
  /** When an operator acts as this subject: the operator's own id, for audit records. */
  readonly impersonatorId?: string | undefined;
}

const id = z.string().min(1).max(256);
const name = z.string().min(1).max(128);
const subjectSchema = z.strictObject({
  id,
  role: z.union([name, z.array(name).max(64)]),
  allow: z.array(name).max(256).optional(),
  deny: z.array(name).max(256).optional(),
  tenantId: id.optional(),
  impersonatorId: id.optional(),
});

const subjects = new WeakMap<IncomingMessage, RequestSubject>();

/**
 * Records the authenticated subject of `req`. Call it once per request, from the middleware that
 * verified the credential. Unknown fields are refused (`ERR_INVALID_INPUT`), so a whole user row
 * cannot ride along by accident; a second call for the same request is `ERR_CONFIG`, since two
 * authenticators disagreeing about who is calling is a wiring bug, never something to resolve
 * silently.
 *
 * @example
 * ```ts
 * app.use(async (req, _res, next) => {
 *   const user = await myAuth(req);            // your own credential check
 *   if (user) setSubject(req, { id: user.id, role: user.role, tenantId: user.orgId });
 *   next();
 * });
 * ```
 */
export function setSubject(req: IncomingMessage, subject: RequestSubject): void {
  if (subjects.has(req)) throw new MoatError("ERR_CONFIG", { message: "setSubject: this request already has a subject" });
  const parsed = parseInput(subjectSchema, subject, "request subject");
  const frozen: RequestSubject = Object.freeze({
    id: parsed.id,
    role: typeof parsed.role === "string" ? parsed.role : Object.freeze([...parsed.role]),
    ...(parsed.allow === undefined ? {} : { allow: Object.freeze([...parsed.allow]) }),
    ...(parsed.deny === undefined ? {} : { deny: Object.freeze([...parsed.deny]) }),
    ...(parsed.tenantId === undefined ? {} : { tenantId: parsed.tenantId }),
    ...(parsed.impersonatorId === undefined ? {} : { impersonatorId: parsed.impersonatorId }),
  });
  subjects.set(req, frozen);
}

/** The subject recorded for `req` by {@link setSubject}, or undefined for an anonymous request. */
export function getSubject(req: IncomingMessage): RequestSubject | undefined {
  return subjects.get(req);
}
