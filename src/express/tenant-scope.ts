/**
 * `tenantScope()`: runs the rest of the request inside moatkit/tenant's `runWithTenant`, with the
 * tenant of the verified subject. The tenant never comes from the body, the query or a header:
 * those are the client's to choose, the subject's tenant is not.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { type TenantContext, parseTenantContext, runWithTenant } from "../tenant/context.js";
import { sendHttpError } from "./http-errors.js";
import { getSubject, type RequestSubject } from "./subject.js";
import type { Middleware, NextFunction } from "./types.js";

/** The part of a tenant context {@link TenantScopeOptions.toContext} decides: everything but the tenant. */
export type TenantScopeContext = Omit<TenantContext, "tenantId">;

/** Options of {@link tenantScope}. */
export interface TenantScopeOptions {
  /**
   * Builds the user part of the tenant context from the subject (for example, to look up the
   * user's role in this tenant). The tenant is always the subject's `tenantId`; a context naming
   * another tenant is an error. Default: `{ userId: id, role, impersonatorId }`, with `role` only
   * when the subject has exactly one.
   */
  readonly toContext?:
    ((subject: RequestSubject, req: IncomingMessage) => TenantScopeContext | Promise<TenantScopeContext>) | undefined;
}

const optionsSchema = z.strictObject({
  toContext: functionSchema<NonNullable<TenantScopeOptions["toContext"]>>().optional(),
});

function defaultContext(subject: RequestSubject): TenantScopeContext {
  const role =
    typeof subject.role === "string" ? subject.role : subject.role.length === 1 ? subject.role[0] : undefined;
  return {
    userId: subject.id,
    ...(role === undefined ? {} : { role }),
    ...(subject.impersonatorId === undefined ? {} : { impersonatorId: subject.impersonatorId }),
  };
}

function enter(tenantId: string, context: unknown, next: NextFunction): void {
  if (typeof context !== "object" || context === null) {
    throw new MoatError("ERR_CONFIG", { message: "tenantScope: toContext must return an object" });
  }
  const named: unknown = Reflect.get(context, "tenantId");
  if (named !== undefined && named !== tenantId) {
    throw new MoatError("ERR_CONFIG", { message: "tenantScope: toContext named a tenant other than the subject's" });
  }
  let full: TenantContext;
  try {
    // Validated here, so a bad context is reported as this middleware's wiring error.
    full = parseTenantContext({ ...context, tenantId });
  } catch (err) {
    throw new MoatError("ERR_CONFIG", { message: "tenantScope: invalid tenant context", cause: err });
  }
  runWithTenant(full, next);
}

/**
 * Runs the rest of the request as the subject's tenant: `currentTenant()` from moatkit/tenant —
 * and so RLS transactions, scoped queries and audit events below — sees `{ tenantId, userId, role }`
 * of the verified subject. Mount it after the authentication middleware.
 *
 * A tenant id sent in the body, query string or a header is never read: a client cannot choose
 * which tenant's data it reaches. No subject → 401 `ERR_UNAUTHENTICATED`; a subject without a
 * tenant → 403 `ERR_NO_TENANT`.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * app.use("/api", authenticate({ tokens: sessions }), tenantScope());
 * app.get("/api/projects", async (_req, res) => {
 *   res.json(await tenantTx((db) => db.query("SELECT * FROM projects"))); // RLS: this tenant only
 * });
 * ```
 */
export function tenantScope(options: TenantScopeOptions = {}): Middleware {
  const { toContext } = parseOptions(optionsSchema, options, "tenantScope options");

  return function moatkitTenantScope(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const subject = getSubject(req);
    if (subject === undefined) {
      sendHttpError(res, "ERR_UNAUTHENTICATED");
      return;
    }
    const tenantId = subject.tenantId;
    if (tenantId === undefined) {
      sendHttpError(res, "ERR_NO_TENANT");
      return;
    }
    if (toContext === undefined) {
      enter(tenantId, defaultContext(subject), next);
      return;
    }
    Promise.resolve()
      .then(() => toContext(subject, req))
      .then((context) => {
        enter(tenantId, context, next);
      })
      .catch(next);
  };
}
