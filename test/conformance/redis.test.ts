import { describe, it } from "vitest";
import { createRedisOneTimeTokenStore, createRedisRefreshSessionStore } from "../../src/adapters/redis/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { describeRedis } from "../helpers/redis.js";

describeRedis("redis stores", ({ redis, prefix }) => {
  describeStoreConformance(
    "redis",
    {
      refreshSessions: () => createRedisRefreshSessionStore({ redis: redis(), keyPrefix: prefix }),
      oneTimeTokens: () => createRedisOneTimeTokenStore({ redis: redis(), keyPrefix: prefix }),
    },
    { testApi: { describe, it } },
  );
});
