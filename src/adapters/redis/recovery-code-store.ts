import { MoatError } from "../../errors.js";
import type { RecoveryCodeEntry, RecoveryCodeStore } from "../../mfa/store.js";
import { defineScript, runScript } from "./redis-client.js";
import { type RedisStoreOptions, readRedisStoreOptions } from "./store-options.js";

/** Options for {@link createRedisRecoveryCodeStore}. */
export type RedisRecoveryCodeStoreOptions = RedisStoreOptions;

const REPLACE = defineScript(`redis.call("DEL", KEYS[1])
if #ARGV > 0 then redis.call("HSET", KEYS[1], unpack(ARGV)) end
return 1`);
const FIND = defineScript(`return redis.call("HGET", KEYS[1], ARGV[1])`);
const CONSUME = defineScript(`if redis.call("HGET", KEYS[1], ARGV[1]) ~= ARGV[2] then return -1 end
redis.call("HDEL", KEYS[1], ARGV[1])
return redis.call("HLEN", KEYS[1])`);
const COUNT = defineScript(`return redis.call("HLEN", KEYS[1])`);

function count(reply: unknown): number {
  if (typeof reply !== "number" || !Number.isSafeInteger(reply)) {
    throw new MoatError("ERR_STORE", { message: "recoveryCodes store returned a malformed reply" });
  }
  return reply;
}

/**
 * A {@link RecoveryCodeStore} in Redis: one hash per user (`<prefix>recovery-codes:<userId>`,
 * selector → bcrypt hash). Replace and consume are each one Lua script, so atomic.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { createRedisRecoveryCodeStore } from "moatkit/adapters/redis";
 * const store = createRedisRecoveryCodeStore({ redis: new Redis(process.env.REDIS_URL) });
 * ```
 */
export function createRedisRecoveryCodeStore(options: RedisRecoveryCodeStoreOptions): RecoveryCodeStore {
  const { redis, prefix } = readRedisStoreOptions(options, "createRedisRecoveryCodeStore");
  const keyOf = (userId: string): string => `${prefix}recovery-codes:${userId}`;
  return {
    async replaceRecoveryCodes(userId, entries: readonly RecoveryCodeEntry[]) {
      const args = entries.flatMap((e) => [e.selector, e.hash]);
      await runScript(redis, REPLACE, [keyOf(userId)], args);
    },
    async findRecoveryCode(userId, selector) {
      const reply = await runScript(redis, FIND, [keyOf(userId)], [selector]);
      return typeof reply === "string" ? reply : null;
    },
    async consumeRecoveryCode(userId, selector, hash) {
      const reply = await runScript(redis, CONSUME, [keyOf(userId)], [selector, hash]);
      const remaining = count(reply);
      return remaining < 0 ? null : remaining;
    },
    async countRecoveryCodes(userId) {
      return count(await runScript(redis, COUNT, [keyOf(userId)]));
    },
  };
}
