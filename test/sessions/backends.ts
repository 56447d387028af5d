/**
 * Runs a block of tests once per store backend: memory, Postgres (PGlite, and the server when
 * DATABASE_URL is set) and Redis (when REDIS_URL is set; see test/helpers).
 */
import { describe } from "vitest";
import { createMemoryOneTimeTokenStore, createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import {
  createPostgresOneTimeTokenStore,
  createPostgresRefreshSessionStore,
} from "../../src/adapters/postgres/index.js";
import { createRedisOneTimeTokenStore, createRedisRefreshSessionStore } from "../../src/adapters/redis/index.js";
import type { OneTimeTokenStore, RefreshSessionStore } from "../../src/sessions/index.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";
import { describeEveryRedis } from "../helpers/redis.js";

export interface Stores {
  refreshSessions(): RefreshSessionStore;
  oneTimeTokens(): OneTimeTokenStore;
}

export function describeEachBackend(title: string, body: (stores: Stores) => void): void {
  describe(`${title} [memory]`, () => {
    body({
      refreshSessions: () => createMemoryRefreshSessionStore(),
      oneTimeTokens: () => createMemoryOneTimeTokenStore(),
    });
  });

  describePostgres(title, (target) => {
    const client = useMigratedDatabase(target);
    body({
      refreshSessions: () => createPostgresRefreshSessionStore({ client: client() }),
      oneTimeTokens: () => createPostgresOneTimeTokenStore({ client: client() }),
    });
  });

  describeEveryRedis(title, ({ redis, prefix }) => {
    body({
      refreshSessions: () => createRedisRefreshSessionStore({ redis: redis(), keyPrefix: prefix }),
      oneTimeTokens: () => createRedisOneTimeTokenStore({ redis: redis(), keyPrefix: prefix }),
    });
  });
}
