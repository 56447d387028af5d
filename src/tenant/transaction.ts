import { z } from "zod";
import { parseInput, parseOptions } from "../_internal/options.js";
import { type Clock, systemClock } from "../_internal/runtime.js";
import { type SqlClient, isTransactionClient } from "../sql/sql-client.js";
import { MoatError } from "../errors.js";
import { assertCallback, assertSqlClient, sqlState } from "./client.js";
import {
  activeTenant,
  currentTenant,
  idSchema,
  parseTenantContext,
  runWithTenant,
  type TenantContext,
} from "./context.js";
import { quoteIdent, roleSchema, settingSchema } from "./identifiers.js";
import { ADMIN_ON, DEFAULT_SETTINGS, type TenantSettings } from "./settings.js";

/** The event {@link TenantRls.withAdminAccess} reports before it widens access. */
export interface AdminAccessEvent {
  /** Always `tenant.admin_access`. */
  readonly action: "tenant.admin_access";
  /** When access was requested, in ms since the epoch (from `now`). */
  readonly at: number;
  /** Who asked; `impersonatorId` is set when this ran inside an impersonation context. */
  readonly actor: {
    /** The acting user. */
    readonly userId: string;
    /** The staff user impersonating `userId`, if any. */
    readonly impersonatorId?: string;
  };
  /** Why, as given by the caller (a ticket number, an incident). */
  readonly reason: string;
  /** The tenant context active when access was requested, if any. */
  readonly tenantId?: string;
}

/** Options of {@link createTenantRls}. */
export interface TenantRlsOptions {
  /**
   * The role every tenant transaction switches to with `SET LOCAL ROLE`: a role that owns no
   * table, is not a superuser and has no BYPASSRLS (checked in each transaction). The login role
   * of the pool must be allowed to `SET ROLE` to it.
   */
  readonly appRole: string;
  /** The role admin transactions switch to. Default: `appRole`. */
  readonly adminRole?: string;
  /** Setting names, when not the defaults (`app.tenant_id`, `app.user_id` …). */
  readonly settings?: Partial<TenantSettings>;
  /**
   * Called with an {@link AdminAccessEvent} before every admin transaction starts; if it
   * throws, the transaction never starts. Required to use `withAdminAccess`.
   */
  readonly onAudit?: (event: AdminAccessEvent) => void | Promise<void>;
  /** Clock for `AdminAccessEvent.at`. Default `Date.now`. */
  readonly now?: Clock;
}

/** What {@link TenantRls.withAdminAccess} needs to know. */
export interface AdminAccessRequest {
  /** The user id of whoever needs cross-tenant access. */
  readonly actor: string;
  /** Why (recorded in the audit event). */
  readonly reason: string;
}

/** Tenant-scoped and admin transactions over a {@link SqlClient}; made by {@link createTenantRls}. */
export interface TenantRls {
  /**
   * Runs `fn(tx)` in a transaction that sees only the current tenant's rows (from
   * {@link runWithTenant}).
   * @throws MoatError `ERR_NO_TENANT` when no tenant context is active.
   */
  withTenantTransaction<T>(client: SqlClient, fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /**
   * Runs `fn(tx)` in a transaction that sees only `ctx.tenantId`'s rows: BEGIN; `SET LOCAL
   * ROLE appRole`; `set_config(…, true)` for the tenant, user, role and impersonator ids (bound
   * parameters, transaction-local); `fn(tx)` under `runWithTenant(ctx)`; COMMIT, or ROLLBACK
   * if `fn` throws. Nothing outlives the transaction, so a pooled connection never carries a
   * tenant to its next user. `ctx` `undefined` means the current context.
   *
   * Call it on a pool or database, not on a `tx` of another transaction: `SET LOCAL` in a
   * savepoint lasts until the outer transaction ends.
   *
   * @throws MoatError `ERR_CONFIG` when the app role cannot be assumed or bypasses RLS;
   *   `ERR_STORE` when the setup statements fail; whatever `fn` throws, unchanged.
   */
  withTenantTransaction<T>(
    client: SqlClient,
    ctx: TenantContext | undefined,
    fn: (tx: SqlClient) => Promise<T>,
  ): Promise<T>;
  /**
   * Runs `fn(tx)` with the admin flag on, in one transaction: policies made with
   * `rlsPolicySql({ adminSetting })` then admit every tenant's rows. `onAudit` is called (and
   * awaited) before the transaction starts; the flag is transaction-local, so nothing after
   * COMMIT or ROLLBACK sees it.
   *
   * `client` must be a pool or database, not the `tx` of an open transaction (refused): nested,
   * the flag would last until the outer transaction ends and widen everything after the block.
   * A SqlClient of your own is not recognised as a `tx`; never pass one.
   *
   * @throws MoatError `ERR_INVALID_INPUT` when `client` is a transaction's `tx` from `fromPgPool`
   *   or `fromPglite`; `ERR_CONFIG` when no `onAudit` was configured; whatever `onAudit` or `fn`
   *   throws, unchanged.
   */
  withAdminAccess<T>(client: SqlClient, request: AdminAccessRequest, fn: (tx: SqlClient) => Promise<T>): Promise<T>;
}

const optionsSchema = z.strictObject({
  appRole: roleSchema,
  adminRole: roleSchema.optional(),
  settings: z
    .strictObject({
      tenant: settingSchema.optional(),
      user: settingSchema.optional(),
      impersonator: settingSchema.optional(),
      role: settingSchema.optional(),
      admin: settingSchema.optional(),
    })
    .optional(),
  onAudit: z.custom<unknown>((v) => typeof v === "function").optional(),
  now: z.custom<unknown>((v) => typeof v === "function").optional(),
});

const SETTING_KEYS = ["tenant", "user", "impersonator", "role", "admin"] as const;

const requestSchema = z.strictObject({ actor: idSchema, reason: z.string().trim().min(1).max(1000) });

/** The values one transaction sets, one per setting. */
type SettingValues = Readonly<Record<keyof TenantSettings, string>>;

// Every setting is written in every transaction, empty when unused: a session-level `SET` left
// on the connection by other code (an admin flag, say) is overridden instead of inherited.
// The role check rides along, so it costs no extra round trip.
const SETUP_SQL = `SELECT set_config($1, $2, true), set_config($3, $4, true), set_config($5, $6, true),
  set_config($7, $8, true), set_config($9, $10, true), r.rolsuper, r.rolbypassrls
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`;

const ROLE_ERRORS = new Set(["22023", "42704", "42501", "0LP01"]);

/**
 * Makes the RLS transaction runner for one app role and set of settings.
 *
 * @throws MoatError `ERR_CONFIG` on an invalid role or setting name, or two equal settings.
 * @example
 * ```ts
 * import { createTenantRls } from "moatkit/tenant";
 * const rls = createTenantRls({
 *   appRole: "app_user",
 *   // Admin access is recorded before it starts; auditLog is a moatkit/audit log.
 *   onAudit: ({ action, actor, reason, tenantId }) =>
 *     auditLog.record({ orgId: tenantId ?? "platform", actor, action, target: { type: "tenant", id: tenantId ?? "*" }, metadata: { reason } }),
 * });
 * const invoices = await rls.withTenantTransaction(db, { tenantId, userId }, async (tx) =>
 *   (await tx.query("SELECT * FROM invoices")).rows,
 * );
 * ```
 */
export function createTenantRls(options: TenantRlsOptions): TenantRls {
  const o = parseOptions(optionsSchema, options, "createTenantRls options");
  const given = o.settings ?? {};
  const settings: TenantSettings = {
    tenant: given.tenant ?? DEFAULT_SETTINGS.tenant,
    user: given.user ?? DEFAULT_SETTINGS.user,
    impersonator: given.impersonator ?? DEFAULT_SETTINGS.impersonator,
    role: given.role ?? DEFAULT_SETTINGS.role,
    admin: given.admin ?? DEFAULT_SETTINGS.admin,
  };
  if (new Set(SETTING_KEYS.map((k) => settings[k])).size !== SETTING_KEYS.length) {
    throw new MoatError("ERR_CONFIG", { message: "invalid createTenantRls options: settings must be distinct" });
  }
  const appRole = o.appRole;
  const adminRole = o.adminRole ?? appRole;
  const onAudit = options.onAudit;
  const now = options.now ?? systemClock;

  async function setup(tx: SqlClient, role: string, values: SettingValues): Promise<void> {
    let row: { rolsuper: boolean; rolbypassrls: boolean } | undefined;
    try {
      await tx.query(`SET LOCAL ROLE ${quoteIdent(role)}`);
      const params = SETTING_KEYS.flatMap((k) => [settings[k], values[k]]);
      row = (await tx.query<{ rolsuper: boolean; rolbypassrls: boolean }>(SETUP_SQL, params)).rows[0];
    } catch (err) {
      const state = sqlState(err);
      if (state !== undefined && ROLE_ERRORS.has(state)) {
        throw new MoatError("ERR_CONFIG", { message: "cannot switch to the configured role", cause: err });
      }
      throw new MoatError("ERR_STORE", { message: "tenant transaction setup failed", cause: err });
    }
    if (row === undefined || row.rolsuper || row.rolbypassrls) {
      throw new MoatError("ERR_CONFIG", {
        message: "the configured role bypasses row-level security (superuser or BYPASSRLS)",
      });
    }
  }

  async function withTenantTransaction<T>(
    client: SqlClient,
    ctxOrFn: TenantContext | undefined | ((tx: SqlClient) => Promise<T>),
    maybeFn?: (tx: SqlClient) => Promise<T>,
  ): Promise<T> {
    assertSqlClient(client);
    const fn = typeof ctxOrFn === "function" && maybeFn === undefined ? ctxOrFn : maybeFn;
    assertCallback(fn, "fn");
    const ctx = typeof ctxOrFn === "function" || ctxOrFn === undefined ? currentTenant() : parseTenantContext(ctxOrFn);
    const values: SettingValues = {
      tenant: ctx.tenantId,
      user: ctx.userId,
      impersonator: ctx.impersonatorId ?? "",
      role: ctx.role ?? "",
      admin: "",
    };
    return client.transaction(async (tx) => {
      await setup(tx, appRole, values);
      return runWithTenant(ctx, () => fn(tx));
    });
  }

  async function withAdminAccess<T>(
    client: SqlClient,
    request: AdminAccessRequest,
    fn: (tx: SqlClient) => Promise<T>,
  ): Promise<T> {
    assertSqlClient(client);
    assertCallback(fn, "fn");
    const { actor, reason } = parseInput(requestSchema, request, "admin access request");
    // Inside an open transaction this would be a savepoint, and the admin flag and role set with
    // SET LOCAL would last to the outer COMMIT: the rest of that (tenant) transaction would see
    // every tenant. Refused before onAudit, so nothing is recorded for access that never happened.
    if (isTransactionClient(client)) {
      throw new MoatError("ERR_INVALID_INPUT", {
        message: "withAdminAccess needs a pool or database, not the client of an open transaction",
      });
    }
    if (onAudit === undefined) {
      throw new MoatError("ERR_CONFIG", {
        message: "withAdminAccess needs an onAudit callback (createTenantRls options)",
      });
    }
    const active = activeTenant();
    const impersonatorId = active?.impersonatorId;
    const event: AdminAccessEvent = Object.freeze({
      action: "tenant.admin_access",
      at: now(),
      actor: Object.freeze(impersonatorId === undefined ? { userId: actor } : { userId: actor, impersonatorId }),
      reason,
      ...(active === undefined ? {} : { tenantId: active.tenantId }),
    });
    // Audited before the transaction opens: an attempt is recorded even if it then fails, and a
    // callback writing through the same single-connection database (PGlite) cannot deadlock.
    await onAudit(event);
    const values: SettingValues = {
      tenant: "",
      user: actor,
      impersonator: impersonatorId ?? "",
      role: "",
      admin: ADMIN_ON,
    };
    return client.transaction(async (tx) => {
      await setup(tx, adminRole, values);
      return fn(tx);
    });
  }

  return { withTenantTransaction, withAdminAccess };
}
