/**
 * Who may do what in the example app: the owner ⊇ admin ⊇ member ⊇ viewer ladder of
 * moatkit/rbac. Changing the org's settings is declared but granted to nobody below the owner,
 * who holds "*". Whatever loosens a setting needs that setting's permission however it is
 * reached: an API key with log redaction "off" needs org:settings as well as keys:manage.
 */
import { defineDefaultRoles } from "moatkit/rbac";

export const PERMISSIONS = [
  "notes:read",
  "notes:write",
  "keys:read",
  "keys:manage",
  "members:read",
  "members:invite",
  "members:role",
  "audit:read",
  "org:settings",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const roles = defineDefaultRoles(
  {
    admin: ["keys:read", "keys:manage", "members:read", "members:invite", "members:role", "audit:read"],
    member: ["notes:write"],
    viewer: ["notes:read"],
  },
  { permissions: PERMISSIONS },
);

export type AppRoles = typeof roles;

/** Roles a member can be given through the admin API; ownership is never handed out there. */
export const ASSIGNABLE_ROLES = ["admin", "member", "viewer"] as const;

/** Roles an API key can act with: keys never carry admin powers. */
export const API_KEY_ROLES = ["member", "viewer"] as const;

/**
 * What issuing an API key with `redaction: "off"` needs on top of keys:manage: the permission
 * that switches the org's own redaction off. Otherwise an admin, who may not touch the org's
 * setting, could log a tenant's PII in the clear through a key of their own.
 */
export const REDACTION_OFF_PERMISSION: Permission = "org:settings";

/** Scopes an API key can be given; a key also needs the permission through its role. */
export const API_KEY_SCOPES = ["notes:read", "notes:write"] as const;
