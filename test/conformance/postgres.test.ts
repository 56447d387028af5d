import { afterAll, beforeAll, describe, it } from "vitest";
import { createPostgresDataKeyStore, migrate } from "../../src/adapters/postgres/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { type PostgresHandle, describePostgres } from "../helpers/postgres.js";

describePostgres("store conformance", (target) => {
  let handle: PostgresHandle | undefined;
  beforeAll(async () => {
    handle = await target.connect();
    await migrate(handle.client);
  });
  afterAll(async () => {
    await handle?.close();
  });
  const client = () => {
    if (handle === undefined) throw new Error("database not connected");
    return handle.client;
  };
  describeStoreConformance(target.kind, { dataKeys: () => createPostgresDataKeyStore({ client: client() }) }, { testApi: { describe, it } });
});
