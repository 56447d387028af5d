/**
 * The Redis invalidation channel (pub/sub): two envelopes in what stand for two processes share a
 * data key store; one shreds a tenant and the other stops decrypting it at once.
 */
import type { Cluster, Redis } from "ioredis";
import { afterEach, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../../src/adapters/memory/index.js";
import { type RedisDataKeyInvalidation, createRedisDataKeyInvalidation } from "../../../src/adapters/redis/index.js";
import { createEnvelope } from "../../../src/crypto/index.js";
import { testKeyring } from "../../../src/testing/index.js";
import { expectMoatErrorAsync } from "../../helpers/assertions.js";
import { describeEveryRedis, duplicateConnection } from "../../helpers/redis.js";

const context = { table: "notes", column: "body", rowId: 1 };

describeEveryRedis("createRedisDataKeyInvalidation", ({ redis, prefix }) => {
  const opened: { channel: RedisDataKeyInvalidation; subscriber: Redis | Cluster }[] = [];
  afterEach(async () => {
    for (const { channel, subscriber } of opened.splice(0)) {
      await channel.close();
      subscriber.disconnect();
    }
  });

  async function open(): Promise<RedisDataKeyInvalidation> {
    const subscriber = duplicateConnection(redis());
    await subscriber.connect();
    const channel = await createRedisDataKeyInvalidation({
      redis: redis(),
      subscriber,
      channel: `${prefix}shredded`,
    });
    opened.push({ channel, subscriber });
    return channel;
  }

  /** Waits until `check` passes (pub/sub delivery is asynchronous), at most about two seconds. */
  async function eventually(check: () => Promise<boolean>): Promise<boolean> {
    for (let i = 0; i < 200; i++) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  it("tells another process's envelope to drop a shredded tenant's key before its cache expires", async () => {
    const store = createMemoryDataKeyStore();
    const a = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, invalidation: await open() });
    const b = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, invalidation: await open() });
    const token = await a.encrypt("x", { context, tenantId: "t1" });
    expect(await b.decryptString(token, { context, tenantId: "t1" })).toBe("x");
    await a.keys.shredTenant("t1");
    const gone = await eventually(async () => {
      try {
        await b.decrypt(token, { context, tenantId: "t1" });
        return false;
      } catch {
        return true;
      }
    });
    expect(gone).toBe(true);
    await expectMoatErrorAsync(b.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
  });

  it("stops delivering after close, and refuses unknown options", async () => {
    const channel = await open();
    const seen: string[] = [];
    const stop = channel.subscribe((scope) => seen.push(scope));
    await channel.publish("t1");
    expect(await eventually(() => Promise.resolve(seen.includes("t1")))).toBe(true);
    stop();
    await channel.publish("t2");
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(["t1"]);
    await expectMoatErrorAsync(
      createRedisDataKeyInvalidation({ redis: redis(), subscriber: redis(), chanel: "x" } as never),
      "ERR_CONFIG",
    );
  });
});
