/**
 * Whether a user must, may or may not use a second factor, from settings at four levels.
 */
import { z } from "zod";
import { parseInput } from "../_internal/options.js";

/**
 * An MFA setting: `"required"` (must enrol and use it), `"optional"` (offered), `"disabled"`
 * (not offered).
 */
export type MfaRequirement = "required" | "optional" | "disabled";

/** The roles that always need MFA unless told otherwise. */
export const DEFAULT_MFA_REQUIRED_ROLES: readonly string[] = Object.freeze(["owner", "operator"]);

/** Input of {@link resolveMfaPolicy}. */
export interface MfaPolicyInput {
  /** The platform-wide setting (the starting point). */
  readonly platform: MfaRequirement;
  /** The organisation's setting, if it has one. */
  readonly org?: MfaRequirement | undefined;
  /** The tenant's setting, if it has one. */
  readonly tenant?: MfaRequirement | undefined;
  /** The user's own choice, if they made one. */
  readonly user?: MfaRequirement | undefined;
  /** The user's role in this context (e.g. `"owner"`, `"member"`). */
  readonly role: string;
  /** Roles for which MFA is always required. Default `["owner", "operator"]`. */
  readonly requiredRoles?: readonly string[] | undefined;
}

const requirement = z.enum(["required", "optional", "disabled"]);
const inputSchema = z.strictObject({
  platform: requirement,
  org: requirement.optional(),
  tenant: requirement.optional(),
  user: requirement.optional(),
  role: z.string().max(256),
  requiredRoles: z.array(z.string().max(256)).max(1000).optional(),
});

/**
 * Resolves the MFA requirement for one user. Levels apply in order platform → org → tenant →
 * user: each level that has a setting replaces the one above it, except that once a level says
 * `"required"` no level below can loosen it. A role listed in `requiredRoles` (default owner and
 * operator) is always `"required"`.
 *
 * | platform | org | tenant | user | role | result |
 * | --- | --- | --- | --- | --- | --- |
 * | optional | – | – | – | member | optional |
 * | optional | required | – | disabled | member | required |
 * | required | disabled | – | – | member | required |
 * | optional | – | disabled | optional | member | optional |
 * | disabled | – | – | – | owner | required |
 *
 * @throws MoatError ERR_INVALID_INPUT for an unknown setting or a missing platform or role.
 * @example
 * ```ts
 * import { resolveMfaPolicy } from "moatkit/mfa";
 * resolveMfaPolicy({ platform: "optional", org: "required", user: "disabled", role: "member" }); // "required"
 * ```
 */
export function resolveMfaPolicy(input: MfaPolicyInput): MfaRequirement {
  const { platform, org, tenant, user, role, requiredRoles } = parseInput(inputSchema, input, "resolveMfaPolicy input");
  if ((requiredRoles ?? DEFAULT_MFA_REQUIRED_ROLES).includes(role)) return "required";
  let result: MfaRequirement = platform;
  for (const level of [org, tenant, user]) {
    if (result === "required") break;
    if (level !== undefined) result = level;
  }
  return result;
}
