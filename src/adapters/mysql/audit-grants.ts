import { storeCall } from "../../_internal/store-error.js";
import { MoatError } from "../../errors.js";
import { type MysqlPoolLike, type MysqlQueryable, isMysqlPool, selectOne, selectRows, str } from "./client.js";

/** What the pool's account may do to the audit table ({@link inspectMysqlAuditGrants}). */
export interface MysqlAuditGrantReport {
  /** The account privileges are checked for (`CURRENT_USER()`, `user@host`). */
  readonly account: string;
  /** It may read `moatkit_audit_events` (appends read the chain head). */
  readonly canSelect: boolean;
  /** It may insert into `moatkit_audit_events`. */
  readonly canInsert: boolean;
  /** It may update rows of `moatkit_audit_events`. */
  readonly canUpdate: boolean;
  /** It may delete rows of `moatkit_audit_events`. */
  readonly canDelete: boolean;
  /**
   * It holds DROP or ALTER on the table, its database or globally (DROP includes TRUNCATE), as the
   * grant tables show them for the account itself.
   */
  readonly canDropOrAlter: boolean;
  /** SELECT and INSERT and nothing more: the account an application should write audit events with. */
  readonly insertOnly: boolean;
}

const TABLE = "moatkit_audit_events";

/**
 * Zero-row statements that need exactly one privilege each. The server checks privileges before
 * it looks at rows, so each either fails with an access-denied error or touches nothing; they
 * run in a transaction that is rolled back all the same. Probing, rather than reading the grant
 * tables, gives the account's effective rights: roles, wildcard databases and global grants
 * included.
 */
const PROBES = {
  canSelect: `SELECT 1 FROM ${TABLE} WHERE 1 = 0`,
  canInsert: `INSERT INTO ${TABLE} (org_id, seq, event_id, at_ms, actor_id, impersonator_id, action, target_type, target_id, body)
    SELECT '', 1, '', 0, '', NULL, '', '', '', '' FROM DUAL WHERE 1 = 0`,
  canUpdate: `UPDATE ${TABLE} SET action = '' WHERE 1 = 0`,
  canDelete: `DELETE FROM ${TABLE} WHERE 1 = 0`,
} as const;

/** ER_TABLEACCESS_DENIED_ERROR (1142), ER_COLUMNACCESS_DENIED_ERROR (1143). */
function isAccessDenied(err: unknown): boolean {
  const errno: unknown = typeof err === "object" && err !== null ? Reflect.get(err, "errno") : undefined;
  return errno === 1142 || errno === 1143;
}

async function allowed(conn: MysqlQueryable, sql: string): Promise<boolean> {
  try {
    await conn.query(sql);
    return true;
  } catch (err) {
    if (isAccessDenied(err)) return false;
    throw err;
  }
}

/**
 * Reports what the pool's account may do to `moatkit_audit_events`. MySQL has no trigger that
 * every account must pass (and creating one needs SUPER where binary logging is on), so the
 * audit log is append-only by grants: call this at start-up with the pool your audit store uses
 * and refuse to run unless `insertOnly` is true. Grant the writer account exactly:
 *
 * ```
 * GRANT SELECT, INSERT ON app.moatkit_audit_events TO 'audit_writer'@'%';
 * GRANT SELECT ON app.moatkit_audit_anchors TO 'audit_writer'@'%';
 * ```
 *
 * and the prune job's account `SELECT, DELETE` on the events and `SELECT, INSERT` on the anchors.
 * DML rights are probed (exact, roles included); DROP and ALTER are read from
 * `information_schema`, which lists the account's own grants but not those of its roles.
 *
 * @throws MoatError ERR_CONFIG when `pool` is not a pool; ERR_STORE when the probes fail for
 *   another reason (the table does not exist, for instance).
 * @example
 * ```ts
 * const report = await inspectMysqlAuditGrants(writerPool);
 * if (!report.insertOnly) throw new Error(`audit writer ${report.account} can rewrite the audit log`);
 * ```
 */
export async function inspectMysqlAuditGrants(pool: MysqlPoolLike): Promise<MysqlAuditGrantReport> {
  if (!isMysqlPool(pool))
    throw new MoatError("ERR_CONFIG", { message: "inspectMysqlAuditGrants needs a mysql2/promise pool" });
  return storeCall("audit", "inspectMysqlAuditGrants", async () => {
    const conn = await pool.getConnection();
    try {
      const who = await selectOne(conn, "SELECT CURRENT_USER() AS account");
      const account = who === null ? "" : str(who, "account");
      await conn.query("START TRANSACTION");
      let dml: Record<keyof typeof PROBES, boolean>;
      try {
        dml = {
          canSelect: await allowed(conn, PROBES.canSelect),
          canInsert: await allowed(conn, PROBES.canInsert),
          canUpdate: await allowed(conn, PROBES.canUpdate),
          canDelete: await allowed(conn, PROBES.canDelete),
        };
      } finally {
        await conn.query("ROLLBACK");
      }
      const at = account.lastIndexOf("@");
      const grantee = `'${account.slice(0, at)}'@'${account.slice(at + 1)}'`;
      const ddl = await selectRows(
        conn,
        `SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?
         UNION ALL SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ? AND TABLE_SCHEMA = DATABASE()
         UNION ALL SELECT PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES
           WHERE GRANTEE = ? AND TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${TABLE}'`,
        [grantee, grantee, grantee],
      );
      const canDropOrAlter = ddl.some((r) => ["DROP", "ALTER", "SUPER"].includes(str(r, "p").toUpperCase()));
      return {
        account,
        ...dml,
        canDropOrAlter,
        insertOnly: dml.canSelect && dml.canInsert && !dml.canUpdate && !dml.canDelete && !canDropOrAlter,
      };
    } finally {
      conn.release();
    }
  });
}
