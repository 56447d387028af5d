import { describe, it } from "vitest";
import { createRedisRecoveryCodeStore, createRedisTotpStepStore } from "../../src/adapters/redis/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { describeRedis } from "../helpers/redis.js";

describeRedis("conformance", ({ redis, prefix }) => {
  describeStoreConformance(
    "redis",
    {
      totpSteps: () => createRedisTotpStepStore({ redis: redis(), keyPrefix: prefix }),
      recoveryCodes: () => createRedisRecoveryCodeStore({ redis: redis(), keyPrefix: prefix }),
    },
    { testApi: { describe, it } },
  );
});
