/**
 * Issue 20 item 5: two instances (two API-key managers, two token verifiers, two envelopes) over
 * the same stores, each with its own invalidation channel connection. A revoke or shred on A makes
 * B refuse at once, long before B's cache would expire; an instance without the channel (the old
 * behaviour) keeps accepting from its cache, which is the attack this closes. On Redis the suite
 * runs on a single node and on a Redis Cluster.
 */
import type { Cluster, Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import {
  createMemoryApiKeyStore,
  createMemoryDataKeyStore,
  createMemoryInvalidationChannel,
  createMemoryRefreshSessionStore,
} from "../../src/adapters/memory/index.js";
import { type RedisInvalidationChannel, createRedisInvalidationChannel } from "../../src/adapters/redis/index.js";
import { type ApiKeyStore, type ApiKeys, createApiKeys } from "../../src/apikeys/index.js";
import {
  type AccessTokenClaims,
  type InvalidationChannel,
  type RefreshSessionStore,
  createSessions,
  createTokens,
} from "../../src/sessions/index.js";
import { type DataKeyStore, type Envelope, createEnvelope } from "../../src/crypto/index.js";
import { fakeClock, testKeyring } from "../../src/testing/index.js";
import { describeEveryRedis, duplicateConnection } from "../helpers/redis.js";
import { AUDIENCE, ISSUER, hsKeySet } from "../sessions/helpers.js";

interface Harness {
  /** A channel for one more instance (its own connection on Redis). */
  channel(): Promise<InvalidationChannel>;
  /** Waits until `check` holds; messages cross Redis asynchronously, memory delivers at once. */
  eventually(check: () => Promise<boolean>): Promise<boolean>;
}

async function poll(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** An API-key store that counts lookups by hash, so a test can see whether a verify was cached. */
function countingApiKeyStore(): { store: ApiKeyStore; reads: () => number } {
  const inner = createMemoryApiKeyStore();
  let reads = 0;
  const store: ApiKeyStore = {
    ...inner,
    findApiKeyByHash: (hash) => {
      reads += 1;
      return inner.findApiKeyByHash(hash);
    },
  };
  return { store, reads: () => reads };
}

/** A data key store that counts reads by id, so a test can see whether a decrypt was cached. */
function countingDataKeyStore(): { store: DataKeyStore; reads: () => number } {
  const inner = createMemoryDataKeyStore();
  let reads = 0;
  const store: DataKeyStore = {
    ...inner,
    getDataKey: (id) => {
      reads += 1;
      return inner.getDataKey(id);
    },
  };
  return { store, reads: () => reads };
}

const context = { table: "notes", column: "body", rowId: 1 };

/** Whether `envelope` refuses `token` of tenant `tenantId` (a shredded key: ERR_KEY_NOT_FOUND). */
async function refuses(envelope: Envelope, token: string, tenantId: string): Promise<boolean> {
  try {
    await envelope.decrypt(token, { context, tenantId });
    return false;
  } catch (err) {
    return (err as { code?: unknown }).code === "ERR_KEY_NOT_FOUND";
  }
}

function twoInstanceSuite(h: () => Harness): void {
  describe("data keys (shredTenant)", () => {
    async function instances() {
      const { store, reads } = countingDataKeyStore();
      const make = async (withChannel: boolean): Promise<Envelope> =>
        createEnvelope({
          keyring: testKeyring(["k1"]),
          dataKeys: store,
          cacheTtl: "1h",
          ...(withChannel ? { invalidation: await h().channel() } : {}),
        });
      return { a: await make(true), b: await make(true), lone: await make(false), reads };
    }

    it("a tenant shredded on A is refused on B at once, though B had its key cached for an hour", async () => {
      const { a, b, lone, reads } = await instances();
      const token = await a.encrypt("secret", { context, tenantId: "t1" });
      const other = await a.encrypt("kept", { context, tenantId: "t2" });
      expect(await b.decryptString(token, { context, tenantId: "t1" })).toBe("secret");
      expect(await b.decryptString(other, { context, tenantId: "t2" })).toBe("kept");
      expect(await lone.decryptString(token, { context, tenantId: "t1" })).toBe("secret");
      const before = reads();
      expect(await b.decryptString(token, { context, tenantId: "t1" })).toBe("secret");
      expect(reads()).toBe(before); // B really serves t1's key from its cache
      await a.keys.shredTenant("t1");
      expect(await h().eventually(() => refuses(b, token, "t1"))).toBe(true);
      // Without the channel an instance keeps decrypting a shredded tenant until cacheTtl.
      expect(await lone.decryptString(token, { context, tenantId: "t1" })).toBe("secret");
      // Only t1 went: t2 is still served from B's cache.
      const beforeOther = reads();
      expect(await b.decryptString(other, { context, tenantId: "t2" })).toBe("kept");
      expect(reads()).toBe(beforeOther);
    });
  });

  it("carries a shred, an API-key revoke and a session revoke over one channel per instance", async () => {
    const clock = fakeClock();
    const apiKeyStore = createMemoryApiKeyStore();
    const { store: dataKeys } = countingDataKeyStore();
    const sessionStore = createMemoryRefreshSessionStore();
    const revalidate = async (claims: AccessTokenClaims): Promise<boolean> => {
      if (typeof claims.sid !== "string") return false;
      const session = await sessionStore.getRefreshSession(claims.sid);
      return session !== null && session.revokedAt === null;
    };
    const instance = async () => {
      const invalidation = await h().channel(); // one channel (one connection on Redis) for all three
      const tokens = createTokens({
        keys: hsKeySet("hs-1", clock),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: clock.now,
        revalidate,
        revalidateCache: "5m",
        invalidation,
      });
      return {
        apiKeys: createApiKeys({ prefix: "acme", store: apiKeyStore, now: clock.now, verifyCache: "1h", invalidation }),
        envelope: createEnvelope({ keyring: testKeyring(["k1"]), dataKeys, cacheTtl: "1h", invalidation }),
        sessions: createSessions({ tokens, store: sessionStore }),
        tokens,
      };
    };
    const a = await instance();
    const b = await instance();
    const { key, record } = await a.apiKeys.issue({ ownerId: "u1", env: "live" });
    const session = await a.sessions.start("user_1");
    const token = await a.envelope.encrypt("secret", { context, tenantId: "t1" });
    expect((await b.apiKeys.verify(key.reveal())).ok).toBe(true);
    expect((await b.tokens.verify(session.accessToken)).ok).toBe(true);
    expect(await b.envelope.decryptString(token, { context, tenantId: "t1" })).toBe("secret");

    await a.apiKeys.revoke(record.id);
    await a.sessions.revoke(session.sessionId);
    await a.envelope.keys.shredTenant("t1");
    expect(await h().eventually(async () => !(await b.apiKeys.verify(key.reveal())).ok)).toBe(true);
    expect(await h().eventually(async () => !(await b.tokens.verify(session.accessToken)).ok)).toBe(true);
    expect(await h().eventually(() => refuses(b.envelope, token, "t1"))).toBe(true);
  });

  describe("API keys", () => {
    async function instances() {
      const clock = fakeClock();
      const { store, reads } = countingApiKeyStore();
      const make = async (withChannel: boolean): Promise<ApiKeys> =>
        createApiKeys({
          prefix: "acme",
          store,
          now: clock.now,
          verifyCache: "1h",
          ...(withChannel ? { invalidation: await h().channel() } : {}),
        });
      return { a: await make(true), b: await make(true), lone: await make(false), reads, clock };
    }

    it("a key revoked on A is refused on B at once, though B had it cached", async () => {
      const { a, b, lone, reads } = await instances();
      const { key, record } = await a.issue({ ownerId: "u1", env: "live" });
      expect((await b.verify(key.reveal())).ok).toBe(true);
      expect((await lone.verify(key.reveal())).ok).toBe(true);
      const before = reads();
      expect((await b.verify(key.reveal())).ok).toBe(true);
      expect(reads()).toBe(before); // B really serves it from its cache
      expect((await a.revoke(record.id)).ok).toBe(true);
      expect(await h().eventually(async () => !(await b.verify(key.reveal())).ok)).toBe(true);
      expect(await b.verify(key.reveal())).toEqual({ ok: false, reason: "revoked" });
      // Without the channel an instance keeps accepting the revoked key until its cache expires.
      expect((await lone.verify(key.reveal())).ok).toBe(true);
    });

    it("a key rotated on A without grace is expired on B at once", async () => {
      const { a, b } = await instances();
      const { key, record } = await a.issue({ ownerId: "u1", env: "live" });
      expect((await b.verify(key.reveal())).ok).toBe(true);
      const rotated = await a.rotate(record.id);
      expect(rotated.ok).toBe(true);
      expect(await h().eventually(async () => !(await b.verify(key.reveal())).ok)).toBe(true);
      expect(await b.verify(key.reveal())).toEqual({ ok: false, reason: "expired" });
    });

    it("revoking one key does not evict another key from B's cache", async () => {
      const { a, b, reads } = await instances();
      const one = await a.issue({ ownerId: "u1", env: "live" });
      const two = await a.issue({ ownerId: "u1", env: "live" });
      expect((await b.verify(one.key.reveal())).ok).toBe(true);
      expect((await b.verify(two.key.reveal())).ok).toBe(true);
      await a.revoke(one.record.id);
      expect(await h().eventually(async () => !(await b.verify(one.key.reveal())).ok)).toBe(true);
      const before = reads();
      expect((await b.verify(two.key.reveal())).ok).toBe(true);
      expect(reads()).toBe(before);
    });
  });

  describe("sessions", () => {
    async function instances() {
      const clock = fakeClock();
      const keys = hsKeySet("hs-1", clock);
      const store: RefreshSessionStore = createMemoryRefreshSessionStore();
      let checks = 0;
      // The application's hook: the token's session is still live in the shared store.
      const revalidate = async (claims: AccessTokenClaims): Promise<boolean> => {
        checks += 1;
        if (typeof claims.sid !== "string") return false;
        const session = await store.getRefreshSession(claims.sid);
        return session !== null && session.revokedAt === null;
      };
      const make = async (withChannel: boolean) => {
        const tokens = createTokens({
          keys,
          issuer: ISSUER,
          audience: AUDIENCE,
          now: clock.now,
          revalidate,
          revalidateCache: "5m",
          ...(withChannel ? { invalidation: await h().channel() } : {}),
        });
        return { tokens, sessions: createSessions({ tokens, store }) };
      };
      return { a: await make(true), b: await make(true), lone: await make(false), checks: () => checks };
    }

    it("a session revoked on A is refused by B's token verifier at once, though B cached the verdict", async () => {
      const { a, b, lone, checks } = await instances();
      const { accessToken, sessionId } = await a.sessions.start("user_1");
      expect((await b.tokens.verify(accessToken)).ok).toBe(true);
      expect((await lone.tokens.verify(accessToken)).ok).toBe(true);
      const before = checks();
      expect((await b.tokens.verify(accessToken)).ok).toBe(true);
      expect(checks()).toBe(before); // the verdict is cached on B
      expect(await a.sessions.revoke(sessionId)).toBe(true);
      expect(await h().eventually(async () => !(await b.tokens.verify(accessToken)).ok)).toBe(true);
      expect(await b.tokens.verify(accessToken)).toEqual({ ok: false, reason: "revoked" });
      expect((await lone.tokens.verify(accessToken)).ok).toBe(true); // the old behaviour: stale until TTL
    });

    it("revokeAll on A drops every cached verdict of the subject on B, and only those", async () => {
      const { a, b, checks } = await instances();
      const s1 = await a.sessions.start("user_1");
      const s2 = await a.sessions.start("user_1");
      const other = await a.sessions.start("user_2");
      for (const s of [s1, s2, other]) expect((await b.tokens.verify(s.accessToken)).ok).toBe(true);
      expect(await a.sessions.revokeAll("user_1")).toBe(2);
      expect(await h().eventually(async () => !(await b.tokens.verify(s1.accessToken)).ok)).toBe(true);
      expect(await h().eventually(async () => !(await b.tokens.verify(s2.accessToken)).ok)).toBe(true);
      const before = checks();
      expect((await b.tokens.verify(other.accessToken)).ok).toBe(true);
      expect(checks()).toBe(before); // user_2's verdict stayed cached
    });

    it("revoking one session keeps the subject's other session cached on B", async () => {
      const { a, b, checks } = await instances();
      const s1 = await a.sessions.start("user_1");
      const s2 = await a.sessions.start("user_1");
      for (const s of [s1, s2]) expect((await b.tokens.verify(s.accessToken)).ok).toBe(true);
      await a.sessions.revoke(s1.sessionId);
      expect(await h().eventually(async () => !(await b.tokens.verify(s1.accessToken)).ok)).toBe(true);
      const before = checks();
      expect((await b.tokens.verify(s2.accessToken)).ok).toBe(true);
      expect(checks()).toBe(before);
    });
  });
}

describe("two instances over a shared in-process channel [memory]", () => {
  const channel = createMemoryInvalidationChannel();
  twoInstanceSuite(() => ({ channel: () => Promise.resolve(channel), eventually: poll }));

  it("delivers synchronously on memory: B refuses on the very next call", async () => {
    const store = createMemoryApiKeyStore();
    const a = createApiKeys({ prefix: "acme", store, verifyCache: "1h", invalidation: channel });
    const b = createApiKeys({ prefix: "acme", store, verifyCache: "1h", invalidation: channel });
    const { key, record } = await a.issue({ ownerId: "u1", env: "live" });
    expect((await b.verify(key.reveal())).ok).toBe(true);
    await a.revoke(record.id);
    expect(await b.verify(key.reveal())).toEqual({ ok: false, reason: "revoked" });
  });
});

describeEveryRedis("two instances over Redis pub/sub", ({ redis, prefix }) => {
  const opened: { channel: RedisInvalidationChannel; subscriber: Redis | Cluster }[] = [];
  afterEach(async () => {
    for (const { channel, subscriber } of opened.splice(0)) {
      await channel.close().catch(() => undefined);
      subscriber.disconnect();
    }
  });
  async function open(): Promise<{ channel: RedisInvalidationChannel; subscriber: Redis | Cluster }> {
    // Each instance has its own connection for SUBSCRIBE; on a cluster, a cluster client of its own.
    const subscriber = duplicateConnection(redis());
    await subscriber.connect();
    const channel = await createRedisInvalidationChannel({
      redis: redis(),
      subscriber,
      channel: `${prefix}invalidation`,
    });
    opened.push({ channel, subscriber });
    return { channel, subscriber };
  }
  twoInstanceSuite(() => ({ channel: async () => (await open()).channel, eventually: poll }));

  it("stops caching while B's subscriber is disconnected, and drops everything when it is back", async () => {
    const { store, reads } = countingApiKeyStore();
    const a = createApiKeys({ prefix: "acme", store, verifyCache: "1h", invalidation: (await open()).channel });
    const bSide = await open();
    const b = createApiKeys({ prefix: "acme", store, verifyCache: "1h", invalidation: bSide.channel });
    const { key, record } = await a.issue({ ownerId: "u1", env: "live" });
    expect((await b.verify(key.reveal())).ok).toBe(true); // cached on B
    bSide.subscriber.disconnect(); // B can no longer hear revocations
    expect(await poll(() => Promise.resolve(!bSide.channel.isLive()))).toBe(true);
    let before = reads();
    expect((await b.verify(key.reveal())).ok).toBe(true);
    expect(reads()).toBe(before + 1); // not served from the cache while deaf
    await a.revoke(record.id); // the message never reaches B
    expect(await b.verify(key.reveal())).toEqual({ ok: false, reason: "revoked" });

    const fresh = await a.issue({ ownerId: "u1", env: "live" });
    await bSide.subscriber.connect();
    expect(await poll(() => Promise.resolve(bSide.channel.isLive()))).toBe(true);
    expect((await b.verify(fresh.key.reveal())).ok).toBe(true);
    before = reads();
    expect((await b.verify(fresh.key.reveal())).ok).toBe(true);
    expect(reads()).toBe(before); // caching again once live
  });

  it("ignores malformed messages on its Redis channel and keeps delivering good ones", async () => {
    const { channel } = await open();
    const seen: (string | null)[] = [];
    channel.subscribe("t", (key) => seen.push(key));
    for (const junk of ["", "not json", "[1,2]", '["t"]', '["t","k",3]', '{"t":"k"}', `["${"x".repeat(200)}","k"]`])
      await redis().publish(`${prefix}invalidation`, junk);
    await channel.publish("t", "good");
    expect(await poll(() => Promise.resolve(seen.includes("good")))).toBe(true);
    expect(seen).toEqual(["good"]);
  });
});
