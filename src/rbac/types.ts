/**
 * The types of a role set. Permission and role names are string literal unions inferred from the
 * definitions, so a misspelt permission in `can(subject, "notes:raed")` is a compile error.
 */

/**
 * The namespaces of a permission name: `"billing:invoices:read"` has `"billing"` and
 * `"billing:invoices"`. A namespace wildcard (`"billing:*"`) grants every permission under it.
 */
export type Namespace<P extends string> = P extends `${infer Head}:${infer Rest}`
  ? Head | `${Head}:${Namespace<Rest>}`
  : never;

/**
 * What a role or a per-user flag may name: one permission, every permission (`"*"`), or every
 * permission in a namespace (`"notes:*"`).
 */
export type Grant<P extends string> = P | "*" | `${Namespace<P>}:*`;

/** The concrete permission names among grants (wildcards removed). */
export type PermissionsIn<G extends string> = Exclude<G, "*" | `${string}:*`>;

/**
 * Who is asking: one or more roles, plus per-user flags that add (`allow`) or remove (`deny`)
 * permissions. `deny` wins over everything, then `allow`, then the roles.
 *
 * @example
 * ```ts
 * const alice: Subject<"member", "notes:read" | "notes:delete"> = {
 *   role: "member",
 *   allow: ["notes:delete"], // this member may also delete notes
 * };
 * ```
 */
export interface Subject<R extends string = string, P extends string = string> {
  /** The subject's role, or roles (a permission any of them grants is granted). */
  readonly role: R | readonly R[];
  /** Per-user flags that add permissions the roles do not grant. */
  readonly allow?: readonly Grant<P>[] | undefined;
  /** Per-user flags that remove permissions, whatever the roles or `allow` say. */
  readonly deny?: readonly Grant<P>[] | undefined;
}

/**
 * A compiled, validated role set: the answer of {@link defineRoles}.
 *
 * @typeParam R - the role names.
 * @typeParam P - the permission names.
 */
export interface Roles<R extends string, P extends string> {
  /** Every role name, in definition order. */
  readonly roles: readonly R[];
  /** Every permission name, sorted. */
  readonly permissions: readonly P[];
  /**
   * Whether `subject` has `permission`. Throws `ERR_INVALID_INPUT` for a subject that does not fit
   * this role set (unknown role or flag) or an unknown permission, so a stale role name in a
   * database fails loudly instead of silently granting or denying.
   */
  can(subject: Subject<R, P>, permission: P): boolean;
  /** Like {@link Roles.can} but throws `MoatError` `ERR_FORBIDDEN` when the answer is no. */
  assertCan(subject: Subject<R, P>, permission: P): void;
  /**
   * Whether `subject` holds `role`, directly or through inheritance (an owner who inherits admin
   * is an admin). Per-user flags do not confer roles.
   */
  hasRole(subject: Subject<R, P>, role: R): boolean;
  /** Every permission `subject` has after roles and flags, sorted. */
  permissionsOf(subject: Subject<R, P>): P[];
  /** Type guard: `value` is one of this set's role names. */
  isRole(value: unknown): value is R;
  /** Type guard: `value` is one of this set's permission names (wildcards are not permissions). */
  isPermission(value: unknown): value is P;
  /**
   * Checks untyped data (a database row, token claims) against this role set and returns it as a
   * typed subject with `role` as an array. Throws `ERR_INVALID_INPUT` if it does not fit.
   */
  parseSubject(value: unknown): Subject<R, P>;
}

/** Options of {@link defineRoles}. */
export interface DefineRolesOptions<R extends string> {
  /**
   * Roles whose permissions a role also has, e.g. `{ admin: ["member"], member: ["viewer"] }`.
   * Inheritance is transitive; an unknown role or a cycle is `ERR_CONFIG`.
   */
  readonly inherits?: { readonly [K in R]?: readonly R[] };
}

/** The role names of a role set: `RoleOf<typeof roles>`. */
export type RoleOf<T> = T extends Roles<infer R, string> ? R : never;

/** The permission names of a role set: `PermissionOf<typeof roles>`. */
export type PermissionOf<T> = T extends Roles<string, infer P> ? P : never;
