/**
 * `defineRoles`: compiles role definitions once (validating names, wildcards and inheritance) into
 * per-role permission sets, so a check is a few set lookups.
 */
import { MoatError } from "../errors.js";
import { isPlainObject, ownField } from "../_internal/own-field.js";
import { assertKnownKeys } from "../_internal/options.js";
import {
  MAX_PERMISSION_LENGTH,
  grantMatches,
  isPermissionName,
  isRoleName,
  parseGrant,
  type ParsedGrant,
} from "./names.js";
import type { DefineRolesOptions, Grant, PermissionsIn, Roles, Subject } from "./types.js";

const MAX_ROLES = 256;
const MAX_PERMISSIONS = 4096;
const MAX_SUBJECT_ROLES = 64;
const MAX_SUBJECT_FLAGS = 256;

type RoleMap = Readonly<Record<string, readonly string[]>>;

function configError(message: string): MoatError {
  return new MoatError("ERR_CONFIG", { message: `defineRoles: ${message}` });
}

/** Own enumerable entries of a plain object, including a `__proto__` key from JSON.parse. */
function entriesOf(value: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.keys(value).map((key) => [key, value[key]]);
}

function arrayOf(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function stringList(input: unknown, what: string, max: number): string[] {
  const value = arrayOf(input);
  if (value === undefined) throw configError(`${what} must be an array of strings`);
  if (value.length > max) throw configError(`${what} has more than ${max} entries`);
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== "string") throw configError(`${what} must be an array of strings`);
    out.push(item);
  }
  return out;
}

interface Compiled {
  readonly roleNames: readonly string[];
  readonly permissions: readonly string[];
  readonly permissionSet: ReadonlySet<string>;
  /** Namespace prefixes (with their trailing `:`) that some permission has. */
  readonly namespaces: ReadonlySet<string>;
  /** Every permission a role has, its own and inherited. */
  readonly effective: ReadonlyMap<string, ReadonlySet<string>>;
  /** The roles a role is: itself and every role it inherits, transitively. */
  readonly isA: ReadonlyMap<string, ReadonlySet<string>>;
}

type GrantsByRole = ReadonlyMap<string, readonly { readonly raw: string; readonly parsed: ParsedGrant }[]>;

/** Each role's grants, parsed; the role names and grants checked. */
function parseRoleGrants(rolesInput: Readonly<Record<string, unknown>>): GrantsByRole {
  const roleEntries = entriesOf(rolesInput);
  if (roleEntries.length === 0) throw configError("define at least one role");
  if (roleEntries.length > MAX_ROLES) throw configError(`more than ${MAX_ROLES} roles`);
  const grantsByRole = new Map<string, { raw: string; parsed: ParsedGrant }[]>();
  for (const [role, grants] of roleEntries) {
    if (!isRoleName(role))
      throw configError(
        `role name "${role.slice(0, 64)}" is not valid (a letter, then letters, digits, "_", "." or "-"; at most 64 characters)`,
      );
    const list = stringList(grants, `role "${role}"`, MAX_PERMISSIONS);
    grantsByRole.set(
      role,
      list.map((raw) => {
        const parsed = parseGrant(raw);
        if (parsed === undefined)
          throw configError(`role "${role}" has an invalid grant "${raw.slice(0, MAX_PERMISSION_LENGTH)}"`);
        return { raw, parsed };
      }),
    );
  }
  return grantsByRole;
}

/** The declared permissions: valid names, no duplicates, and every concrete grant among them. */
function declaredPermissions(declared: unknown, grantsByRole: GrantsByRole): Set<string> {
  const list = stringList(declared, "permissions", MAX_PERMISSIONS);
  const permissionSet = new Set<string>();
  for (const p of list) {
    if (!isPermissionName(p))
      throw configError(`permission "${p.slice(0, MAX_PERMISSION_LENGTH)}" is not a valid name`);
    if (permissionSet.has(p)) throw configError(`permission "${p}" is declared twice`);
    permissionSet.add(p);
  }
  for (const [role, grants] of grantsByRole) {
    for (const { raw, parsed } of grants) {
      if (parsed.kind === "one" && !permissionSet.has(parsed.permission)) {
        throw configError(`role "${role}" grants "${raw}", which is not in permissions`);
      }
    }
  }
  return permissionSet;
}

/**
 * The permission universe, sorted: declared, or every concrete name the roles mention. A
 * namespace wildcard that matches none of it is a typo (or a missing permissions list).
 */
function permissionUniverse(declared: unknown, grantsByRole: GrantsByRole): Set<string> {
  let permissionSet: Set<string>;
  if (declared !== undefined) {
    permissionSet = declaredPermissions(declared, grantsByRole);
  } else {
    permissionSet = new Set();
    for (const grants of grantsByRole.values()) {
      for (const { parsed } of grants) if (parsed.kind === "one") permissionSet.add(parsed.permission);
    }
  }
  if (permissionSet.size === 0) throw configError("no permissions: name at least one (or pass options.permissions)");
  const permissions = [...permissionSet];
  for (const [role, grants] of grantsByRole) {
    for (const { raw, parsed } of grants) {
      if (parsed.kind === "namespace" && !permissions.some((p) => p.startsWith(parsed.prefix))) {
        throw configError(`role "${role}" grants "${raw}", which matches no permission`);
      }
    }
  }
  return permissionSet;
}

/** `options.inherits`, checked: known roles inheriting known roles. */
function parseInherits(input: unknown, grantsByRole: GrantsByRole): Map<string, string[]> {
  const inherits = new Map<string, string[]>();
  if (input === undefined) return inherits;
  if (!isPlainObject(input)) throw configError("inherits must be an object of role name → role names");
  for (const [role, parents] of entriesOf(input)) {
    if (!grantsByRole.has(role)) throw configError(`inherits names an unknown role "${role.slice(0, 64)}"`);
    const list = stringList(parents, `inherits.${role}`, MAX_ROLES);
    for (const parent of list) {
      if (!grantsByRole.has(parent))
        throw configError(`role "${role}" inherits an unknown role "${parent.slice(0, 64)}"`);
    }
    inherits.set(role, list);
  }
  return inherits;
}

/**
 * The roles each role is (itself and every role it inherits, transitively), depth-first over
 * the inheritance graph: a role on the current path seen again is a cycle.
 */
function resolveInheritance(
  roleNames: readonly string[],
  inherits: ReadonlyMap<string, readonly string[]>,
): Map<string, Set<string>> {
  const isA = new Map<string, Set<string>>();
  const onPath: string[] = [];
  const visit = (role: string): Set<string> => {
    const done = isA.get(role);
    if (done !== undefined) return done;
    const at = onPath.indexOf(role);
    if (at !== -1) throw configError(`inheritance cycle: ${[...onPath.slice(at), role].join(" → ")}`);
    onPath.push(role);
    const result = new Set([role]);
    for (const parent of inherits.get(role) ?? []) for (const r of visit(parent)) result.add(r);
    onPath.pop();
    isA.set(role, result);
    return result;
  };
  for (const role of roleNames) visit(role);
  return isA;
}

/** Each role's permissions: its own grants expanded once, then unioned along inheritance. */
function effectivePermissions(
  grantsByRole: GrantsByRole,
  isA: ReadonlyMap<string, ReadonlySet<string>>,
  permissions: readonly string[],
): Map<string, Set<string>> {
  const own = new Map<string, Set<string>>();
  for (const [role, grants] of grantsByRole) {
    const set = new Set<string>();
    for (const { parsed } of grants) {
      if (parsed.kind === "one") set.add(parsed.permission);
      else for (const p of permissions) if (grantMatches(parsed, p)) set.add(p);
    }
    own.set(role, set);
  }
  const effective = new Map<string, Set<string>>();
  for (const role of grantsByRole.keys()) {
    const set = new Set<string>();
    for (const r of isA.get(role) ?? []) for (const p of own.get(r) ?? []) set.add(p);
    effective.set(role, set);
  }
  return effective;
}

/** Every namespace a wildcard may name: "billing:", "billing:invoices:" for "billing:invoices:read". */
function namespacesOf(permissions: readonly string[]): Set<string> {
  const namespaces = new Set<string>();
  for (const p of permissions) {
    for (let at = p.indexOf(":"); at !== -1; at = p.indexOf(":", at + 1)) namespaces.add(p.slice(0, at + 1));
  }
  return namespaces;
}

function compile(rolesInput: unknown, optionsInput: unknown): Compiled {
  if (!isPlainObject(rolesInput)) throw configError("roles must be an object of role name → grants");
  if (optionsInput !== undefined && !isPlainObject(optionsInput)) throw configError("options must be an object");
  const options = optionsInput ?? {};
  assertKnownKeys(options, ["inherits", "permissions"], "defineRoles options");
  const grantsByRole = parseRoleGrants(rolesInput);
  const permissionSet = permissionUniverse(options.permissions, grantsByRole);
  const permissions = [...permissionSet].sort();
  const roleNames = [...grantsByRole.keys()];
  const isA = resolveInheritance(roleNames, parseInherits(options.inherits, grantsByRole));
  const effective = effectivePermissions(grantsByRole, isA, permissions);
  return { roleNames, permissions, permissionSet, namespaces: namespacesOf(permissions), effective, isA };
}

function inputError(message: string): MoatError {
  return new MoatError("ERR_INVALID_INPUT", { message });
}

interface CheckedSubject {
  readonly roles: readonly string[];
  readonly allow: readonly ParsedGrant[];
  readonly deny: readonly ParsedGrant[];
  readonly allowRaw: readonly string[];
  readonly denyRaw: readonly string[];
}

function isKnownGrant(c: Compiled, g: ParsedGrant): boolean {
  switch (g.kind) {
    case "all":
      return true;
    case "namespace":
      return c.namespaces.has(g.prefix);
    case "one":
      return c.permissionSet.has(g.permission);
  }
}

const NO_FLAGS: ReturnType<typeof subjectFlags> = Object.freeze({ parsed: Object.freeze([]), raw: Object.freeze([]) });

/** A subject's `allow` or `deny` list: known permissions or wildcards. */
function subjectFlags(
  c: Compiled,
  input: unknown,
  which: "allow" | "deny",
): { readonly parsed: readonly ParsedGrant[]; readonly raw: readonly string[] } {
  if (input === undefined) return NO_FLAGS; // the common case: shared, no fresh arrays per check
  const value = arrayOf(input);
  if (value === undefined || value.length > MAX_SUBJECT_FLAGS)
    throw inputError(`rbac subject: ${which} must be an array of permissions`);
  const parsed: ParsedGrant[] = [];
  const raw: string[] = [];
  for (const item of value) {
    const g = typeof item === "string" ? parseGrant(item) : undefined;
    if (g === undefined || typeof item !== "string" || !isKnownGrant(c, g))
      throw inputError(`rbac subject: ${which} names an unknown permission`);
    parsed.push(g);
    raw.push(item);
  }
  return { parsed, raw };
}

/** A subject from untrusted data, checked against the compiled roles. */
function checkSubject(c: Compiled, subject: unknown): CheckedSubject {
  if (typeof subject !== "object" || subject === null) throw inputError("rbac subject must be an object with a role");
  const role = ownField(subject, "role");
  const roles = typeof role === "string" ? [role] : arrayOf(role);
  if (roles === undefined || roles.length > MAX_SUBJECT_ROLES)
    throw inputError("rbac subject: role must be a role name or an array of them");
  const checked: string[] = [];
  for (const r of roles) {
    if (typeof r !== "string" || !c.effective.has(r)) throw inputError("rbac subject has an unknown role");
    checked.push(r);
  }
  const a = subjectFlags(c, ownField(subject, "allow"), "allow");
  const d = subjectFlags(c, ownField(subject, "deny"), "deny");
  return { roles: checked, allow: a.parsed, deny: d.parsed, allowRaw: a.raw, denyRaw: d.raw };
}

function buildRoles<R extends string>(c: Compiled, isRole: (value: unknown) => value is R): Roles<R, string> {
  const check = (subject: unknown): CheckedSubject => checkSubject(c, subject);

  const granted = (s: CheckedSubject, permission: string): boolean => {
    if (s.deny.some((g) => grantMatches(g, permission))) return false;
    if (s.allow.some((g) => grantMatches(g, permission))) return true;
    return s.roles.some((r) => c.effective.get(r)?.has(permission) === true);
  };

  const requirePermission = (permission: unknown): string => {
    if (typeof permission !== "string" || !c.permissionSet.has(permission)) throw inputError("unknown permission");
    return permission;
  };

  const can = (subject: unknown, permission: unknown): boolean => {
    const s = check(subject);
    return granted(s, requirePermission(permission));
  };

  return Object.freeze({
    roles: Object.freeze(c.roleNames.filter(isRole)),
    permissions: Object.freeze([...c.permissions]),
    can,
    assertCan(subject: unknown, permission: unknown): void {
      if (!can(subject, permission)) throw new MoatError("ERR_FORBIDDEN", { details: { permission } });
    },
    hasRole(subject: unknown, role: unknown): boolean {
      const s = check(subject);
      if (typeof role !== "string" || !c.effective.has(role)) throw inputError("unknown role");
      return s.roles.some((r) => c.isA.get(r)?.has(role) === true);
    },
    permissionsOf(subject: unknown): string[] {
      const s = check(subject);
      return c.permissions.filter((p) => granted(s, p));
    },
    isRole,
    isPermission(value: unknown): value is string {
      return typeof value === "string" && c.permissionSet.has(value);
    },
    parseSubject(value: unknown): Subject<R> {
      const s = check(value);
      return Object.freeze({
        role: Object.freeze(s.roles.filter(isRole)),
        ...(s.allowRaw.length === 0 ? {} : { allow: Object.freeze([...s.allowRaw]) }),
        ...(s.denyRaw.length === 0 ? {} : { deny: Object.freeze([...s.denyRaw]) }),
      });
    },
  });
}

/**
 * Defines roles and what each may do, once, at start-up. Permission names are inferred from the
 * definitions (or declared with `options.permissions`), so checks against a misspelt permission do
 * not compile.
 *
 * Grants are permission names (`"notes:read"`), namespace wildcards (`"notes:*"`: every
 * permission whose name starts with `notes:`) or `"*"` (every permission). Permission names are
 * segments of letters, digits, `_`, `.` and `-` separated by `:`.
 *
 * Throws `ERR_CONFIG` for invalid names, a wildcard that matches no permission, an unknown
 * inherited role or an inheritance cycle.
 *
 * @example
 * ```ts
 * const roles = defineRoles(
 *   {
 *     owner: ["*"],
 *     admin: ["members:invite", "members:remove", "notes:*"],
 *     member: ["notes:write"],
 *     viewer: ["notes:read"],
 *   },
 *   { inherits: { admin: ["member"], member: ["viewer"] } },
 * );
 * roles.can({ role: "member" }, "notes:write");                     // true
 * roles.can({ role: "member", deny: ["notes:*"] }, "notes:read");   // false
 * roles.can({ role: "viewer" }, "notes:wirte");                     // compile error
 * ```
 */
export function defineRoles<const P extends string, const R extends Readonly<Record<string, readonly Grant<P>[]>>>(
  roles: R,
  options: DefineRolesOptions<keyof R & string> & {
    /**
     * Every permission name. When given, a role that grants an undeclared permission is a compile
     * error (and `ERR_CONFIG` at run time), and permissions granted only through wildcards can be
     * checked.
     */
    readonly permissions: readonly P[];
  },
): Roles<keyof R & string, P>;
export function defineRoles<const R extends RoleMap>(
  roles: R,
  options?: DefineRolesOptions<keyof R & string> & { readonly permissions?: undefined },
): Roles<keyof R & string, PermissionsIn<R[keyof R][number]>>;
export function defineRoles(
  roles: RoleMap,
  options?: DefineRolesOptions<string> & { readonly permissions?: readonly string[] | undefined },
): Roles<string, string> {
  return compileRoles(roles, options);
}

/**
 * {@link defineRoles} on untyped input, for wrappers such as `defineDefaultRoles`. `R` is only as
 * true as the keys of `roles`, which `compile` checks one by one.
 */
export function compileRoles<R extends string>(
  roles: Readonly<Record<R, unknown>>,
  options: unknown,
): Roles<R, string> {
  const c = compile(roles, options);
  const isRole = (value: unknown): value is R => typeof value === "string" && c.effective.has(value);
  return buildRoles(c, isRole);
}
