/**
 * The invalidation channel's edges: bad input to every new entry point, a failing publish after
 * the store changed, a channel that is not live, and a verification in flight across an eviction.
 */
import { describe, expect, it } from "vitest";
import {
  createMemoryApiKeyStore,
  createMemoryInvalidationChannel,
  createMemoryRefreshSessionStore,
} from "../../src/adapters/memory/index.js";
import { createRedisInvalidationChannel } from "../../src/adapters/redis/index.js";
import { createApiKeys } from "../../src/apikeys/index.js";
import { type InvalidationChannel, createSessions, createTokens } from "../../src/sessions/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { AUDIENCE, ISSUER, hsKeySet } from "../sessions/helpers.js";

const subscriber = {
  subscribe: () => Promise.resolve(1),
  unsubscribe: () => Promise.resolve(0),
  on: () => undefined,
  removeListener: () => undefined,
};
const publisher = { publish: () => Promise.resolve(0) };

/** A channel whose liveness the test switches, delivering in process like the memory one. */
function switchableChannel(): InvalidationChannel & { live: boolean } {
  const inner = createMemoryInvalidationChannel();
  const channel = {
    live: true,
    publish: (topic: string, key: string) => inner.publish(topic, key),
    subscribe: (topic: string, listener: (key: string | null) => void) => inner.subscribe(topic, listener),
    isLive: () => channel.live,
  };
  return channel;
}

describe("createMemoryInvalidationChannel", () => {
  it("refuses empty, oversized and non-string topics and keys", async () => {
    const channel = createMemoryInvalidationChannel();
    for (const [topic, key] of [
      ["", "k"],
      ["t".repeat(129), "k"],
      ["t", "k".repeat(1025)],
      [1, "k"],
      ["t", null],
    ] as [string, string][])
      await expectMoatErrorAsync(channel.publish(topic, key), "ERR_INVALID_INPUT");
  });

  it("delivers a topic's keys to that topic's listeners only, until they unsubscribe", async () => {
    const channel = createMemoryInvalidationChannel();
    const seen: string[] = [];
    const stop = channel.subscribe("a", (k) => seen.push(`a:${String(k)}`));
    channel.subscribe("b", (k) => seen.push(`b:${String(k)}`));
    await channel.publish("a", "1");
    stop();
    await channel.publish("a", "2");
    await channel.publish("b", "3");
    expect(seen).toEqual(["a:1", "b:3"]);
  });
});

describe("createRedisInvalidationChannel options", () => {
  it("refuses missing, wrong and shared connections and bad channel names", async () => {
    for (const bad of [
      undefined,
      null,
      {},
      { redis: publisher },
      { redis: {}, subscriber },
      { redis: publisher, subscriber: {} },
      { redis: subscriber, subscriber },
      { redis: publisher, subscriber, channel: "" },
      { redis: publisher, subscriber, channel: "c".repeat(257) },
      { redis: publisher, subscriber, channel: 5 },
      { redis: publisher, subscriber, extra: true },
    ])
      await expectMoatErrorAsync(createRedisInvalidationChannel(bad as never), "ERR_CONFIG");
  });

  it("fails with ERR_STORE when SUBSCRIBE fails, and when PUBLISH fails", async () => {
    await expectMoatErrorAsync(
      createRedisInvalidationChannel({
        redis: publisher,
        subscriber: { ...subscriber, subscribe: () => Promise.reject(new Error("down")) },
      }),
      "ERR_STORE",
    );
    const channel = await createRedisInvalidationChannel({
      redis: { publish: () => Promise.reject(new Error("down")) },
      subscriber,
    });
    await expectMoatErrorAsync(channel.publish("t", "k"), "ERR_STORE");
    await expectMoatErrorAsync(channel.publish("", "k"), "ERR_INVALID_INPUT");
  });
});

describe("API keys with an invalidation channel", () => {
  it("refuses a channel that is not one, and a bad verifyCache", () => {
    const store = createMemoryApiKeyStore();
    for (const bad of [{ invalidation: {} }, { invalidation: "redis" }, { verifyCache: -1 }, { verifyCache: "soon" }])
      expectMoatError(() => createApiKeys({ prefix: "acme", store, ...(bad as object) }), "ERR_CONFIG");
  });

  it("revokes in the store and then reports ERR_STORE when the announcement fails; revoking again re-announces", async () => {
    const store = createMemoryApiKeyStore();
    let failing = true;
    const heard: (string | null)[] = [];
    const inner = createMemoryInvalidationChannel();
    inner.subscribe("apikeys", (k) => heard.push(k));
    const channel: InvalidationChannel = {
      publish: (t, k) => (failing ? Promise.reject(new Error("redis down")) : inner.publish(t, k)),
      subscribe: (t, l) => inner.subscribe(t, l),
      isLive: () => true,
    };
    const a = createApiKeys({ prefix: "acme", store, verifyCache: "1h", invalidation: channel });
    const { key, record } = await a.issue({ ownerId: "u1", env: "live" });
    expect((await a.verify(key.reveal())).ok).toBe(true);
    await expectMoatErrorAsync(a.revoke(record.id), "ERR_STORE");
    expect(await a.verify(key.reveal())).toEqual({ ok: false, reason: "revoked" }); // gone locally
    failing = false;
    expect(await a.revoke(record.id)).toEqual({ ok: false, reason: "already_revoked" });
    expect(heard).toEqual([record.id]);
  });

  it("neither serves nor stores cached records while the channel is not live", async () => {
    const inner = createMemoryApiKeyStore();
    let reads = 0;
    const store = {
      ...inner,
      findApiKeyByHash: (h: string) => {
        reads += 1;
        return inner.findApiKeyByHash(h);
      },
    };
    const channel = switchableChannel();
    const b = createApiKeys({ prefix: "acme", store, verifyCache: "1h", invalidation: channel });
    const { key } = await b.issue({ ownerId: "u1", env: "live" });
    channel.live = false;
    await b.verify(key.reveal());
    await b.verify(key.reveal());
    expect(reads).toBe(2);
    channel.live = true;
    await b.verify(key.reveal());
    await b.verify(key.reveal());
    expect(reads).toBe(3); // nothing was stored while down; cached from the first live read
  });

  it("does not cache a record read while an eviction arrived (the read may predate the revoke)", async () => {
    const inner = createMemoryApiKeyStore();
    const channel = createMemoryInvalidationChannel();
    let reads = 0;
    let during: (() => Promise<void>) | undefined;
    const store = {
      ...inner,
      findApiKeyByHash: async (h: string) => {
        reads += 1;
        const found = await inner.findApiKeyByHash(h);
        await during?.(); // the revoke's message lands between the read and its caching
        return found;
      },
    };
    const b = createApiKeys({ prefix: "acme", store, verifyCache: "1h", invalidation: channel });
    const a = createApiKeys({ prefix: "acme", store: inner, invalidation: channel });
    const { key, record } = await a.issue({ ownerId: "u1", env: "live" });
    during = async () => {
      during = undefined;
      await a.revoke(record.id);
    };
    expect((await b.verify(key.reveal())).ok).toBe(true); // read before the revoke
    expect(await b.verify(key.reveal())).toEqual({ ok: false, reason: "revoked" });
    expect(reads).toBe(2);
  });
});

describe("tokens.forget and sessions with an invalidation channel", () => {
  const keys = hsKeySet();

  it("refuses a bad forget target and a channel that is not one", async () => {
    const tokens = createTokens({ keys, issuer: ISSUER, audience: AUDIENCE });
    for (const bad of [undefined, null, "user_1", {}, { subject: "" }, { sessionId: 5 }, { subject: "s".repeat(513) }])
      await expectMoatErrorAsync(tokens.forget(bad as never), "ERR_INVALID_INPUT");
    expectMoatError(
      () => createTokens({ keys, issuer: ISSUER, audience: AUDIENCE, invalidation: {} as never }),
      "ERR_CONFIG",
    );
  });

  it("calls revalidate on every verify while the channel is not live", async () => {
    const channel = switchableChannel();
    let checks = 0;
    const tokens = createTokens({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      revalidate: () => {
        checks += 1;
        return true;
      },
      revalidateCache: "5m",
      invalidation: channel,
    });
    const jwt = await tokens.sign({ sub: "user_1" });
    channel.live = false;
    await tokens.verify(jwt);
    await tokens.verify(jwt);
    expect(checks).toBe(2);
    channel.live = true;
    await tokens.verify(jwt);
    await tokens.verify(jwt);
    expect(checks).toBe(3);
  });

  it("revokes the session, then reports ERR_STORE when announcing it fails", async () => {
    const tokens = createTokens({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      revalidate: () => true,
      revalidateCache: "5m",
      invalidation: {
        publish: () => Promise.reject(new Error("redis down")),
        subscribe: () => () => undefined,
        isLive: () => true,
      },
    });
    const store = createMemoryRefreshSessionStore();
    const sessions = createSessions({ tokens, store });
    const { sessionId, accessToken } = await sessions.start("user_1");
    await expectMoatErrorAsync(sessions.revoke(sessionId), "ERR_STORE");
    expect(await sessions.verify(accessToken)).toEqual({ ok: false, reason: "revoked" });
    await expectMoatErrorAsync(sessions.revokeAll("user_1"), "ERR_STORE");
  });
});
