import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  createRedisOneTimeTokenStore,
  createRedisRateLimitStore,
  createRedisRecoveryCodeStore,
  createRedisRefreshSessionStore,
  createRedisTotpStepStore,
} from "../../../src/adapters/redis/index.js";
import { expectMoatError } from "../../helpers/assertions.js";

// Construction only reads options and sends no command: a client that never connects suffices.
const redis = new Redis({ lazyConnect: true });
afterAll(() => {
  redis.disconnect();
});

const FACTORIES = {
  createRedisOneTimeTokenStore,
  createRedisRateLimitStore,
  createRedisRecoveryCodeStore,
  createRedisRefreshSessionStore,
  createRedisTotpStepStore,
} as const;

const configMessage = (fn: () => unknown): string => expectMoatError(fn, "ERR_CONFIG").message;

describe("Redis store options", () => {
  for (const [name, create] of Object.entries(FACTORIES)) {
    it(`${name} reads its options like every other Redis store`, () => {
      expect(() => create({ redis })).not.toThrow();
      expect(() => create({ redis, keyPrefix: "app:" })).not.toThrow();
      expect(configMessage(() => create({ redis, keyPrefix: "x".repeat(129) }))).toBe(
        `${name} options: keyPrefix must be a string of at most 128 characters`,
      );
      expect(configMessage(() => create({ redis, keyPrefix: 7 } as never))).toContain("keyPrefix");
      expect(configMessage(() => create({ redis, keyprefix: "a:" } as never))).toBe(
        `${name} options: unknown option "keyprefix"; did you mean "keyPrefix"?`,
      );
    });
  }
});
