import { afterAll, beforeAll, describe, it } from "vitest";
import { createPostgresOneTimeTokenStore, createPostgresRefreshSessionStore, migrate } from "../../src/adapters/postgres/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { describePostgres, type PostgresHandle } from "../helpers/postgres.js";

describePostgres("postgres stores", (target) => {
  let db: PostgresHandle | undefined;
  beforeAll(async () => {
    db = await target.connect({ max: 10 });
    await migrate(db.client);
  });
  afterAll(async () => db?.close());
  const client = () => {
    if (db === undefined) throw new Error("database used before beforeAll connected it");
    return db.client;
  };

  describeStoreConformance(
    target.kind,
    {
      refreshSessions: () => createPostgresRefreshSessionStore({ client: client() }),
      oneTimeTokens: () => createPostgresOneTimeTokenStore({ client: client() }),
    },
    { testApi: { describe, it } },
  );
});
