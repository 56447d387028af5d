import { storeCall } from "../../_internal/store-error.js";
import type { SqlClient } from "../../sql/sql-client.js";

/** What the connected role can do to the audit table ({@link inspectAuditRole}). */
export interface AuditRoleReport {
  /** The role queries run as (`current_user`). */
  readonly role: string;
  /** It is a superuser: it can disable triggers and rewrite anything. */
  readonly superuser: boolean;
  /**
   * It owns the table, or is a member of the owning role (with or without INHERIT: a NOINHERIT
   * member can `SET ROLE` to the owner): it can disable the trigger.
   */
  readonly owner: boolean;
  /** It has INSERT on `moatkit_audit_events`. */
  readonly canInsert: boolean;
  /** It has UPDATE on `moatkit_audit_events`. */
  readonly canUpdate: boolean;
  /** It has DELETE on `moatkit_audit_events`. */
  readonly canDelete: boolean;
  /** It has TRUNCATE on `moatkit_audit_events`. */
  readonly canTruncate: boolean;
  /** It can append and nothing more: the role an application should write audit events with. */
  readonly insertOnly: boolean;
}

interface RoleRow {
  role: string;
  superuser: boolean;
  owner: boolean;
  can_insert: boolean;
  can_update: boolean;
  can_delete: boolean;
  can_truncate: boolean;
}

/**
 * Reports what the connection's current role can do to `moatkit_audit_events`. Call it at
 * start-up with the client your audit store uses and refuse to run when `insertOnly` is false:
 * a superuser or table owner can switch the append-only trigger off, as they can silence pgaudit.
 *
 * @throws MoatError ERR_STORE when the query fails (the table does not exist, for instance).
 * @example
 * ```ts
 * const report = await inspectAuditRole(db);
 * if (!report.insertOnly) throw new Error(`audit writer ${report.role} can rewrite the audit log`);
 * ```
 */
export async function inspectAuditRole(client: SqlClient): Promise<AuditRoleReport> {
  const { rows } = await storeCall("audit", "inspectAuditRole", () =>
    client.query<RoleRow>(
      `SELECT current_user::text AS role, r.rolsuper AS superuser,
              pg_has_role(current_user, c.relowner, 'MEMBER') AS owner,
              has_table_privilege(c.oid, 'INSERT') AS can_insert,
              has_table_privilege(c.oid, 'UPDATE') AS can_update,
              has_table_privilege(c.oid, 'DELETE') AS can_delete,
              has_table_privilege(c.oid, 'TRUNCATE') AS can_truncate
       FROM pg_roles r, pg_class c
       WHERE r.rolname = current_user AND c.oid = 'moatkit_audit_events'::regclass`,
    ),
  );
  const row = rows[0];
  if (row === undefined) {
    return {
      role: "",
      superuser: false,
      owner: false,
      canInsert: false,
      canUpdate: false,
      canDelete: false,
      canTruncate: false,
      insertOnly: false,
    };
  }
  const report = {
    role: row.role,
    superuser: row.superuser,
    owner: row.owner,
    canInsert: row.can_insert,
    canUpdate: row.can_update,
    canDelete: row.can_delete,
    canTruncate: row.can_truncate,
  };
  return {
    ...report,
    insertOnly:
      !report.superuser &&
      !report.owner &&
      report.canInsert &&
      !report.canUpdate &&
      !report.canDelete &&
      !report.canTruncate,
  };
}
