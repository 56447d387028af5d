import { afterAll, beforeAll, describe, it } from "vitest";
import { createPostgresApiKeyStore, migrate } from "../../src/adapters/postgres/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { type PostgresHandle, describePostgres } from "../helpers/postgres.js";

describePostgres("store conformance", (target) => {
  let handle: PostgresHandle | undefined;
  beforeAll(async () => {
    handle = await target.connect({ max: 20 });
    await migrate(handle.client);
  });
  afterAll(async () => {
    await handle?.close();
  });
  const client = () => {
    if (handle === undefined) throw new Error("Postgres handle used before beforeAll connected it");
    return handle.client;
  };

  describeStoreConformance(
    `postgres (${target.kind})`,
    {
      apiKeys: () => createPostgresApiKeyStore({ client: client() }),
    },
    { testApi: { describe, it } },
  );
});
