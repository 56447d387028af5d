/**
 * Refresh sessions in Redis. Each operation is one Lua script, so a rotation (check the family,
 * consume the head, install the successor) is atomic with respect to every other client.
 *
 * Keys (under `keyPrefix`): `rs:s:<sessionId>` (hash: the family), `rs:t:<tokenHash>`
 * ("<expiresAt>:<sessionId>", one per token ever issued, for reuse detection) and
 * `rs:u:<subject>` (set of session ids). Keys expire on their own shortly after the last token
 * they serve; `deleteExpiredRefreshSessions` has nothing to do and returns 0.
 *
 * On Redis Cluster (`hashTags`) the group is `{rs}:` instead of `rs:`: the scripts derive family
 * keys from stored values (a token is found by its hash alone), so every key of the store must
 * share one slot. The cluster then gives this store failover, not write sharding.
 */
import type {
  NewRefreshSession,
  RefreshSessionRecord,
  RefreshSessionStore,
  RefreshTokenRotateInput,
  RefreshTokenRotateOutcome,
} from "../../sessions/refresh-session-store.js";
import { defineScript, runScript } from "./redis-client.js";
import { badReply, countReply, numberField, stringReply, textField } from "./script-reply.js";
import { type RedisStoreOptions, keyTtlMs, readRedisStoreOptions } from "./store-options.js";

/** Options for {@link createRedisRefreshSessionStore}. */
export type RedisRefreshSessionStoreOptions = RedisStoreOptions;

const STORE = "redis refresh session";

// Replies: [status, sessionId, subject, claims, createdAt, revokedAt|"", generation, expiresAt, (successorHash, successorNonce)]
const FAMILY_FIELDS =
  "'sub', 'claims', 'created', 'revoked', 'gen', 'head', 'headExp', 'prev', 'prevUsed', 'prevNonce'";

const createScript = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return redis.error_reply('ERR duplicate session or token')
end
redis.call('HSET', KEYS[1], 'sub', ARGV[2], 'claims', ARGV[3], 'created', ARGV[4], 'revoked', '', 'gen', '1',
  'head', ARGV[5], 'headExp', ARGV[6], 'prev', '', 'prevUsed', '', 'prevNonce', '')
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('SET', KEYS[2], ARGV[6] .. ':' .. ARGV[1], 'PX', ARGV[7])
redis.call('SADD', KEYS[3], ARGV[1])
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[7]) then redis.call('PEXPIRE', KEYS[3], ARGV[7]) end
return 1
`);

const rotateScript = defineScript(`
local idx = redis.call('GET', KEYS[1])
if not idx then return {'not_found'} end
local sep = string.find(idx, ':', 1, true)
local tokenExp = tonumber(string.sub(idx, 1, sep - 1))
local sid = string.sub(idx, sep + 1)
local skey = ARGV[8] .. 's:' .. sid
local f = redis.call('HMGET', skey, ${FAMILY_FIELDS})
if not f[1] then return {'not_found'} end
local now = tonumber(ARGV[2])
if tokenExp <= now then return {'expired'} end
local function reply(status, revoked, gen, exp)
  return {status, sid, f[1], f[2], f[3], revoked, gen, exp}
end
if f[4] ~= '' then return reply('revoked', f[4], f[5], f[7]) end
if ARGV[1] == f[6] then
  local gen = tostring(tonumber(f[5]) + 1)
  redis.call('HSET', skey, 'gen', gen, 'head', ARGV[4], 'headExp', ARGV[6], 'prev', ARGV[1], 'prevUsed', ARGV[2], 'prevNonce', ARGV[5])
  redis.call('SET', KEYS[2], ARGV[6] .. ':' .. sid, 'PX', ARGV[7])
  local ttl = tonumber(ARGV[7])
  if redis.call('PTTL', skey) < ttl then redis.call('PEXPIRE', skey, ttl) end
  local ukey = ARGV[8] .. 'u:' .. f[1]
  if redis.call('PTTL', ukey) < ttl then redis.call('PEXPIRE', ukey, ttl) end
  return reply('rotated', '', gen, ARGV[6])
end
if f[8] ~= '' and ARGV[1] == f[8] and now < tonumber(f[9]) + tonumber(ARGV[3]) then
  local r = reply('overlap', '', f[5], f[7])
  r[9] = f[6]
  r[10] = f[10]
  return r
end
redis.call('HSET', skey, 'revoked', ARGV[2])
return reply('reused', ARGV[2], f[5], f[7])
`);

const getScript = defineScript(`
local f = redis.call('HMGET', KEYS[1], ${FAMILY_FIELDS})
if not f[1] then return {'not_found'} end
return {'found', ARGV[1], f[1], f[2], f[3], f[4], f[5], f[7]}
`);

const revokeScript = defineScript(`
if redis.call('HGET', KEYS[1], 'revoked') == '' then
  redis.call('HSET', KEYS[1], 'revoked', ARGV[1])
  return 1
end
return 0
`);

const revokeSubjectScript = defineScript(`
local count = 0
for _, sid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local skey = ARGV[2] .. 's:' .. sid
  local revoked = redis.call('HGET', skey, 'revoked')
  if not revoked then
    redis.call('SREM', KEYS[1], sid)
  elseif revoked == '' then
    redis.call('HSET', skey, 'revoked', ARGV[1])
    count = count + 1
  end
end
return count
`);

function toRecord(reply: readonly string[]): RefreshSessionRecord {
  const [, sessionId, subject, claimsJson, createdAt, revokedAt, generation, expiresAt] = reply;
  return {
    sessionId: textField(sessionId, STORE),
    subject: textField(subject, STORE),
    claimsJson: textField(claimsJson, STORE),
    createdAt: numberField(createdAt, STORE),
    revokedAt: revokedAt === "" ? null : numberField(revokedAt, STORE),
    generation: numberField(generation, STORE),
    expiresAt: numberField(expiresAt, STORE),
  };
}

/**
 * A {@link RefreshSessionStore} on Redis.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { createRedisRefreshSessionStore } from "moatkit/adapters/redis";
 * const store = createRedisRefreshSessionStore({ redis: new Redis(process.env.REDIS_URL) });
 * ```
 */
export function createRedisRefreshSessionStore(options: RedisRefreshSessionStoreOptions): RefreshSessionStore {
  const settings = readRedisStoreOptions(options, "createRedisRefreshSessionStore");
  const { redis } = settings;
  const base = settings.base("rs");
  const sessionKey = (sessionId: string): string => `${base}s:${sessionId}`;
  const tokenKey = (hash: string): string => `${base}t:${hash}`;
  const subjectKey = (subject: string): string => `${base}u:${subject}`;

  return {
    async createRefreshSession(session: NewRefreshSession): Promise<void> {
      const ttl = keyTtlMs(session.expiresAt, session.createdAt);
      await runScript(
        redis,
        createScript,
        [sessionKey(session.sessionId), tokenKey(session.tokenHash), subjectKey(session.subject)],
        [
          session.sessionId,
          session.subject,
          session.claimsJson,
          String(session.createdAt),
          session.tokenHash,
          String(session.expiresAt),
          ttl,
        ],
      );
    },

    async rotateRefreshToken(input: RefreshTokenRotateInput): Promise<RefreshTokenRotateOutcome> {
      const { successor } = input;
      const ttl = keyTtlMs(successor.expiresAt, input.now);
      const reply = stringReply(
        await runScript(
          redis,
          rotateScript,
          [tokenKey(input.tokenHash), tokenKey(successor.tokenHash)],
          [
            input.tokenHash,
            String(input.now),
            input.overlapMs,
            successor.tokenHash,
            successor.nonce,
            String(successor.expiresAt),
            ttl,
            base,
          ],
        ),
        STORE,
      );
      const status = reply[0] ?? "";
      switch (status) {
        case "not_found":
        case "expired":
          return { status };
        case "rotated":
        case "reused":
        case "revoked":
          return { status, session: toRecord(reply) };
        case "overlap":
          return {
            status,
            session: toRecord(reply),
            successorHash: textField(reply[8], STORE),
            successorNonce: textField(reply[9], STORE),
          };
        default:
          return badReply(STORE);
      }
    },

    async getRefreshSession(sessionId: string): Promise<RefreshSessionRecord | null> {
      const reply = stringReply(await runScript(redis, getScript, [sessionKey(sessionId)], [sessionId]), STORE);
      return reply[0] === "found" ? toRecord(reply) : null;
    },

    async revokeRefreshSession(sessionId: string, at: number): Promise<boolean> {
      return countReply(await runScript(redis, revokeScript, [sessionKey(sessionId)], [String(at)]), STORE) === 1;
    },

    async revokeSubjectRefreshSessions(subject: string, at: number): Promise<number> {
      return countReply(await runScript(redis, revokeSubjectScript, [subjectKey(subject)], [String(at), base]), STORE);
    },

    deleteExpiredRefreshSessions(): Promise<number> {
      // Every key carries its own expiry.
      return Promise.resolve(0);
    },
  };
}
