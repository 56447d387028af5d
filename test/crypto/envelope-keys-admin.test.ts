/**
 * `envelope.keys` outside rewrapping (envelope-keys.ts): which call needs a data key store and
 * says so by name, rotateDataKeys refusing a misspelt option instead of rotating the default
 * scope, shredTenant refusing a missing tenant id without touching any key, dropping a key loaded
 * while its delete was running, and the error when the shred cannot be announced.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { type DataKeyInvalidation, type DataKeyStore, createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const context = { table: "notes", column: "body", rowId: 1 };
const NEEDS = "needs an envelope created with a dataKeys store";

describe("envelope.keys without a data key store", () => {
  it("refuses each store-only call with ERR_CONFIG naming the call", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const calls: [string, () => Promise<unknown>][] = [
      ["shredTenant", () => envelope.keys.shredTenant("t1")],
      ["rotateDataKeys", () => envelope.keys.rotateDataKeys({ tenantId: "t1" })],
      ["rewrapDataKeys", () => envelope.keys.rewrapDataKeys()],
      ["countDataKeysByMasterKey", () => envelope.keys.countDataKeysByMasterKey()],
    ];
    for (const [name, call] of calls) {
      const err = await expectMoatErrorAsync(call, "ERR_CONFIG");
      expect(err.message).toBe(`${name} ${NEEDS}`);
    }
  });

  it("answers dependencyOf for a stored-key value with ERR_CONFIG, and for a stateless one without a store", async () => {
    const store = createMemoryDataKeyStore();
    const stored = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const stateless = createEnvelope({ keyring: testKeyring(["k1"]) });
    const storedToken = await stored.encrypt("x", { context });
    const err = await expectMoatErrorAsync(stateless.keys.dependencyOf(storedToken), "ERR_CONFIG");
    expect(err.message).toBe(`a value under a stored data key ${NEEDS}`);
    const own = await stateless.encrypt("y", { context });
    expect(await stateless.keys.dependencyOf(own)).toStrictEqual({ masterKeyId: "k1" });
    const current = await store.getCurrentDataKey("");
    expect(await stored.keys.dependencyOf(storedToken)).toStrictEqual({ masterKeyId: "k1", dataKeyId: current?.id });
  });
});

describe("rotateDataKeys", () => {
  it("refuses a misspelt tenantId with ERR_INVALID_INPUT and rotates nothing", async () => {
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    await envelope.encrypt("x", { context });
    await envelope.encrypt("y", { context, tenantId: "t1" });
    const before = [(await store.getCurrentDataKey(""))?.id, (await store.getCurrentDataKey("t1"))?.id];
    const err = await expectMoatErrorAsync(
      envelope.keys.rotateDataKeys({ tenantid: "t1" } as never),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toBe('rotateDataKeys options: unknown key "tenantid"; did you mean "tenantId"?');
    expect([(await store.getCurrentDataKey(""))?.id, (await store.getCurrentDataKey("t1"))?.id]).toEqual(before);
    expect(await store.countDataKeysByMasterKey()).toEqual({ k1: 2 });
  });

  it("makes a new current key for the default scope when called without options", async () => {
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    await envelope.encrypt("x", { context });
    const old = (await store.getCurrentDataKey(""))?.id;
    const { dataKeyId } = await envelope.keys.rotateDataKeys();
    expect(dataKeyId).not.toBe(old);
    expect((await store.getCurrentDataKey(""))?.id).toBe(dataKeyId);
  });
});

describe("shredTenant", () => {
  it("refuses a missing or empty tenant id with ERR_INVALID_INPUT, and destroys nothing", async () => {
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const shared = await envelope.encrypt("default", { context });
    await envelope.encrypt("t1", { context, tenantId: "t1" });
    for (const bad of [undefined, "", null, 5, {}]) {
      const err = await expectMoatErrorAsync(envelope.keys.shredTenant(bad as never), "ERR_INVALID_INPUT");
      expect(err.message).toBe("shredTenant needs a tenant id");
    }
    // undefined is not the default scope here: its key survives.
    expect(await store.countDataKeysByMasterKey()).toEqual({ k1: 2 });
    expect(await envelope.decryptString(shared, { context })).toBe("default");
  });

  it("drops a key that was loaded while its delete was running", async () => {
    const store = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const token = await writer.encrypt("x", { context, tenantId: "t1" });
    let reached!: () => void;
    const deleting = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const gated: DataKeyStore = {
      ...store,
      deleteDataKeyScope: async (scope) => {
        reached();
        await released;
        return store.deleteDataKeyScope(scope);
      },
    };
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: gated });
    const shred = envelope.keys.shredTenant("t1");
    await deleting;
    // Read (and cached) after the shred began but before its delete ran.
    expect(await envelope.decryptString(token, { context, tenantId: "t1" })).toBe("x");
    release();
    expect(await shred).toEqual({ dataKeysDestroyed: 1 });
    await expectMoatErrorAsync(envelope.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
  });

  it("says the keys are gone but the announcement failed, without the channel's error text", async () => {
    const store = createMemoryDataKeyStore();
    const failing: DataKeyInvalidation = {
      publish: () => Promise.reject(new Error("redis down at 10.0.0.7")),
      subscribe: () => () => undefined,
    };
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, invalidation: failing });
    await envelope.encrypt("x", { context, tenantId: "t1" });
    await envelope.encrypt("y", { context, tenantId: "t1" });
    await envelope.keys.rotateDataKeys({ tenantId: "t1" });
    const err = await expectMoatErrorAsync(envelope.keys.shredTenant("t1"), "ERR_STORE");
    expect(err.message).toBe(
      "shredTenant destroyed the data keys, but announcing it on the invalidation channel failed",
    );
    expect(err.details).toEqual({ dataKeysDestroyed: 2 });
    expect(await store.countDataKeysByMasterKey()).toEqual({});
  });
});
