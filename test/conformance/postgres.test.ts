import { afterAll, beforeAll, describe, it } from "vitest";
import {
  createPostgresRecoveryCodeStore,
  createPostgresTotpStepStore,
  migrate,
  type SqlClient,
} from "../../src/adapters/postgres/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { type PostgresHandle, describePostgres } from "../helpers/postgres.js";

describePostgres("conformance", (target) => {
  // One migrated database per backend for the whole file; cases use random user ids.
  let handle: PostgresHandle | undefined;
  beforeAll(async () => {
    handle = await target.connect({ max: 20 });
    await migrate(handle.client);
  });
  afterAll(async () => {
    await handle?.close();
  });
  const client = (): SqlClient => {
    if (handle === undefined) throw new Error("database not connected");
    return handle.client;
  };

  describeStoreConformance(
    `postgres (${target.kind})`,
    {
      totpSteps: () => createPostgresTotpStepStore({ client: client() }),
      recoveryCodes: () => createPostgresRecoveryCodeStore({ client: client() }),
    },
    { testApi: { describe, it } },
  );
});
