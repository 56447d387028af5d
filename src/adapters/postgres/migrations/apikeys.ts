import type { Migration } from "../migrate.js";

/**
 * The `moatkit_api_keys` table. The hash has a unique index (the one lookup `verify` makes) and
 * a CHECK that it is 64 lower-case hex digits, so a bug that tried to store a plaintext key
 * there fails loudly. A key has at most one successor: `predecessor_id` is unique too, a second
 * line of defence behind the conditional UPDATE that settles concurrent rotations. Ids use the
 * "C" collation so listings break ties in the same (code-unit) order on every database.
 */
export const apiKeysMigrations: readonly Migration[] = [
  {
    module: "apikeys",
    version: 1,
    name: "create moatkit_api_keys",
    sql: `
CREATE TABLE moatkit_api_keys (
  id text COLLATE "C" PRIMARY KEY,
  key_hash text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  preview text NOT NULL,
  env text NOT NULL CHECK (env IN ('live', 'test')),
  owner_id text NOT NULL,
  tenant_id text,
  name text,
  scopes text[] NOT NULL DEFAULT '{}',
  metadata jsonb NOT NULL DEFAULT '{}',
  redaction text NOT NULL DEFAULT 'inherit' CHECK (redaction IN ('inherit', 'on', 'off')),
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  predecessor_id text,
  successor_id text
);
CREATE UNIQUE INDEX moatkit_api_keys_key_hash_key ON moatkit_api_keys (key_hash);
CREATE UNIQUE INDEX moatkit_api_keys_predecessor_key ON moatkit_api_keys (predecessor_id) WHERE predecessor_id IS NOT NULL;
CREATE INDEX moatkit_api_keys_owner_idx ON moatkit_api_keys (owner_id, created_at, id);
`,
  },
];
