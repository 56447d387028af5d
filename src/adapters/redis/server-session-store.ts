/**
 * Server-side sessions in Redis. Every operation is one Lua script, so each is atomic with
 * respect to every other client; "delete the others" checks the caller's own session and deletes
 * the rest in the same script, so of several sessions calling it at once exactly one survives.
 *
 * Keys (under `keyPrefix`): `ss:<idHash>` (hash: sub, created, seen, idle, abs, ip, ua, data) and
 * `ss:u:<subject>` (set of id hashes). A session key expires on its own an hour after its idle
 * expiry (moved on every touch); `deleteExpiredServerSessions` has nothing to do and returns 0.
 *
 * On Redis Cluster (`hashTags`) the group is `{ss}:` instead of `ss:`: the scripts derive session
 * keys from the subject's set, and "delete the others" must check and delete in one script, so
 * every key of the store shares one slot. The cluster then gives this store failover, not write
 * sharding.
 */
import type {
  ServerSessionDeleteOthersInput,
  ServerSessionRecord,
  ServerSessionRekeyInput,
  ServerSessionStore,
  ServerSessionTouchInput,
} from "../../sessions/server-session-store.js";
import { defineScript, runScript } from "./redis-client.js";
import { badReply, countReply, numberField, stringReply, textField } from "./script-reply.js";
import { type RedisStoreOptions, keyTtlMs, readRedisStoreOptions } from "./store-options.js";

/** Options for {@link createRedisServerSessionStore}. */
export type RedisServerSessionStoreOptions = RedisStoreOptions;

const STORE = "redis server session";
const FIELDS = 9;

// Shared Lua: the fields of a session in reply order (id hash first), and liveness at ARGV time.
const READ = `
local function read(key, id)
  local f = redis.call('HMGET', key, 'sub', 'created', 'seen', 'idle', 'abs', 'ip', 'ua', 'data')
  if not f[1] then return nil end
  return {id, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]}
end
local function live(r, now)
  return tonumber(r[5]) > tonumber(now) and tonumber(r[6]) > tonumber(now)
end
`;

const createScript = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('ERR duplicate server session') end
redis.call('HSET', KEYS[1], 'sub', ARGV[1], 'created', ARGV[2], 'seen', ARGV[3], 'idle', ARGV[4], 'abs', ARGV[5],
  'ip', ARGV[6], 'ua', ARGV[7], 'data', ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[9])
redis.call('SADD', KEYS[2], ARGV[10])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[11]) then redis.call('PEXPIRE', KEYS[2], ARGV[11]) end
return 1
`);

const getScript = defineScript(`${READ}
return read(KEYS[1], ARGV[1]) or {}
`);

const touchScript = defineScript(`${READ}
local r = read(KEYS[1], '')
if not r or not live(r, ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seen', ARGV[1], 'idle', ARGV[2], 'ip', ARGV[3], 'ua', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`);

const rekeyScript = defineScript(`${READ}
local r = read(KEYS[1], ARGV[5])
if not r or not live(r, ARGV[1]) then return {} end
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.error_reply('ERR duplicate server session') end
redis.call('HSET', KEYS[2], 'sub', r[2], 'created', r[3], 'seen', ARGV[1], 'idle', ARGV[2], 'abs', r[6],
  'ip', r[7], 'ua', r[8], 'data', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('DEL', KEYS[1])
local set = ARGV[6] .. 'u:' .. r[2]
redis.call('SREM', set, ARGV[7])
redis.call('SADD', set, ARGV[5])
return {ARGV[5], r[2], r[3], ARGV[1], ARGV[2], r[6], r[7], r[8], ARGV[3]}
`);

const deleteScript = defineScript(`
local sub = redis.call('HGET', KEYS[1], 'sub')
if not sub then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[1] .. 'u:' .. sub, ARGV[2])
return 1
`);

const listScript = defineScript(`${READ}
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local r = read(ARGV[2] .. id, id)
  if not r then
    redis.call('SREM', KEYS[1], id)
  elseif live(r, ARGV[1]) then
    for _, v in ipairs(r) do out[#out + 1] = v end
  end
end
return out
`);

const deleteSubjectScript = defineScript(`
local count = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  count = count + redis.call('DEL', ARGV[1] .. id)
end
redis.call('DEL', KEYS[1])
return count
`);

const deleteOthersScript = defineScript(`${READ}
local keep = read(ARGV[3] .. ARGV[1], ARGV[1])
if not keep or keep[2] ~= ARGV[4] or not live(keep, ARGV[2]) then return -1 end
local count = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if id ~= ARGV[1] then
    count = count + redis.call('DEL', ARGV[3] .. id)
    redis.call('SREM', KEYS[1], id)
  end
end
return count
`);

/** null ↔ "", text ↔ "=" + text: a hash field cannot hold a null. */
const encode = (value: string | null): string => (value === null ? "" : `=${value}`);
const decode = (value: string): string | null => (value === "" ? null : value.slice(1));

function toRecords(reply: unknown): ServerSessionRecord[] {
  const fields = stringReply(reply, STORE);
  if (fields.length % FIELDS !== 0) badReply(STORE);
  const out: ServerSessionRecord[] = [];
  for (let i = 0; i < fields.length; i += FIELDS) {
    const f = fields.slice(i, i + FIELDS);
    out.push({
      idHash: textField(f[0], STORE),
      subject: textField(f[1], STORE),
      createdAt: numberField(f[2], STORE),
      lastSeenAt: numberField(f[3], STORE),
      idleExpiresAt: numberField(f[4], STORE),
      absoluteExpiresAt: numberField(f[5], STORE),
      ip: decode(textField(f[6], STORE)),
      userAgent: decode(textField(f[7], STORE)),
      dataJson: textField(f[8], STORE),
    });
  }
  return out;
}

/**
 * A {@link ServerSessionStore} on Redis.
 *
 * @example
 * ```ts
 * import { createRedisServerSessionStore } from "moatkit/adapters/redis";
 * const sessions = createServerSessions({ store: createRedisServerSessionStore({ redis }), secrets: [cookieKey] });
 * ```
 */
export function createRedisServerSessionStore(options: RedisServerSessionStoreOptions): ServerSessionStore {
  const settings = readRedisStoreOptions(options, "createRedisServerSessionStore");
  const { redis } = settings;
  const base = settings.base("ss");
  const sessionKey = (idHash: string): string => `${base}${idHash}`;
  const subjectKey = (subject: string): string => `${base}u:${subject}`;

  return {
    async createServerSession(r: ServerSessionRecord): Promise<void> {
      const keyTtl = keyTtlMs(r.idleExpiresAt, r.lastSeenAt);
      await runScript(
        redis,
        createScript,
        [sessionKey(r.idHash), subjectKey(r.subject)],
        [
          r.subject,
          String(r.createdAt),
          String(r.lastSeenAt),
          String(r.idleExpiresAt),
          String(r.absoluteExpiresAt),
          encode(r.ip),
          encode(r.userAgent),
          r.dataJson,
          keyTtl,
          r.idHash,
          keyTtlMs(r.absoluteExpiresAt, r.lastSeenAt),
        ],
      );
    },

    async getServerSession(idHash: string): Promise<ServerSessionRecord | null> {
      return toRecords(await runScript(redis, getScript, [sessionKey(idHash)], [idHash]))[0] ?? null;
    },

    async touchServerSession(input: ServerSessionTouchInput): Promise<boolean> {
      const reply = await runScript(
        redis,
        touchScript,
        [sessionKey(input.idHash)],
        [
          String(input.now),
          String(input.idleExpiresAt),
          encode(input.ip),
          encode(input.userAgent),
          keyTtlMs(input.idleExpiresAt, input.now),
        ],
      );
      return countReply(reply, STORE) === 1;
    },

    async rekeyServerSession(input: ServerSessionRekeyInput): Promise<ServerSessionRecord | null> {
      const reply = await runScript(
        redis,
        rekeyScript,
        [sessionKey(input.idHash), sessionKey(input.newIdHash)],
        [
          String(input.now),
          String(input.idleExpiresAt),
          input.dataJson,
          keyTtlMs(input.idleExpiresAt, input.now),
          input.newIdHash,
          base,
          input.idHash,
        ],
      );
      return toRecords(reply)[0] ?? null;
    },

    async deleteServerSession(idHash: string): Promise<boolean> {
      return countReply(await runScript(redis, deleteScript, [sessionKey(idHash)], [base, idHash]), STORE) === 1;
    },

    async listSubjectServerSessions(subject: string, now: number): Promise<ServerSessionRecord[]> {
      const records = toRecords(await runScript(redis, listScript, [subjectKey(subject)], [String(now), base]));
      return records.sort((a, b) => a.createdAt - b.createdAt || (a.idHash < b.idHash ? -1 : 1));
    },

    async deleteSubjectServerSessions(subject: string): Promise<number> {
      return countReply(await runScript(redis, deleteSubjectScript, [subjectKey(subject)], [base]), STORE);
    },

    async deleteOtherServerSessions(input: ServerSessionDeleteOthersInput): Promise<number | null> {
      const reply = await runScript(
        redis,
        deleteOthersScript,
        [subjectKey(input.subject)],
        [input.keepIdHash, String(input.now), base, input.subject],
      );
      if (reply === -1) return null;
      return countReply(reply, STORE);
    },

    deleteExpiredServerSessions(): Promise<number> {
      // Every session key carries its own expiry.
      return Promise.resolve(0);
    },
  };
}
