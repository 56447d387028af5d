import { z } from "zod";
import { parseInput } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import { idSchema, type TenantContext } from "./context.js";

/** Who impersonates whom; the argument of {@link impersonate}. */
export interface ImpersonateInput {
  /** The staff user's id; recorded as `impersonatorId`. */
  readonly impersonator: string;
  /** The user being impersonated, in their tenant. */
  readonly target: {
    /** The impersonated user's tenant. */
    readonly tenantId: string;
    /** The impersonated user. */
    readonly userId: string;
    /** The impersonated user's role in the tenant, if the app has roles. */
    readonly role?: string;
  };
}

const inputSchema = z.strictObject({
  impersonator: idSchema,
  target: z.strictObject({ tenantId: idSchema, userId: idSchema, role: idSchema.optional() }),
});

/**
 * A tenant context for staff acting as a user: it carries the target's tenant and user id and
 * the impersonator's id, so {@link runWithTenant}, RLS transactions (`app.impersonator_id`) and
 * admin audit events all report both identities. Pure: it records nothing itself — audit the
 * start of an impersonation where you call it.
 *
 * @throws MoatError `ERR_INVALID_INPUT` on malformed ids, an unknown key, or a user impersonating
 *   themself.
 * @example
 * ```ts
 * const ctx = impersonate({ impersonator: staff.id, target: { tenantId: "t_42", userId: "u_7" } });
 * await rls.withTenantTransaction(db, ctx, (tx) => tx.query("SELECT * FROM invoices"));
 * ```
 */
export function impersonate(input: ImpersonateInput): TenantContext {
  const { impersonator, target } = parseInput(inputSchema, input, "impersonation");
  if (impersonator === target.userId) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "a user cannot impersonate themself" });
  }
  return Object.freeze({
    tenantId: target.tenantId,
    userId: target.userId,
    ...(target.role === undefined ? {} : { role: target.role }),
    impersonatorId: impersonator,
  });
}
