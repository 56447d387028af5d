/**
 * Roles and permissions: define once which role may do what, then check a subject (a user's
 * roles plus per-user flags) against a permission. Permission names are typed, so a check
 * against a misspelt permission does not compile.
 *
 * @example
 * ```ts
 * import { defineDefaultRoles } from "moatkit/rbac";
 *
 * const roles = defineDefaultRoles({
 *   admin: ["members:invite"],
 *   member: ["notes:write"],
 *   viewer: ["notes:read"],
 * });
 * roles.can({ role: "viewer" }, "notes:read");                         // true
 * roles.can({ role: "viewer", allow: ["notes:write"] }, "notes:write"); // true: a per-user flag
 * roles.assertCan({ role: "member" }, "members:invite");               // throws ERR_FORBIDDEN
 * ```
 *
 * @module
 */
export { defineRoles } from "./define-roles.js";
export { DEFAULT_ROLES, defineDefaultRoles, type DefaultRole, type DefaultRoleGrants } from "./default-roles.js";
export type {
  DefineRolesOptions,
  Grant,
  Namespace,
  PermissionOf,
  PermissionsIn,
  RoleOf,
  Roles,
  Subject,
} from "./types.js";
