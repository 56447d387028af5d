import { describe, it } from "vitest";
import {
  createPostgresApiKeyStore,
  createPostgresAuditStore,
  createPostgresDataKeyStore,
  createPostgresOneTimeTokenStore,
  createPostgresServerSessionStore,
  createPostgresRecoveryCodeStore,
  createPostgresRefreshSessionStore,
  createPostgresTotpStepStore,
} from "../../src/adapters/postgres/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";

describePostgres("postgres stores", (target) => {
  // One migrated database per backend for the whole file; cases use random ids. 50-way races
  // need more connections than the default pool.
  const client = useMigratedDatabase(target, { max: 20 });
  describeStoreConformance(
    target.kind,
    {
      apiKeys: () => createPostgresApiKeyStore({ client: client() }),
      dataKeys: () => createPostgresDataKeyStore({ client: client() }),
      refreshSessions: () => createPostgresRefreshSessionStore({ client: client() }),
      oneTimeTokens: () => createPostgresOneTimeTokenStore({ client: client() }),
      serverSessions: () => createPostgresServerSessionStore({ client: client() }),
      totpSteps: () => createPostgresTotpStepStore({ client: client() }),
      recoveryCodes: () => createPostgresRecoveryCodeStore({ client: client() }),
      audit: () => createPostgresAuditStore({ client: client() }),
    },
    { testApi: { describe, it } },
  );
});
