/**
 * The example app's database: where it comes from (your SqlClient, a connection string, or an
 * in-memory PGlite), its schema (moatkit's tables plus the app's own), and its three roles:
 *
 * - the owner, which connects first, runs the migrations and grants (and nothing else);
 * - the app role (`saas_app`), which every query of the app runs as: no owner, no superuser, no
 *   BYPASSRLS, so the tenant tables' forced RLS applies, and no access to the audit log;
 * - the audit role (`moatkit_audit_writer`, made by moatkit's migrations), which audit events are
 *   written as: SELECT and INSERT on the audit table only, checked with `inspectAuditRole`.
 */
import {
  type AuditRoleReport,
  type Migration,
  type SqlClient,
  fromPgPool,
  fromPglite,
  inspectAuditRole,
  migrate,
  moatkitMigrations,
} from "moatkit/adapters/postgres";
import { checkRls, formatRlsReport, rlsPolicySql } from "moatkit/tenant";

/** An open database and how to let go of it. */
export interface Database {
  readonly client: SqlClient;
  /** Closes what {@link openDatabase} opened; a client you passed in is left open. */
  close(): Promise<void>;
}

/**
 * `SqlClient`: use it as is (you close it). A string: a connection string for a `pg` pool.
 * Nothing: `DATABASE_URL` when it is set, else an in-memory PGlite, gone when the app closes.
 */
export type DatabaseSource = SqlClient | string | undefined;

export async function openDatabase(source: DatabaseSource): Promise<Database> {
  if (typeof source === "object") return { client: source, close: async () => {} };
  const url = source ?? process.env["DATABASE_URL"];
  if (url !== undefined && url !== "") {
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // The server ending an idle connection (a restart, a failover) is an 'error' event on the
    // pool: without a listener it would crash the app. The pool drops that connection and the
    // next query opens a new one; queries meanwhile fail and are answered 503.
    pool.on("error", () => undefined);
    return { client: fromPgPool(pool), close: () => pool.end() };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create();
  return { client: fromPglite(pglite), close: () => pglite.close() };
}

/**
 * The app's own tables. Identity (orgs, users) is looked up before any tenant is known (login
 * by email), so it lives outside RLS and is only touched by the app's own queries; the tenant
 * data (`notes`) is under forced RLS and only read or written inside `withTenantTransaction`.
 * Emails are globally unique because they are the login name, so a signup with a taken
 * address answers 409 and tells the caller the address has an account; Turnstile and the
 * signup limiter keep that from being used in bulk. A product that must hide it sends a
 * verification email and answers 202 either way.
 */
export const appMigrations: readonly Migration[] = [
  {
    module: "saas",
    version: 1,
    name: "orgs, users, notes",
    sql: `
CREATE TABLE saas_orgs (
  id text PRIMARY KEY,
  name text NOT NULL,
  redact_logs boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE saas_users (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES saas_orgs(id),
  email text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  totp_secret text,
  totp_enabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saas_users_org ON saas_users (org_id);
CREATE TABLE notes (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES saas_orgs(id),
  author_id text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_tenant ON notes (tenant_id, created_at);
${rlsPolicySql({ table: "notes" })}`,
  },
  {
    module: "saas",
    version: 2,
    name: "email verification, mail outbox, sign-in list",
    // The outbox is the app's "mail": a real deployment has a worker send its rows and mark them
    // sent; tests and the browser test read them. saas_sign_ins lists a user's sessions (one row
    // per refresh session, keyed by its id, the access tokens' sid) with where they were last used.
    sql: `
ALTER TABLE saas_users ADD COLUMN email_verified_at timestamptz;
CREATE TABLE saas_mail_outbox (
  id bigserial PRIMARY KEY,
  recipient text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX saas_mail_outbox_recipient ON saas_mail_outbox (recipient, id);
CREATE TABLE saas_sign_ins (
  session_id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES saas_users(id),
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  ip text,
  user_agent text
);
CREATE INDEX saas_sign_ins_user ON saas_sign_ins (user_id, created_at);`,
  },
];

/** Applies moatkit's migrations and the app's; idempotent and safe for concurrent starts. */
export async function migrateDatabase(client: SqlClient): Promise<void> {
  await migrate(client, { migrations: [...moatkitMigrations, ...appMigrations] });
}

const ROLE_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** The tables moatkit's stores keep for the app, which the app role reads and writes through them. */
const STORE_TABLES = [
  "moatkit_api_keys",
  "moatkit_data_keys",
  "moatkit_data_key_current",
  "moatkit_totp_steps",
  "moatkit_recovery_codes",
  "moatkit_refresh_sessions",
  "moatkit_refresh_tokens",
  "moatkit_one_time_tokens",
];

/**
 * A client whose every statement runs as `role`: each query, script and transaction opens a
 * transaction that starts with `SET LOCAL ROLE`, so nothing the app runs keeps the connecting
 * role's rights, and the switch ends with its transaction. The connecting role must be a member
 * of `role` (a superuser is). When it is a privileged role, SQL injected into a statement could
 * still switch back (`RESET ROLE`): in production connect with a login role that is a member of
 * the app and audit roles and holds nothing of its own (`appDatabase` in `createApp`).
 */
export function asRole(client: SqlClient, role: string): SqlClient {
  if (!ROLE_RE.test(role)) throw new Error("role names must be lower-case SQL identifiers");
  const run = <T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> =>
    client.transaction(async (tx) => {
      await tx.exec(`SET LOCAL ROLE ${role}`);
      return fn(tx);
    });
  return {
    query: (text, params) => run((tx) => tx.query(text, params)),
    exec: (script) => run((tx) => tx.exec(script)),
    transaction: run,
  };
}

/**
 * Makes sure `appRole` exists (NOLOGIN, not superuser, no BYPASSRLS) and may use the app's
 * tables in the current schema and moatkit's store tables, and nothing else (not the audit log,
 * which the app writes as the audit role). Then runs moatkit's RLS linter over that schema and
 * refuses to start when it finds anything. Runs as the owner (the role that ran the
 * migrations); it needs CREATEROLE the first time. In production create the role in your
 * provisioning instead and this only grants and checks.
 */
export async function prepareAppRole(owner: SqlClient, appRole: string): Promise<void> {
  if (!ROLE_RE.test(appRole)) throw new Error("appRole must be a lower-case SQL identifier");
  await owner.exec(`
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${appRole}') THEN
    CREATE ROLE ${appRole} NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another instance created it a moment ago
END
$$;
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${appRole}', current_schema());
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO ${appRole};
GRANT SELECT, INSERT, UPDATE ON saas_orgs, saas_users TO ${appRole};
GRANT SELECT, INSERT, UPDATE, DELETE ON saas_mail_outbox, saas_sign_ins TO ${appRole};
GRANT USAGE ON SEQUENCE saas_mail_outbox_id_seq TO ${appRole};
GRANT SELECT, INSERT, UPDATE, DELETE ON ${STORE_TABLES.join(", ")} TO ${appRole};`);
  const { rows } = await owner.query<{ schema: string }>("SELECT current_schema() AS schema");
  const schema = rows[0]?.schema ?? "public";
  const report = await checkRls(owner, { appRole, schema });
  // moatkit's store tables carry a tenant_id too, but their stores find rows by key (an API key
  // is looked up to learn its tenant), so RLS cannot confine them; the app's tenant data can be.
  const reachable = await owner.query<{ name: string }>(
    `SELECT format('%s.%s', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname = $1 AND tablename NOT LIKE 'moatkit\\_%'
        AND has_table_privilege($2, format('%I.%I', schemaname, tablename), 'SELECT, INSERT, UPDATE, DELETE')`,
    [schema, appRole],
  );
  const tables = new Set(reachable.rows.map((r) => r.name));
  const findings = report.findings.filter((f) => f.table === undefined || tables.has(f.table));
  if (findings.some((f) => f.severity === "error")) {
    throw new Error(`row-level security is not in order:\n${formatRlsReport({ ...report, ok: false, findings })}`);
  }
}

function rewritePowers(report: AuditRoleReport): string[] {
  return [
    report.superuser && "is a superuser",
    report.owner && "owns the audit table",
    report.canUpdate && "can UPDATE",
    report.canDelete && "can DELETE",
    report.canTruncate && "can TRUNCATE",
  ].filter((p) => p !== false);
}

/**
 * Refuses to start unless `audit` (the client audit events are written with) is insert-only on
 * the audit table: a role that can update, delete or truncate events, or that owns the table or
 * is a superuser (and so can switch the append-only trigger off), could rewrite the log. The
 * app's own role (`app`) must not be able to rewrite it either.
 */
export async function checkAuditRole(audit: SqlClient, app: SqlClient): Promise<void> {
  const writer = await inspectAuditRole(audit);
  if (!writer.insertOnly) {
    const powers = [...rewritePowers(writer), ...(writer.canInsert ? [] : ["cannot INSERT"])];
    throw new Error(
      `the audit role ${writer.role} must be insert-only on moatkit_audit_events: it ${powers.join(", ")}`,
    );
  }
  const own = rewritePowers(await inspectAuditRole(app));
  if (own.length > 0) {
    throw new Error(`the app role must not be able to rewrite moatkit_audit_events: it ${own.join(", ")}`);
  }
}
