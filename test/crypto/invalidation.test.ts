/**
 * Issue 18 item 4 (other processes): with an invalidation channel, an envelope that did not shred
 * a tenant stops decrypting it as soon as the shred is announced, not when its cache expires.
 */
import { describe, expect, it } from "vitest";
import {
  createMemoryDataKeyInvalidation,
  createMemoryDataKeyStore,
  createMemoryInvalidationChannel,
} from "../../src/adapters/memory/index.js";
import {
  type DataKeyInvalidation,
  type DataKeyStore,
  type InvalidationChannel,
  type InvalidationListener,
  createEnvelope,
} from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const context = { table: "notes", column: "body", rowId: 1 };

describe("data key invalidation channel", () => {
  it("makes another envelope drop a shredded tenant's cached key at once", async () => {
    const store = createMemoryDataKeyStore();
    const channel = createMemoryDataKeyInvalidation();
    const a = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, invalidation: channel });
    const b = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, invalidation: channel });
    const token = await a.encrypt("x", { context, tenantId: "t1" });
    const other = await a.encrypt("y", { context, tenantId: "t2" });
    expect(await b.decryptString(token, { context, tenantId: "t1" })).toBe("x"); // b caches t1's key
    const written = await b.encrypt("z", { context, tenantId: "t1" }); // and t1's writing key
    await a.keys.shredTenant("t1");
    await expectMoatErrorAsync(b.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
    await expectMoatErrorAsync(b.decrypt(written, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
    // b's next value for t1 goes under a new key that a can read; t2 is untouched.
    const next = await b.encrypt("n", { context, tenantId: "t1" });
    expect(await a.decryptString(next, { context, tenantId: "t1" })).toBe("n");
    expect(await b.decryptString(other, { context, tenantId: "t2" })).toBe("y");
  });

  it("rejects shredTenant with ERR_STORE when the announcement fails, after the keys are gone", async () => {
    const store = createMemoryDataKeyStore();
    const failing: DataKeyInvalidation = {
      publish: () => Promise.reject(new Error("redis down")),
      subscribe: () => () => undefined,
    };
    const a = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, invalidation: failing });
    const token = await a.encrypt("x", { context, tenantId: "t1" });
    const err = await expectMoatErrorAsync(a.keys.shredTenant("t1"), "ERR_STORE");
    expect(err.details).toMatchObject({ dataKeysDestroyed: 1 });
    await expectMoatErrorAsync(a.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
  });

  it("is refused without a data key store, or when it is not a channel (ERR_CONFIG)", () => {
    const channel = createMemoryDataKeyInvalidation();
    expectMoatError(() => createEnvelope({ keyring: testKeyring(["k1"]), invalidation: channel }), "ERR_CONFIG");
    expectMoatError(
      () =>
        createEnvelope({
          keyring: testKeyring(["k1"]),
          dataKeys: createMemoryDataKeyStore(),
          invalidation: { publish: () => Promise.resolve() } as never,
        }),
      "ERR_CONFIG",
    );
  });

  it("ignores announcements of scopes it never cached, and non-string messages", async () => {
    const store = createMemoryDataKeyStore();
    let deliver: ((scope: string) => void) | undefined;
    const channel: DataKeyInvalidation = {
      publish: () => Promise.resolve(),
      subscribe: (listener) => ((deliver = listener), () => undefined),
    };
    const a = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, invalidation: channel });
    const token = await a.encrypt("x", { context, tenantId: "t1" });
    deliver?.("t9");
    deliver?.(5 as never);
    expect(await a.decryptString(token, { context, tenantId: "t1" })).toBe("x");
    deliver?.("t1");
    // Dropped from the cache only: the store still has the key (nothing was shredded).
    expect(await a.decryptString(token, { context, tenantId: "t1" })).toBe("x");
  });
});

describe("shreds over the generic invalidation channel", () => {
  /** A channel whose liveness the test switches, standing for a subscriber connection dropping. */
  function switchableChannel(): { channel: InvalidationChannel; setLive: (live: boolean) => void } {
    const inner = createMemoryInvalidationChannel();
    const listeners: InvalidationListener[] = [];
    let live = true;
    return {
      channel: {
        publish: (topic, key) => inner.publish(topic, key),
        subscribe: (topic, listener) => {
          listeners.push(listener);
          return inner.subscribe(topic, listener);
        },
        isLive: () => live,
      },
      setLive: (next) => {
        live = next;
        // Back after an outage: messages may have been missed, so every listener hears null.
        if (next) for (const l of listeners) l(null);
      },
    };
  }

  function countingStore(): { store: DataKeyStore; reads: () => number } {
    const inner = createMemoryDataKeyStore();
    let reads = 0;
    return {
      store: {
        ...inner,
        getDataKey: (id) => {
          reads += 1;
          return inner.getDataKey(id);
        },
      },
      reads: () => reads,
    };
  }

  it("publishes a shred on topic datakeys, which another envelope on the channel obeys", async () => {
    const channel = createMemoryInvalidationChannel();
    const heard: (string | null)[] = [];
    channel.subscribe("datakeys", (key) => heard.push(key));
    const store = createMemoryDataKeyStore();
    const a = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, invalidation: channel });
    const b = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, invalidation: channel });
    const token = await a.encrypt("x", { context, tenantId: "t1" });
    expect(await b.decryptString(token, { context, tenantId: "t1" })).toBe("x");
    await a.keys.shredTenant("t1");
    expect(heard).toEqual(["t1"]);
    await expectMoatErrorAsync(b.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
  });

  it("keeps no data key cached while the channel is not live, and caches again once it is", async () => {
    const { store, reads } = countingStore();
    const { channel, setLive } = switchableChannel();
    const b = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, cacheTtl: "1h", invalidation: channel });
    const token = await b.encrypt("x", { context, tenantId: "t1" });
    await b.decrypt(token, { context, tenantId: "t1" });
    let before = reads();
    await b.decrypt(token, { context, tenantId: "t1" });
    expect(reads()).toBe(before); // cached while live
    setLive(false); // a shred elsewhere could now go unheard
    before = reads();
    await b.decrypt(token, { context, tenantId: "t1" });
    await b.decrypt(token, { context, tenantId: "t1" });
    expect(reads()).toBe(before + 2); // every call goes to the store
    // The attack: while B is deaf the tenant is shredded by another instance; B must not decrypt.
    await store.deleteDataKeyScope("t1");
    await expectMoatErrorAsync(b.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
    setLive(true);
    const fresh = await b.encrypt("y", { context, tenantId: "t2" });
    await b.decrypt(fresh, { context, tenantId: "t2" });
    before = reads();
    await b.decrypt(fresh, { context, tenantId: "t2" });
    expect(reads()).toBe(before); // cached again
  });

  it("drops every cached key when the channel says it may have missed messages (null)", async () => {
    const { store, reads } = countingStore();
    const { channel, setLive } = switchableChannel();
    const b = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, cacheTtl: "1h", invalidation: channel });
    const token = await b.encrypt("x", { context, tenantId: "t1" });
    await b.decrypt(token, { context, tenantId: "t1" });
    const before = reads();
    setLive(true); // announces null
    await b.decrypt(token, { context, tenantId: "t1" });
    expect(reads()).toBe(before + 1);
  });
});
