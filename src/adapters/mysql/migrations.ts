/**
 * moatkit's tables on MySQL 8.0+ and MariaDB 10.11+ (InnoDB).
 *
 * Column types are chosen so equality is exact, byte for byte:
 * - ids, hashes, selectors, purposes and other looked-up values are `VARBINARY`: compared as
 *   bytes, never case-folded (MariaDB's and MySQL's default collations are case-insensitive) and
 *   never padded (`utf8mb4_bin` is a PAD SPACE collation: `'abc' = 'abc '` is true there);
 * - text that is only stored and returned (JSON bodies, names, previews) is `LONGTEXT` in a
 *   NO PAD binary collation, which differs between the two servers — `utf8mb4_0900_bin` on MySQL,
 *   `utf8mb4_nopad_bin` on MariaDB — the one place their DDL differs;
 * - JSON is text, not the `JSON` type: MySQL's JSON type re-serialises documents (key order,
 *   number forms), which would break the audit log's hashes;
 * - times are `BIGINT` milliseconds since the epoch, on the caller's clock, never the server's;
 * - no column has a default that needs an expression (MySQL and MariaDB differ there too).
 *
 * Every statement is `CREATE TABLE IF NOT EXISTS`: MySQL commits DDL implicitly, so a step cut
 * short by a crash is completed, not duplicated, by the next run.
 */

/** Which server a schema is for: their DDL differs only in the NO PAD collation's name. */
export type MysqlDialect = "mysql" | "mariadb";

/** One versioned step of a module's schema on MySQL/MariaDB. */
export interface MysqlMigration {
  /** The module that owns the step, e.g. `"apikeys"`. */
  readonly module: string;
  /** 1, 2, 3 … within the module. */
  readonly version: number;
  /** A short description, recorded with the step. */
  readonly name: string;
  /** The step's statements for `dialect`, one statement each (no parameters). */
  statements(dialect: MysqlDialect): readonly string[];
}

/** A NO PAD, binary (case- and accent-sensitive) utf8mb4 text type for `dialect`. */
function text(dialect: MysqlDialect): string {
  return `LONGTEXT CHARACTER SET utf8mb4 COLLATE ${dialect === "mysql" ? "utf8mb4_0900_bin" : "utf8mb4_nopad_bin"}`;
}

const TABLE_OPTIONS = "ENGINE=InnoDB";

/** Up to 255 bytes: ids, subjects, scopes. Longer values are refused (strict mode), never cut. */
const ID = "VARBINARY(255)";
/** Token and key hashes (SHA-256 hex is 64). */
const HASH = "VARBINARY(128)";

const sessions: MysqlMigration = {
  module: "sessions",
  version: 1,
  name: "refresh sessions and one-time tokens",
  statements: (d) => [
    `CREATE TABLE IF NOT EXISTS moatkit_refresh_sessions (
  session_id ${ID} NOT NULL PRIMARY KEY,
  subject ${ID} NOT NULL,
  claims ${text(d)} NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT NULL,
  generation INT NOT NULL,
  head_hash ${HASH} NOT NULL,
  head_expires_at BIGINT NOT NULL,
  prev_hash ${HASH} NULL,
  prev_used_at BIGINT NULL,
  prev_nonce VARBINARY(255) NULL,
  KEY moatkit_refresh_sessions_subject (subject),
  KEY moatkit_refresh_sessions_head_expires (head_expires_at)
) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS moatkit_refresh_tokens (
  token_hash ${HASH} NOT NULL PRIMARY KEY,
  session_id ${ID} NOT NULL,
  expires_at BIGINT NOT NULL,
  KEY moatkit_refresh_tokens_session (session_id),
  KEY moatkit_refresh_tokens_expires (expires_at),
  CONSTRAINT moatkit_refresh_tokens_session_fk FOREIGN KEY (session_id)
    REFERENCES moatkit_refresh_sessions (session_id) ON DELETE CASCADE
) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS moatkit_one_time_tokens (
  token_hash ${HASH} NOT NULL PRIMARY KEY,
  purpose ${ID} NOT NULL,
  subject ${ID} NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT NULL,
  KEY moatkit_one_time_tokens_subject (purpose, subject),
  KEY moatkit_one_time_tokens_expires (expires_at)
) ${TABLE_OPTIONS}`,
  ],
};

const serverSessions: MysqlMigration = {
  module: "sessions",
  version: 2,
  name: "server-side sessions",
  // The subject index holds (subject, id_hash), so a user's rows read through it come in id
  // order; the two expiry indexes serve the clean-up (an index merge for its OR).
  statements: (d) => [
    `CREATE TABLE IF NOT EXISTS moatkit_server_sessions (
  id_hash ${HASH} NOT NULL PRIMARY KEY,
  subject ${ID} NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  idle_expires_at BIGINT NOT NULL,
  absolute_expires_at BIGINT NOT NULL,
  ip ${text(d)} NULL,
  user_agent ${text(d)} NULL,
  data ${text(d)} NOT NULL,
  KEY moatkit_server_sessions_subject (subject),
  KEY moatkit_server_sessions_idle (idle_expires_at),
  KEY moatkit_server_sessions_absolute (absolute_expires_at)
) ${TABLE_OPTIONS}`,
  ],
};

const apikeys: MysqlMigration = {
  module: "apikeys",
  version: 1,
  name: "create moatkit_api_keys",
  // The CHECK keeps anything but 64 lower-case hex digits out of key_hash, so a bug that tried
  // to store a plaintext key fails loudly (REGEXP is avoided: MySQL's refuses binary strings).
  statements: (d) => [
    `CREATE TABLE IF NOT EXISTS moatkit_api_keys (
  id ${ID} NOT NULL PRIMARY KEY,
  key_hash VARBINARY(64) NOT NULL,
  preview ${text(d)} NOT NULL,
  env VARBINARY(8) NOT NULL,
  owner_id ${ID} NOT NULL,
  tenant_id ${ID} NULL,
  name ${text(d)} NULL,
  scopes ${text(d)} NOT NULL,
  metadata ${text(d)} NOT NULL,
  redaction VARBINARY(8) NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NULL,
  revoked_at BIGINT NULL,
  last_used_at BIGINT NULL,
  predecessor_id ${ID} NULL,
  successor_id ${ID} NULL,
  UNIQUE KEY moatkit_api_keys_key_hash (key_hash),
  UNIQUE KEY moatkit_api_keys_predecessor (predecessor_id),
  KEY moatkit_api_keys_owner (owner_id, created_at, id),
  CONSTRAINT moatkit_api_keys_hash_hex CHECK (LENGTH(key_hash) = 64 AND UNHEX(key_hash) IS NOT NULL
    AND key_hash = CAST(LOWER(CAST(key_hash AS CHAR CHARACTER SET ascii)) AS BINARY)),
  CONSTRAINT moatkit_api_keys_env CHECK (env IN ('live', 'test')),
  CONSTRAINT moatkit_api_keys_redaction CHECK (redaction IN ('inherit', 'on', 'off'))
) ${TABLE_OPTIONS}`,
  ],
};

const mfa: MysqlMigration = {
  module: "mfa",
  version: 1,
  name: "TOTP steps and recovery codes",
  // moatkit_recovery_code_sets holds one row per user whose lock serialises replacements of
  // that user's set (MySQL has no transaction-scoped advisory locks).
  statements: () => [
    `CREATE TABLE IF NOT EXISTS moatkit_totp_steps (
  user_id ${ID} NOT NULL PRIMARY KEY,
  last_step BIGINT NOT NULL,
  CONSTRAINT moatkit_totp_steps_step CHECK (last_step >= 0)
) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS moatkit_recovery_code_sets (
  user_id ${ID} NOT NULL PRIMARY KEY,
  generation BIGINT NOT NULL
) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS moatkit_recovery_codes (
  user_id ${ID} NOT NULL,
  selector ${ID} NOT NULL,
  hash VARBINARY(255) NOT NULL,
  PRIMARY KEY (user_id, selector)
) ${TABLE_OPTIONS}`,
  ],
};

const crypto: MysqlMigration = {
  module: "crypto",
  version: 1,
  name: "data keys and the current key per scope",
  statements: () => [
    `CREATE TABLE IF NOT EXISTS moatkit_data_keys (
  id ${ID} NOT NULL PRIMARY KEY,
  scope ${ID} NOT NULL,
  master_key_id ${ID} NOT NULL,
  wrapped_key VARBINARY(1024) NOT NULL,
  created_at BIGINT NOT NULL,
  KEY moatkit_data_keys_scope (scope),
  KEY moatkit_data_keys_master_key (master_key_id)
) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS moatkit_data_key_current (
  scope ${ID} NOT NULL PRIMARY KEY,
  data_key_id ${ID} NOT NULL,
  CONSTRAINT moatkit_data_key_current_fk FOREIGN KEY (data_key_id)
    REFERENCES moatkit_data_keys (id) ON DELETE CASCADE
) ${TABLE_OPTIONS}`,
  ],
};

const cryptoProviderWraps: MysqlMigration = {
  module: "crypto",
  version: 2,
  name: "wrapped keys up to 2048 bytes (a key provider's ciphertext)",
  // A data key wrapped by a KMS is the provider's ciphertext, up to MAX_PROVIDER_CIPHERTEXT
  // (2048) bytes: an RSA-4096 wrap alone is 512. Widening a VARBINARY keeps every row as it is.
  statements: () => ["ALTER TABLE moatkit_data_keys MODIFY wrapped_key VARBINARY(2048) NOT NULL"],
};

const audit: MysqlMigration = {
  module: "audit",
  version: 1,
  name: "create moatkit_audit_events and moatkit_audit_anchors",
  // No roles and no triggers: MySQL roles are server-wide and creating triggers needs SUPER on a
  // MySQL with binary logging on. The append-only rule is kept by grants instead (the writer
  // account gets SELECT and INSERT only; see inspectMysqlAuditGrants), and the hash chain
  // reveals any edit made by an account that could.
  statements: (d) => [
    `CREATE TABLE IF NOT EXISTS moatkit_audit_events (
  org_id ${ID} NOT NULL,
  seq BIGINT NOT NULL,
  event_id ${ID} NOT NULL,
  at_ms BIGINT NOT NULL,
  actor_id ${ID} NOT NULL,
  impersonator_id ${ID} NULL,
  action ${ID} NOT NULL,
  target_type ${ID} NOT NULL,
  target_id ${ID} NOT NULL,
  body ${text(d)} NOT NULL,
  PRIMARY KEY (org_id, seq),
  KEY moatkit_audit_events_actor (org_id, actor_id, seq),
  KEY moatkit_audit_events_impersonator (org_id, impersonator_id, seq),
  KEY moatkit_audit_events_action (org_id, action, seq),
  KEY moatkit_audit_events_target (org_id, target_id, seq),
  KEY moatkit_audit_events_at (org_id, at_ms),
  CONSTRAINT moatkit_audit_events_seq CHECK (seq > 0)
) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS moatkit_audit_anchors (
  org_id ${ID} NOT NULL,
  seq BIGINT NOT NULL,
  hash VARBINARY(64) NOT NULL,
  jws ${text(d)} NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, seq),
  CONSTRAINT moatkit_audit_anchors_seq CHECK (seq > 0)
) ${TABLE_OPTIONS}`,
  ],
};

const ratelimit: MysqlMigration = {
  module: "ratelimit",
  version: 1,
  name: "fixed-window rate-limit counters",
  // Keys are stored as their SHA-256 (32 bytes): any key length fits, and nothing a limiter
  // keys on (an address, an email) is kept in clear.
  statements: () => [
    `CREATE TABLE IF NOT EXISTS moatkit_rate_limits (
  key_hash BINARY(32) NOT NULL PRIMARY KEY,
  consumed BIGINT NOT NULL,
  reset_at BIGINT NOT NULL,
  KEY moatkit_rate_limits_reset (reset_at)
) ${TABLE_OPTIONS}`,
  ],
};

/** Every moatkit module's schema steps for MySQL/MariaDB, in the order `migrateMysql` applies them. */
export const moatkitMysqlMigrations: readonly MysqlMigration[] = [
  sessions,
  serverSessions,
  apikeys,
  mfa,
  crypto,
  cryptoProviderWraps,
  audit,
  ratelimit,
];
