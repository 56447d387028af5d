import { expect, it } from "vitest";
import { defineScript, runScript, type RedisLike } from "../../../src/adapters/redis/redis-client.js";
import { describeRedis } from "../../helpers/redis.js";

// Increments a counter and sets its expiry on first use, atomically.
const incrementWithTtl = defineScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
return n
`);

describeRedis("Redis script runner", ({ redis, prefix }) => {
  it("accepts an ioredis client as a RedisLike", async () => {
    const client: RedisLike = redis();
    await client.set(`${prefix}plain`, "v");
    expect(await client.get(`${prefix}plain`)).toBe("v");
    expect(await client.del(`${prefix}plain`)).toBe(1);
  });

  it("runs a script with EVALSHA, loading it with EVAL when the server does not have it", async () => {
    const key = `${prefix}counter`;
    await redis().script("FLUSH");
    expect(await runScript(redis(), incrementWithTtl, [key], [60_000])).toBe(1);
    expect(await runScript(redis(), incrementWithTtl, [key], [60_000])).toBe(2);
    const ttl = await redis().pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("is atomic under concurrency: 100 parallel increments give 1..100 exactly once", async () => {
    const key = `${prefix}race`;
    const results = await Promise.all(
      Array.from({ length: 100 }, () => runScript(redis(), incrementWithTtl, [key], [60_000])),
    );
    expect([...results].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it("passes script errors through", async () => {
    const bad = defineScript("return redis.call('NOSUCHCOMMAND')");
    await expect(runScript(redis(), bad, [])).rejects.toThrow();
  });
});
