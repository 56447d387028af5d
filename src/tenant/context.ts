/**
 * The tenant context of the code running now, carried through async calls by
 * AsyncLocalStorage. Request middleware sets it once (from the verified JWT); everything below
 * — RLS transactions, query guards, audit events — reads it instead of taking ids as arguments
 * that could be mixed up.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { z } from "zod";
import { parseInput } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import { identifierSchema } from "../_internal/identifier.js";

/** Who is acting, and for which tenant. */
export interface TenantContext {
  /** The tenant whose rows this code may see. */
  readonly tenantId: string;
  /** The user acting (the impersonated user during impersonation). */
  readonly userId: string;
  /** The user's role in the tenant (`owner`, `admin`, `member` …), when the app has one. */
  readonly role?: string;
  /** The staff user acting on the user's behalf, during impersonation. */
  readonly impersonatorId?: string;
}

/**
 * An id bound into SQL: moatkit's one identifier rule (1–256 characters, well-formed Unicode, no
 * control characters; see src/_internal/identifier.ts). Quotes, semicolons and comment markers
 * are fine: ids only ever travel as bound parameters.
 */
export const idSchema: z.ZodType<string> = identifierSchema;

// Unknown keys are rejected so that a typo (`tenantID`) fails loudly instead of being dropped.
const tenantContextSchema = z.strictObject({
  tenantId: idSchema,
  userId: idSchema,
  role: idSchema.optional(),
  impersonatorId: idSchema.optional(),
});

const storage = new AsyncLocalStorage<TenantContext>();

/** Validates `ctx` and returns a frozen copy, so later changes to the caller's object are not seen. */
export function parseTenantContext(ctx: unknown): TenantContext {
  const { tenantId, userId, role, impersonatorId } = parseInput(tenantContextSchema, ctx, "tenant context");
  return Object.freeze({
    tenantId,
    userId,
    ...(role === undefined ? {} : { role }),
    ...(impersonatorId === undefined ? {} : { impersonatorId }),
  });
}

/**
 * Runs `fn` with `ctx` as the current tenant context; {@link currentTenant} returns it anywhere
 * below, across awaits. A nested call replaces the context for its own callback only.
 *
 * @throws MoatError `ERR_INVALID_INPUT` when `ctx` is not a valid context.
 * @example
 * ```ts
 * import { runWithTenant, currentTenant } from "moatkit/tenant";
 * app.use((req, _res, next) => {
 *   runWithTenant({ tenantId: req.auth.orgId, userId: req.auth.sub }, next);
 * });
 * // … later, in a handler:
 * const { tenantId } = currentTenant();
 * ```
 */
export function runWithTenant<T>(ctx: TenantContext, fn: () => T): T {
  const context = parseTenantContext(ctx);
  if (typeof fn !== "function") throw new MoatError("ERR_INVALID_INPUT", { message: "fn must be a function" });
  return storage.run(context, fn);
}

/**
 * The current tenant context.
 *
 * @throws MoatError `ERR_NO_TENANT` when no {@link runWithTenant} is active.
 * @example
 * ```ts
 * const { tenantId, userId, impersonatorId } = currentTenant();
 * ```
 */
export function currentTenant(): TenantContext {
  const ctx = storage.getStore();
  if (ctx === undefined) throw new MoatError("ERR_NO_TENANT");
  return ctx;
}

/** The current context, or `undefined` outside {@link runWithTenant}. @internal */
export function activeTenant(): TenantContext | undefined {
  return storage.getStore();
}
