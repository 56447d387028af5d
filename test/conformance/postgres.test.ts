import { describe, it } from "vitest";
import { createPostgresRecoveryCodeStore, createPostgresTotpStepStore } from "../../src/adapters/postgres/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";

describePostgres("conformance", (target) => {
  // One migrated database per backend for the whole file; cases use random user ids.
  const client = useMigratedDatabase(target, { max: 20 });

  describeStoreConformance(
    `postgres (${target.kind})`,
    {
      totpSteps: () => createPostgresTotpStepStore({ client: client() }),
      recoveryCodes: () => createPostgresRecoveryCodeStore({ client: client() }),
    },
    { testApi: { describe, it } },
  );
});
