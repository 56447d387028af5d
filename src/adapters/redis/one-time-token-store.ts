/**
 * One-time tokens in Redis. Consuming is one Lua script (check purpose, used, expiry; mark
 * used), so exactly one of N concurrent callers consumes.
 *
 * Keys (under `keyPrefix`): `ott:<tokenHash>` (hash) and `ott:u:<purpose>:<subject>` (set of
 * token hashes, for `deleteSubjectOneTimeTokens`). Keys expire on their own an hour after the
 * token does; `deleteExpiredOneTimeTokens` has nothing to do and returns 0.
 *
 * On Redis Cluster (`hashTags`) the group is `{ott}:` instead of `ott:`: the subject script
 * derives token keys from the set and a token is found by its hash alone, so every key of the
 * store must share one slot. The cluster then gives this store failover, not write sharding.
 */
import type {
  OneTimeTokenConsumeInput,
  OneTimeTokenConsumeOutcome,
  OneTimeTokenRecord,
  OneTimeTokenStore,
} from "../../sessions/one-time-token-store.js";
import { defineScript, runScript } from "./redis-client.js";
import { badReply, countReply, stringReply, textField } from "./script-reply.js";
import { type RedisStoreOptions, keyTtlMs, readRedisStoreOptions } from "./store-options.js";

/** Options for {@link createRedisOneTimeTokenStore}. */
export type RedisOneTimeTokenStoreOptions = RedisStoreOptions;

const STORE = "redis one-time token";

const saveScript = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('ERR duplicate one-time token') end
redis.call('HSET', KEYS[1], 'purpose', ARGV[1], 'sub', ARGV[2], 'exp', ARGV[3], 'used', '')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[5])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 1
`);

const consumeScript = defineScript(`
local f = redis.call('HMGET', KEYS[1], 'purpose', 'sub', 'exp', 'used')
if not f[1] or f[1] ~= ARGV[1] then return {'not_found'} end
if f[4] ~= '' then return {'used'} end
if tonumber(f[3]) <= tonumber(ARGV[2]) then return {'expired'} end
redis.call('HSET', KEYS[1], 'used', ARGV[2])
return {'consumed', f[2]}
`);

const deleteSubjectScript = defineScript(`
local count = 0
for _, hash in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  count = count + redis.call('DEL', ARGV[1] .. hash)
end
redis.call('DEL', KEYS[1])
return count
`);

/**
 * A {@link OneTimeTokenStore} on Redis.
 *
 * @example
 * ```ts
 * import { createRedisOneTimeTokenStore } from "moatkit/adapters/redis";
 * const resets = createOneTimeTokens({ store: createRedisOneTimeTokenStore({ redis }), purpose: "password-reset" });
 * ```
 */
export function createRedisOneTimeTokenStore(options: RedisOneTimeTokenStoreOptions): OneTimeTokenStore {
  const settings = readRedisStoreOptions(options, "createRedisOneTimeTokenStore");
  const { redis } = settings;
  const base = settings.base("ott");
  const tokenKey = (hash: string): string => `${base}${hash}`;
  const subjectKey = (purpose: string, subject: string): string => `${base}u:${purpose}:${subject}`;

  return {
    async createOneTimeToken(record: OneTimeTokenRecord): Promise<void> {
      const ttl = keyTtlMs(record.expiresAt, record.createdAt);
      await runScript(
        redis,
        saveScript,
        [tokenKey(record.tokenHash), subjectKey(record.purpose, record.subject)],
        [record.purpose, record.subject, String(record.expiresAt), ttl, record.tokenHash],
      );
    },

    async consumeOneTimeToken(input: OneTimeTokenConsumeInput): Promise<OneTimeTokenConsumeOutcome> {
      const reply = stringReply(
        await runScript(redis, consumeScript, [tokenKey(input.tokenHash)], [input.purpose, String(input.now)]),
        STORE,
      );
      const status = reply[0] ?? "";
      switch (status) {
        case "consumed":
          return { status, subject: textField(reply[1], STORE) };
        case "used":
        case "expired":
        case "not_found":
          return { status };
        default:
          return badReply(STORE);
      }
    },

    async deleteSubjectOneTimeTokens(purpose: string, subject: string): Promise<number> {
      return countReply(await runScript(redis, deleteSubjectScript, [subjectKey(purpose, subject)], [base]), STORE);
    },

    deleteExpiredOneTimeTokens(): Promise<number> {
      // Every key carries its own expiry.
      return Promise.resolve(0);
    },
  };
}
