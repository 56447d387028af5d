import { MoatError } from "../../errors.js";
import { type TotpStepStore, requireTotpStep } from "../../mfa/store.js";
import { defineScript, runScript } from "./redis-client.js";
import { type RedisStoreOptions, readRedisStoreOptions } from "./store-options.js";

/** Options for {@link createRedisTotpStepStore}. */
export type RedisTotpStepStoreOptions = RedisStoreOptions;

// Lua numbers are doubles, exact for every safe integer, so the comparison is exact.
const ADVANCE = defineScript(`local current = redis.call("GET", KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call("SET", KEYS[1], ARGV[1])
return 1`);

/**
 * A {@link TotpStepStore} in Redis: one string key per user (`<prefix>totp-step:<userId>`),
 * advanced by a Lua script so check and set are one atomic step. Keys do not expire.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { createRedisTotpStepStore } from "moatkit/adapters/redis";
 * const store = createRedisTotpStepStore({ redis: new Redis(process.env.REDIS_URL) });
 * ```
 */
export function createRedisTotpStepStore(options: RedisTotpStepStoreOptions): TotpStepStore {
  const { redis, prefix } = readRedisStoreOptions(options, "createRedisTotpStepStore");
  const keyOf = (userId: string): string => `${prefix}totp-step:${userId}`;
  return {
    async advanceTotpStep(userId, step) {
      requireTotpStep(step);
      const reply = await runScript(redis, ADVANCE, [keyOf(userId)], [String(step)]);
      return reply === 1;
    },
    async getLastTotpStep(userId) {
      const value = await redis.get(keyOf(userId));
      if (value === null) return null;
      const step = Number(value);
      if (!Number.isSafeInteger(step) || step < 0) {
        throw new MoatError("ERR_STORE", { message: "totpSteps store holds a value that is not a step" });
      }
      return step;
    },
  };
}
