import type { Migration } from "../migrate.js";

/** Schema of `moatkit/crypto`'s data key store. */
export const cryptoMigrations: readonly Migration[] = [
  {
    module: "crypto",
    version: 1,
    name: "data keys and the current key per scope",
    sql: `CREATE TABLE moatkit_data_keys (
  id text PRIMARY KEY,
  scope text NOT NULL,
  master_key_id text NOT NULL,
  wrapped_key bytea NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX moatkit_data_keys_scope ON moatkit_data_keys (scope);
CREATE INDEX moatkit_data_keys_master_key ON moatkit_data_keys (master_key_id);
CREATE TABLE moatkit_data_key_current (
  scope text PRIMARY KEY,
  data_key_id text NOT NULL REFERENCES moatkit_data_keys (id) ON DELETE CASCADE
);`,
  },
];
