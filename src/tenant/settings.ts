/** The custom settings moatkit's RLS transactions set and its generated policies read. */

/** Setting names used by {@link createTenantRls} and {@link rlsPolicySql}. */
export interface TenantSettings {
  /** The current tenant id. Default `app.tenant_id`. */
  readonly tenant: string;
  /** The acting user id. Default `app.user_id`. */
  readonly user: string;
  /** The impersonating staff user id, or empty. Default `app.impersonator_id`. */
  readonly impersonator: string;
  /** The user's role in the tenant, or empty. Default `app.user_role`. */
  readonly role: string;
  /** `on` inside {@link TenantRls.withAdminAccess}, empty otherwise. Default `app.admin`. */
  readonly admin: string;
}

/** The setting names used when none are configured. */
export const DEFAULT_SETTINGS: TenantSettings = Object.freeze({
  tenant: "app.tenant_id",
  user: "app.user_id",
  impersonator: "app.impersonator_id",
  role: "app.user_role",
  admin: "app.admin",
});

/** The value of the admin setting while admin access is on. */
export const ADMIN_ON = "on";
