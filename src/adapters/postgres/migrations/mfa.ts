import type { Migration } from "../migrate.js";

/** `moatkit/mfa`'s tables: the last accepted TOTP step per user, and unused recovery codes. */
export const mfaMigrations: readonly Migration[] = [
  {
    module: "mfa",
    version: 1,
    name: "TOTP steps and recovery codes",
    sql: `
CREATE TABLE moatkit_totp_steps (
  user_id text PRIMARY KEY,
  last_step bigint NOT NULL CHECK (last_step >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE moatkit_recovery_codes (
  user_id text NOT NULL,
  selector text NOT NULL,
  hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, selector)
);
`,
  },
];
