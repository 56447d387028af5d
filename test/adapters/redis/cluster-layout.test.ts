/**
 * Issue 20 item 4: the Redis stores on Redis Cluster. Keys one script touches share a slot
 * (hash tags `{ott}`, `{rs}`, `{ss}` when the client is a Cluster or `hashTags` is set); on a
 * single node without `hashTags` the key names stay what they were, so an upgrade loses nothing.
 */
import { describe, expect, it } from "vitest";
import {
  createRedisOneTimeTokenStore,
  createRedisRefreshSessionStore,
  createRedisServerSessionStore,
  createRedisTotpStepStore,
} from "../../../src/adapters/redis/index.js";
import type { RedisLike } from "../../../src/adapters/redis/index.js";
import { expectMoatError } from "../../helpers/assertions.js";
import { describeRedis, describeRedisCluster } from "../../helpers/redis.js";

const HOUR = 3_600_000;

/** Writes one record to each store whose scripts touch several keys. */
async function writeOne(redis: RedisLike, keyPrefix: string, hashTags?: boolean): Promise<void> {
  const options = { redis, keyPrefix, ...(hashTags === undefined ? {} : { hashTags }) };
  const now = Date.now();
  await createRedisOneTimeTokenStore(options).createOneTimeToken({
    tokenHash: "ott1",
    purpose: "reset",
    subject: "u1",
    createdAt: now,
    expiresAt: now + HOUR,
  });
  await createRedisRefreshSessionStore(options).createRefreshSession({
    sessionId: "s1",
    subject: "u1",
    claimsJson: "{}",
    createdAt: now,
    tokenHash: "rt1",
    expiresAt: now + HOUR,
  });
  await createRedisServerSessionStore(options).createServerSession({
    idHash: "ss1",
    subject: "u1",
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: now + HOUR,
    absoluteExpiresAt: now + HOUR,
    ip: null,
    userAgent: null,
    dataJson: "{}",
  });
}

const LEGACY = ["ott:ott1", "ott:u:reset:u1", "rs:s:s1", "rs:t:rt1", "rs:u:u1", "ss:ss1", "ss:u:u1"];
const TAGGED = ["{ott}:ott1", "{ott}:u:reset:u1", "{rs}:s:s1", "{rs}:t:rt1", "{rs}:u:u1", "{ss}:ss1", "{ss}:u:u1"];

describeRedis("redis key layout, one node", ({ redis, prefix }) => {
  it("keeps the key names of earlier versions by default", async () => {
    await writeOne(redis(), `${prefix}a:`);
    for (const key of LEGACY) expect(await redis().exists(`${prefix}a:${key}`)).toBe(1);
  });

  it("writes the cluster layout with hashTags: true, ready to move to a cluster", async () => {
    await writeOne(redis(), `${prefix}b:`, true);
    for (const key of TAGGED) expect(await redis().exists(`${prefix}b:${key}`)).toBe(1);
    for (const key of LEGACY) expect(await redis().exists(`${prefix}b:${key}`)).toBe(0);
  });
});

describeRedisCluster("redis key layout, cluster", ({ redis, prefix }) => {
  it("tags every key group when given a Cluster, so each group lives in one slot", async () => {
    await writeOne(redis(), prefix);
    for (const key of TAGGED) expect(await redis().exists(`${prefix}${key}`)).toBe(1);
    const slots = new Set<unknown>();
    for (const key of TAGGED.filter((k) => k.startsWith("{rs}")))
      slots.add(await redis().cluster("KEYSLOT", `${prefix}${key}`));
    expect(slots.size).toBe(1);
  });

  it("fails with CROSSSLOT when told not to tag on a cluster (the layout earlier versions used)", async () => {
    await expect(writeOne(redis(), `${prefix}legacy:`, false)).rejects.toThrow(/CROSSSLOT/);
  });
});

describe("redis store options: hashTags", () => {
  const redis: RedisLike = {
    eval: () => Promise.resolve(null),
    evalsha: () => Promise.resolve(null),
    get: () => Promise.resolve(null),
    set: () => Promise.resolve(null),
    del: () => Promise.resolve(0),
    incr: () => Promise.resolve(0),
    pexpire: () => Promise.resolve(0),
    pttl: () => Promise.resolve(0),
  };
  it("refuses a hashTags that is not a boolean (ERR_CONFIG)", () => {
    for (const hashTags of ["yes", 1, null, {}])
      expectMoatError(() => createRedisTotpStepStore({ redis, hashTags } as never), "ERR_CONFIG");
  });
});
