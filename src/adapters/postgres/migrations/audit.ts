import type { Migration } from "../migrate.js";

/**
 * The audit log's tables, roles and guards.
 *
 * - `moatkit_audit_events`: one row per event. `body` is the event as JSON text, exactly as
 *   hashed and returned; the other columns are copies for indexing and filtering, which
 *   verification checks against `body` (an edited column is reported as `column_mismatch`). The primary key (org_id, seq) is what makes concurrent
 *   appends safe: two writers can never both take the same seq.
 * - `moatkit_audit_anchors`: the signed anchor each prune leaves.
 * - `moatkit_audit_writer` (NOLOGIN): SELECT and INSERT only. Grant it to the login role your
 *   application writes audit events with; never make that role a superuser or the tables'
 *   owner (superusers and owners can switch triggers off, as they can silence pgaudit).
 * - `moatkit_audit_retention` (NOLOGIN): may delete events (and add anchors); the prune job runs
 *   `SET LOCAL ROLE moatkit_audit_retention`, so grant it to that job's login role.
 * - A trigger rejects UPDATE, DELETE and TRUNCATE on both tables for every role, table owner
 *   included, except DELETE on events by `moatkit_audit_retention` itself.
 *
 * Roles are global to the cluster and shared by every database and schema in it: they are
 * created only when missing (tolerating another migration creating them at the same moment) and
 * never dropped. Privileges are granted on this schema's tables only.
 */
export const auditMigrations: readonly Migration[] = [
  {
    module: "audit",
    version: 1,
    name: "create moatkit_audit_events, moatkit_audit_anchors, writer and retention roles",
    sql: `
CREATE TABLE moatkit_audit_events (
  org_id text NOT NULL,
  seq bigint NOT NULL CHECK (seq > 0),
  event_id text NOT NULL,
  at timestamptz NOT NULL,
  actor_id text NOT NULL,
  impersonator_id text,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (org_id, seq)
);
CREATE INDEX moatkit_audit_events_actor_idx ON moatkit_audit_events (org_id, actor_id, seq);
CREATE INDEX moatkit_audit_events_impersonator_idx ON moatkit_audit_events (org_id, impersonator_id, seq)
  WHERE impersonator_id IS NOT NULL;
CREATE INDEX moatkit_audit_events_action_idx ON moatkit_audit_events (org_id, action, seq);
CREATE INDEX moatkit_audit_events_target_idx ON moatkit_audit_events (org_id, target_id, seq);
CREATE INDEX moatkit_audit_events_at_idx ON moatkit_audit_events (org_id, at);

CREATE TABLE moatkit_audit_anchors (
  org_id text NOT NULL,
  seq bigint NOT NULL CHECK (seq > 0),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  jws text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, seq)
);

CREATE FUNCTION moatkit_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'moatkit_audit_events' AND current_user = 'moatkit_audit_retention' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'moatkit: % on % is not allowed, the audit log is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;

CREATE TRIGGER moatkit_audit_events_append_only BEFORE UPDATE OR DELETE ON moatkit_audit_events
  FOR EACH ROW EXECUTE FUNCTION moatkit_audit_append_only();
CREATE TRIGGER moatkit_audit_events_no_truncate BEFORE TRUNCATE ON moatkit_audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION moatkit_audit_append_only();
CREATE TRIGGER moatkit_audit_anchors_append_only BEFORE UPDATE OR DELETE ON moatkit_audit_anchors
  FOR EACH ROW EXECUTE FUNCTION moatkit_audit_append_only();
CREATE TRIGGER moatkit_audit_anchors_no_truncate BEFORE TRUNCATE ON moatkit_audit_anchors
  FOR EACH STATEMENT EXECUTE FUNCTION moatkit_audit_append_only();

DO $roles$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['moatkit_audit_writer', 'moatkit_audit_retention'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', role_name);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- another database or schema created it a moment ago
      END;
    END IF;
  END LOOP;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO moatkit_audit_writer, moatkit_audit_retention', current_schema());
END
$roles$;

REVOKE ALL ON moatkit_audit_events, moatkit_audit_anchors FROM PUBLIC;
REVOKE ALL ON moatkit_audit_events, moatkit_audit_anchors FROM moatkit_audit_writer, moatkit_audit_retention;
GRANT SELECT, INSERT ON moatkit_audit_events TO moatkit_audit_writer;
GRANT SELECT ON moatkit_audit_anchors TO moatkit_audit_writer;
GRANT SELECT, DELETE ON moatkit_audit_events TO moatkit_audit_retention;
GRANT SELECT, INSERT ON moatkit_audit_anchors TO moatkit_audit_retention;
`,
  },
];
