import type { Migration } from "./migrate.js";
import { apiKeysMigrations } from "./migrations/apikeys.js";
import { sessionsMigrations } from "./migrations/sessions.js";
import { mfaMigrations } from "./migrations/mfa.js";
import { cryptoMigrations } from "./migrations/crypto.js";
import { auditMigrations } from "./migrations/audit.js";

/**
 * Every moatkit module's schema steps, in the order {@link migrate} applies them. Each module
 * that keeps data in Postgres contributes its steps here when it lands.
 */
export const moatkitMigrations: readonly Migration[] = [
  ...sessionsMigrations,
  ...apiKeysMigrations,
  ...mfaMigrations,
  ...cryptoMigrations,
  ...auditMigrations,
];
