import { describe, it } from "vitest";
import {
  createRedisOneTimeTokenStore,
  createRedisServerSessionStore,
  createRedisRateLimitStore,
  createRedisRecoveryCodeStore,
  createRedisRefreshSessionStore,
  createRedisTotpStepStore,
} from "../../src/adapters/redis/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { describeEveryRedis } from "../helpers/redis.js";

describeEveryRedis("redis stores", ({ redis, prefix }) => {
  describeStoreConformance(
    "redis",
    {
      refreshSessions: () => createRedisRefreshSessionStore({ redis: redis(), keyPrefix: prefix }),
      oneTimeTokens: () => createRedisOneTimeTokenStore({ redis: redis(), keyPrefix: prefix }),
      serverSessions: () => createRedisServerSessionStore({ redis: redis(), keyPrefix: prefix }),
      totpSteps: () => createRedisTotpStepStore({ redis: redis(), keyPrefix: prefix }),
      recoveryCodes: () => createRedisRecoveryCodeStore({ redis: redis(), keyPrefix: prefix }),
      rateLimits: () => createRedisRateLimitStore({ redis: redis(), keyPrefix: prefix }),
    },
    { testApi: { describe, it } },
  );
});
