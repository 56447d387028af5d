import { describe, it } from "vitest";
import {
  createPostgresApiKeyStore,
  createPostgresOneTimeTokenStore,
  createPostgresRefreshSessionStore,
} from "../../src/adapters/postgres/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { useMigratedDatabase } from "../helpers/migrated-postgres.js";
import { describePostgres } from "../helpers/postgres.js";

describePostgres("postgres stores", (target) => {
  // 50-way races need more connections than the default pool.
  const client = useMigratedDatabase(target, { max: 20 });
  describeStoreConformance(
    target.kind,
    {
      apiKeys: () => createPostgresApiKeyStore({ client: client() }),
      refreshSessions: () => createPostgresRefreshSessionStore({ client: client() }),
      oneTimeTokens: () => createPostgresOneTimeTokenStore({ client: client() }),
    },
    { testApi: { describe, it } },
  );
});
