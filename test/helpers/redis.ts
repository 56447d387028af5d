/**
 * Redis-backed tests: `describeRedis` runs its body against REDIS_URL (a single node),
 * `describeRedisCluster` against REDIS_CLUSTER_URL (a seed node of a Redis Cluster, started by
 * scripts/redis-cluster.sh), and `describeEveryRedis` against both. Each skips with a stated
 * reason when its variable is not set, and fails (naming the service) when
 * MOATKIT_REQUIRE_SERVICES=1.
 */
import { randomBytes } from "node:crypto";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe } from "vitest";
import { describeUrl, describeWithoutService, envUrl } from "./services.js";

export interface RedisContext<Client extends Redis | Cluster = Redis> {
  /** The connected client (valid inside tests and hooks). */
  readonly redis: () => Client;
  /** A key prefix unique to this describe block; everything under it is deleted afterwards. */
  readonly prefix: string;
  /** Which deployment the client talks to. */
  readonly kind: "single" | "cluster";
}

const SKIP_REASON =
  "skipped: REDIS_URL is not set (run Redis and set REDIS_URL=redis://127.0.0.1:6379 to include these tests)";
const CLUSTER_SKIP_REASON =
  "skipped: REDIS_CLUSTER_URL is not set (run scripts/redis-cluster.sh start and set REDIS_CLUSTER_URL=redis://127.0.0.1:7001 to include these tests)";

/** A Redis Cluster client for the seed node in `url`, the way the tests configure it. */
export function connectCluster(url: string, lazyConnect = true): Cluster {
  const u = new URL(url);
  return new Cluster([{ host: u.hostname, port: Number(u.port === "" ? "6379" : u.port) }], {
    lazyConnect,
    redisOptions: { maxRetriesPerRequest: 1 },
  });
}

/**
 * A new, not yet connected client to the same deployment as `client` (a dedicated SUBSCRIBE
 * connection): `duplicate()` of a Redis, a cluster client of its own for a Cluster.
 */
export function duplicateConnection(client: Redis | Cluster): Redis | Cluster {
  return client instanceof Cluster
    ? client.duplicate(undefined, { lazyConnect: true, enableOfflineQueue: true })
    : client.duplicate({ lazyConnect: true, enableOfflineQueue: true });
}

async function deleteUnder(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    // One DEL per key: on a cluster node the keys of one scan page live in different slots.
    for (const key of keys) await client.del(key);
    cursor = next;
  } while (cursor !== "0");
}

function describeTarget<Client extends Redis | Cluster>(
  title: string,
  url: string,
  kind: "single" | "cluster",
  connect: () => Promise<Client>,
  body: (ctx: RedisContext<Client>) => void,
): void {
  describe(title, () => {
    const prefix = `moatkit-test:${randomBytes(6).toString("hex")}:`;
    let client: Client | undefined;
    beforeAll(async () => {
      try {
        client = await connect();
      } catch (err) {
        const variable = kind === "single" ? "REDIS_URL" : "REDIS_CLUSTER_URL";
        throw new Error(`Redis at ${describeUrl(url)} is not answering (${variable})`, { cause: err });
      }
    });
    afterAll(async () => {
      if (client === undefined) return;
      const nodes = client instanceof Cluster ? client.nodes("master") : [client];
      for (const node of nodes) if (node instanceof Redis) await deleteUnder(node, prefix);
      await client.quit();
    });
    body({
      prefix,
      kind,
      redis: () => {
        if (client === undefined) throw new Error("Redis client used before beforeAll connected it");
        return client;
      },
    });
  });
}

/** Connects a lazily created client and checks it answers; a client that does not is closed. */
async function connected<C extends Redis | Cluster>(c: C): Promise<C> {
  try {
    await c.connect();
    await c.ping();
  } catch (err) {
    c.disconnect();
    throw err;
  }
  return c;
}

/** Runs `body` against the single Redis node at REDIS_URL. */
export function describeRedis(name: string, body: (ctx: RedisContext) => void): void {
  const url = envUrl("REDIS_URL");
  if (url === undefined) {
    describeWithoutService(`${name} [redis]`, "Redis", "REDIS_URL", SKIP_REASON);
    return;
  }
  describeTarget(
    `${name} [redis]`,
    url,
    "single",
    () => connected(new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false })),
    body,
  );
}

/** Runs `body` against the Redis Cluster whose seed node is REDIS_CLUSTER_URL. */
export function describeRedisCluster(name: string, body: (ctx: RedisContext<Cluster>) => void): void {
  const url = envUrl("REDIS_CLUSTER_URL");
  if (url === undefined) {
    describeWithoutService(`${name} [redis-cluster]`, "Redis Cluster", "REDIS_CLUSTER_URL", CLUSTER_SKIP_REASON);
    return;
  }
  describeTarget(`${name} [redis-cluster]`, url, "cluster", () => connected(connectCluster(url)), body);
}

/** Runs `body` once against the single node and once against the cluster. */
export function describeEveryRedis(name: string, body: (ctx: RedisContext<Redis | Cluster>) => void): void {
  describeRedis(name, body);
  describeRedisCluster(name, body);
}
