import type { Migration } from "../migrate.js";

/**
 * Tables of `moatkit/sessions`: refresh-token families with their tokens, one-time tokens, and
 * server-side sessions (by the SHA-256 of their id).
 * Tokens are stored only as SHA-256 hex. Claims are JSON text so every driver returns the
 * bytes that were written.
 */
export const sessionsMigrations: readonly Migration[] = [
  {
    module: "sessions",
    version: 1,
    name: "refresh sessions and one-time tokens",
    sql: `
CREATE TABLE moatkit_refresh_sessions (
  session_id text PRIMARY KEY,
  subject text NOT NULL,
  claims text NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  generation integer NOT NULL,
  head_hash text NOT NULL,
  head_expires_at timestamptz NOT NULL,
  prev_hash text,
  prev_used_at timestamptz,
  prev_nonce text
);
CREATE INDEX moatkit_refresh_sessions_subject_idx ON moatkit_refresh_sessions (subject);
CREATE INDEX moatkit_refresh_sessions_head_expires_idx ON moatkit_refresh_sessions (head_expires_at);

CREATE TABLE moatkit_refresh_tokens (
  token_hash text PRIMARY KEY,
  session_id text NOT NULL REFERENCES moatkit_refresh_sessions (session_id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE INDEX moatkit_refresh_tokens_session_idx ON moatkit_refresh_tokens (session_id);
CREATE INDEX moatkit_refresh_tokens_expires_idx ON moatkit_refresh_tokens (expires_at);

CREATE TABLE moatkit_one_time_tokens (
  token_hash text PRIMARY KEY,
  purpose text NOT NULL,
  subject text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX moatkit_one_time_tokens_subject_idx ON moatkit_one_time_tokens (purpose, subject);
CREATE INDEX moatkit_one_time_tokens_expires_idx ON moatkit_one_time_tokens (expires_at);
`,
  },
  {
    module: "sessions",
    version: 2,
    name: "server-side sessions",
    sql: `
CREATE TABLE moatkit_server_sessions (
  id_hash text PRIMARY KEY,
  subject text NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  idle_expires_at timestamptz NOT NULL,
  absolute_expires_at timestamptz NOT NULL,
  ip text,
  user_agent text,
  data text NOT NULL
);
CREATE INDEX moatkit_server_sessions_subject_idx ON moatkit_server_sessions (subject);
CREATE INDEX moatkit_server_sessions_idle_idx ON moatkit_server_sessions (idle_expires_at);
`,
  },
];
