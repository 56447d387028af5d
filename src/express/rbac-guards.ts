/**
 * `requireRole` and `requirePermission`: route guards that check the request's subject (see
 * `setSubject`) against a moatkit/rbac role set. No subject → 401; not allowed → 403.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { MoatError } from "../errors.js";
import type { Roles, Subject } from "../rbac/types.js";
import { sendHttpError } from "./http-errors.js";
import { getSubject, type RequestSubject } from "./subject.js";
import type { Middleware, NextFunction } from "./types.js";

function isRoleSet(value: unknown): value is Roles<string, string> {
  if (typeof value !== "object" || value === null) return false;
  return ["can", "hasRole", "isRole", "isPermission", "parseSubject"].every(
    (key) => key in value && typeof Reflect.get(value, key) === "function",
  );
}

/** The part of a request subject a role set reads, without absent flags. */
function rbacSubject(subject: RequestSubject): Subject {
  const { role, allow, deny } = subject;
  if (allow === undefined && deny === undefined) return { role };
  if (deny === undefined) return { role, allow };
  return allow === undefined ? { role, deny } : { role, allow, deny };
}

function guard<R extends string, P extends string>(allowed: (subject: Subject<R, P>) => boolean): Middleware {
  return function moatkitRbacGuard(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const subject = getSubject(req);
    if (subject === undefined) {
      sendHttpError(res, "ERR_UNAUTHENTICATED");
      return;
    }
    let ok: boolean;
    try {
      // The role set checks the subject itself (can/hasRole throw for a role or flag it does not know).
      ok = allowed(rbacSubject(subject) as Subject<R, P>);
    } catch {
      // A role or flag this role set does not know (renamed, removed): fail closed.
      ok = false;
    }
    if (ok) next();
    else sendHttpError(res, "ERR_FORBIDDEN");
  };
}

/**
 * Lets the request through if its subject holds one of `names`, directly or by inheritance (with
 * `defineDefaultRoles`, `requireRole(roles, "admin")` admits owners too). Prefer
 * {@link requirePermission}: it keeps routes independent of how roles are arranged.
 *
 * Answers 401 `ERR_UNAUTHENTICATED` when no subject was set, 403 `ERR_FORBIDDEN` otherwise —
 * including for a subject whose role the role set does not know. Unknown role names here are
 * `ERR_CONFIG` at start-up.
 *
 * @example
 * ```ts
 * app.delete("/org", requireRole(roles, "owner"), deleteOrg);
 * ```
 */
export function requireRole<R extends string, P extends string>(
  roles: Roles<R, P>,
  ...names: [NoInfer<R>, ...NoInfer<R>[]]
): Middleware {
  if (!isRoleSet(roles))
    throw new MoatError("ERR_CONFIG", {
      message: "requireRole: the first argument must be a role set from defineRoles()",
    });
  if (names.length === 0 || !names.every((n) => roles.isRole(n)))
    throw new MoatError("ERR_CONFIG", { message: "requireRole: name one or more roles of the role set" });
  return guard<R, P>((subject) => names.some((n) => roles.hasRole(subject, n)));
}

/**
 * Lets the request through if its subject has `permission` (roles, inheritance and per-user
 * flags applied by moatkit/rbac). The permission is type-checked against the role set.
 *
 * Answers 401 `ERR_UNAUTHENTICATED` when no subject was set and 403 `ERR_FORBIDDEN` otherwise.
 * An unknown permission is `ERR_CONFIG` at start-up.
 *
 * @example
 * ```ts
 * app.post("/notes", requirePermission(roles, "notes:write"), createNote);
 * ```
 */
export function requirePermission<R extends string, P extends string>(
  roles: Roles<R, P>,
  permission: NoInfer<P>,
): Middleware {
  if (!isRoleSet(roles))
    throw new MoatError("ERR_CONFIG", {
      message: "requirePermission: the first argument must be a role set from defineRoles()",
    });
  if (!roles.isPermission(permission))
    throw new MoatError("ERR_CONFIG", { message: "requirePermission: not a permission of the role set" });
  return guard<R, P>((subject) => roles.can(subject, permission));
}
