/**
 * Who may do what in the example app: the owner ⊇ admin ⊇ member ⊇ viewer ladder of
 * moatkit/rbac. Changing the org's settings is declared but granted to nobody below the owner,
 * who holds "*".
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

/** Scopes an API key can be given; a key also needs the permission through its role. */
export const API_KEY_SCOPES = ["notes:read", "notes:write"] as const;
