/**
 * The four-role ladder most SaaS products start with: owner ⊇ admin ⊇ member ⊇ viewer.
 */
import { MoatError } from "../errors.js";
import { isPlainObject, ownField } from "../_internal/own-field.js";
import { compileRoles } from "./define-roles.js";
import type { Grant, PermissionsIn, Roles } from "./types.js";
import { assertKnownKeys } from "../_internal/options.js";

/** The default roles, most powerful first. */
export const DEFAULT_ROLES: readonly ["owner", "admin", "member", "viewer"] = Object.freeze([
  "owner",
  "admin",
  "member",
  "viewer",
] as const);

/** One of {@link DEFAULT_ROLES}. */
export type DefaultRole = (typeof DEFAULT_ROLES)[number];

/** What each default role adds to the one below it (owner always has `"*"`). */
export interface DefaultRoleGrants<G extends string = string> {
  /** What admins may do beyond members. */
  readonly admin: readonly G[];
  /** What members may do beyond viewers. */
  readonly member: readonly G[];
  /** What viewers may do. */
  readonly viewer: readonly G[];
}

const LADDER = { owner: ["admin"], admin: ["member"], member: ["viewer"] } as const;

/**
 * {@link defineRoles} for the default ladder: `owner` has every permission and inherits `admin`,
 * which inherits `member`, which inherits `viewer`; each role lists only what it adds. So
 * `hasRole(owner, "admin")` is true and `requireRole(roles, "admin")` lets owners through.
 *
 * @example
 * ```ts
 * const roles = defineDefaultRoles({
 *   admin: ["members:invite", "members:remove"],
 *   member: ["notes:write"],
 *   viewer: ["notes:read"],
 * });
 * roles.can({ role: "admin" }, "notes:read"); // true, inherited from member and viewer
 * ```
 */
export function defineDefaultRoles<const P extends string>(
  grants: DefaultRoleGrants<NoInfer<Grant<P>>>,
  options: {
    /** Every permission name, as in {@link defineRoles}. */
    readonly permissions: readonly P[];
  },
): Roles<DefaultRole, P>;
export function defineDefaultRoles<const G extends DefaultRoleGrants>(
  grants: G,
  options?: { readonly permissions?: undefined },
): Roles<DefaultRole, PermissionsIn<G[keyof DefaultRoleGrants][number]>>;
export function defineDefaultRoles(
  grants: unknown,
  options?: { readonly permissions?: readonly string[] | undefined },
): Roles<DefaultRole, string> {
  if (!isPlainObject(grants))
    throw new MoatError("ERR_CONFIG", { message: "defineDefaultRoles: grants must be an object" });
  assertKnownKeys(options, ["permissions"], "defineDefaultRoles options");
  for (const key of Object.keys(grants)) {
    if (key !== "admin" && key !== "member" && key !== "viewer") {
      throw new MoatError("ERR_CONFIG", {
        message: `defineDefaultRoles: unexpected role "${key.slice(0, 64)}" (owner always has "*"; use defineRoles for other roles)`,
      });
    }
  }
  const roles: Record<DefaultRole, unknown> = {
    owner: ["*"],
    admin: ownField(grants, "admin"),
    member: ownField(grants, "member"),
    viewer: ownField(grants, "viewer"),
  };
  return compileRoles(
    roles,
    options?.permissions === undefined ? { inherits: LADDER } : { inherits: LADDER, permissions: options.permissions },
  );
}
