/**
 * The grammar of role and permission names, and how a grant matches a permission. Names are
 * restricted so they can be logged, stored and put in tokens without escaping.
 */

/** A role name: a letter, then letters, digits, `_`, `.` or `-`; at most 64 characters. */
const ROLE_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** A permission: segments of letters, digits, `_`, `.`, `-`, separated by `:`. */
const PERMISSION_RE = /^[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)*$/;

/** Longest permission name accepted. */
export const MAX_PERMISSION_LENGTH = 128;

export function isRoleName(value: string): boolean {
  return ROLE_RE.test(value);
}

export function isPermissionName(value: string): boolean {
  return value.length <= MAX_PERMISSION_LENGTH && PERMISSION_RE.test(value);
}

/**
 * The parsed form of a grant: everything, every permission under a namespace (`prefix` ends with
 * `:`), or one permission.
 */
export type ParsedGrant =
  | { readonly kind: "all" }
  | { readonly kind: "namespace"; readonly prefix: string }
  | { readonly kind: "one"; readonly permission: string };

/** Parses a grant string, or returns undefined if it is not one. */
export function parseGrant(value: unknown): ParsedGrant | undefined {
  if (value === "*") return { kind: "all" };
  if (typeof value !== "string") return undefined;
  if (value.endsWith(":*")) {
    const namespace = value.slice(0, -2);
    return isPermissionName(namespace) ? { kind: "namespace", prefix: `${namespace}:` } : undefined;
  }
  return isPermissionName(value) ? { kind: "one", permission: value } : undefined;
}

export function grantMatches(grant: ParsedGrant, permission: string): boolean {
  switch (grant.kind) {
    case "all":
      return true;
    case "namespace":
      return permission.startsWith(grant.prefix);
    case "one":
      return permission === grant.permission;
  }
}
