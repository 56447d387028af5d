/**
 * Redis-backed tests: `describeRedis` runs its body against REDIS_URL, skips with a stated
 * reason when it is not set, and fails (naming Redis) when MOATKIT_REQUIRE_SERVICES=1.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe } from "vitest";
import { describeUrl, describeWithoutService, envUrl } from "./services.js";

export interface RedisContext {
  /** The connected client (valid inside tests and hooks). */
  readonly redis: () => Redis;
  /** A key prefix unique to this describe block; everything under it is deleted afterwards. */
  readonly prefix: string;
}

const SKIP_REASON =
  "skipped: REDIS_URL is not set (run Redis and set REDIS_URL=redis://127.0.0.1:6379 to include these tests)";

export function describeRedis(name: string, body: (ctx: RedisContext) => void): void {
  const url = envUrl("REDIS_URL");
  if (url === undefined) {
    describeWithoutService(`${name} [redis]`, "Redis", "REDIS_URL", SKIP_REASON);
    return;
  }
  describe(`${name} [redis]`, () => {
    const prefix = `moatkit-test:${randomBytes(6).toString("hex")}:`;
    let client: Redis | undefined;
    beforeAll(async () => {
      const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      try {
        await c.connect();
        await c.ping();
      } catch (err) {
        c.disconnect();
        throw new Error(`Redis at ${describeUrl(url)} is not answering (REDIS_URL)`, { cause: err });
      }
      client = c;
    });
    afterAll(async () => {
      if (client === undefined) return;
      let cursor = "0";
      do {
        const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== "0");
      await client.quit();
    });
    body({
      prefix,
      redis: () => {
        if (client === undefined) throw new Error("Redis client used before beforeAll connected it");
        return client;
      },
    });
  });
}
