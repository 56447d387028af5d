/**
 * The authenticated subject of a request: who is calling, with which roles and flags, for which
 * tenant. Authentication middleware (moatkit's or the app's own) puts it on the request with
 * `setSubject`; `requireRole`, `requirePermission` and tenant scoping read it with `getSubject`.
 * It lives in a WeakMap keyed by the request, not on `req`, so nothing else can forge it by
 * setting a property and no declaration merging is needed.
 */
import type { IncomingMessage } from "node:http";
import { MoatError } from "../errors.js";
import { ownField } from "../_internal/own-field.js";
import { isIdentifier } from "../_internal/identifier.js";
import { findRequestState, requestState } from "../_internal/request-state.js";

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
  /**
   * How the subject authenticated (RFC 8176 `amr` values such as `"pwd"`, `"otp"`, `"hwk"`);
   * `requireMfa` looks for a second factor here.
   */
  readonly amr?: readonly string[] | undefined;
  /** When the subject last authenticated interactively, in seconds since the epoch (`auth_time`). */
  readonly authTime?: number | undefined;
  /** What the credential may do (an API key's scopes); `apiKeyAuth({ scopes })` checks them. */
  readonly scopes?: readonly string[] | undefined;
}

const MAX_ID = 256;
const MAX_NAME = 128;
const MAX_AMR = 32;
const MAX_SCOPES = 100;
// 9999-12-31T23:59:59Z: any later "time" is a unit mistake (milliseconds given for seconds).
const MAX_AUTH_TIME = 253_402_300_799;
const FIELDS: ReadonlySet<string> = new Set([
  "id",
  "role",
  "allow",
  "deny",
  "tenantId",
  "impersonatorId",
  "amr",
  "authTime",
  "scopes",
]);

// Checked by hand rather than with zod: this runs on every authenticated request.
function invalid(field: string): MoatError {
  return new MoatError("ERR_INVALID_INPUT", {
    message: `invalid request subject at "${field.slice(0, 64)}"`,
    details: { field: field.slice(0, 64) },
  });
}

// moatkit's identifier rule, as for moatkit/tenant's ids, so a subject accepted here always
// fits a TenantContext.
function text(value: unknown, max: number): value is string {
  return isIdentifier(value) && value.length <= max;
}

function names(value: unknown, field: string, max: number): readonly string[] {
  if (!Array.isArray(value) || value.length > max) throw invalid(field);
  const list: readonly unknown[] = value;
  const out: string[] = [];
  for (const item of list) {
    if (!text(item, MAX_NAME)) throw invalid(field);
    out.push(item);
  }
  return Object.freeze(out);
}

function optionalId(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!text(value, MAX_ID)) throw invalid(field);
  return value;
}

function optionalSeconds(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_AUTH_TIME) throw invalid(field);
  return value;
}

/**
 * Validates a subject and returns a frozen copy with frozen lists, or throws ERR_INVALID_INPUT
 * naming the first bad field (never its value). Shared with the authentication middleware,
 * which checks a subject before recording it.
 */
export function checkSubject(value: unknown): RequestSubject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("");
  for (const key of Object.keys(value)) if (!FIELDS.has(key)) throw invalid(key);
  const id = ownField(value, "id");
  if (!text(id, MAX_ID)) throw invalid("id");
  const role = ownField(value, "role");
  const allow = ownField(value, "allow");
  const deny = ownField(value, "deny");
  const tenantId = optionalId(ownField(value, "tenantId"), "tenantId");
  const impersonatorId = optionalId(ownField(value, "impersonatorId"), "impersonatorId");
  const amr = ownField(value, "amr");
  const authTime = optionalSeconds(ownField(value, "authTime"), "authTime");
  const scopes = ownField(value, "scopes");
  // Assigned one by one rather than spread: this runs once per authenticated request.
  const out: { -readonly [K in keyof RequestSubject]: RequestSubject[K] } = {
    id,
    role: text(role, MAX_NAME) ? role : names(role, "role", 64),
  };
  if (allow !== undefined) out.allow = names(allow, "allow", 256);
  if (deny !== undefined) out.deny = names(deny, "deny", 256);
  if (tenantId !== undefined) out.tenantId = tenantId;
  if (impersonatorId !== undefined) out.impersonatorId = impersonatorId;
  if (amr !== undefined) out.amr = names(amr, "amr", MAX_AMR);
  if (authTime !== undefined) out.authTime = authTime;
  if (scopes !== undefined) out.scopes = names(scopes, "scopes", MAX_SCOPES);
  return Object.freeze(out);
}

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
  const state = requestState(req);
  if (state.subject !== undefined)
    throw new MoatError("ERR_CONFIG", { message: "setSubject: this request already has a subject" });
  state.subject = checkSubject(subject);
}

/** The subject recorded for `req` by {@link setSubject}, or undefined for an anonymous request. */
export function getSubject(req: IncomingMessage): RequestSubject | undefined {
  return findRequestState(req)?.subject;
}
