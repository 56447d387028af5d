import { describe, it } from "vitest";
import { createPostgresOneTimeTokenStore, createPostgresRefreshSessionStore } from "../../src/adapters/postgres/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { useMigratedDatabase } from "../helpers/migrated-postgres.js";
import { describePostgres } from "../helpers/postgres.js";

describePostgres("postgres stores", (target) => {
  const client = useMigratedDatabase(target);
  describeStoreConformance(
    target.kind,
    {
      refreshSessions: () => createPostgresRefreshSessionStore({ client: client() }),
      oneTimeTokens: () => createPostgresOneTimeTokenStore({ client: client() }),
    },
    { testApi: { describe, it } },
  );
});
