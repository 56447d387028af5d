/**
 * Stored data keys and their scope (src/crypto/envelope.ts): a value is refused when its key id
 * resolves to a data key of another tenant, even one that would open it; a cached stored key is
 * used for a value whose token names an older master key (rotated since), counting against
 * maxMessagesPerDataKey once per message; needsRewrap answers for another algorithm, and for a
 * data key under a retired master key without reading the scope's current key; a stored value
 * read by an envelope without a store is ERR_KEY_NOT_FOUND naming the missing store.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { type DataKeyStore, createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { seededRandom } from "./helpers.js";

const context = { table: "notes", column: "body", rowId: 1 };

/** A store that counts calls per method. */
function counting(store: DataKeyStore): { store: DataKeyStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const counted = { ...store };
  for (const method of ["getDataKey", "getCurrentDataKey", "setCurrentDataKey"] as const) {
    const fn = store[method] as (...args: unknown[]) => unknown;
    Object.assign(counted, {
      [method]: (...args: unknown[]) => {
        calls[method] = (calls[method] ?? 0) + 1;
        return fn(...args);
      },
    });
  }
  return { store: counted, calls };
}

describe("envelope: stored data keys are bound to their scope", () => {
  it("refuses a value whose key id resolves to another tenant's data key, cached or read from the store", async () => {
    // Two deployments with the same randomness make the same data key with the same id: in one
    // it is tenant t2's, in the other t1's. A t2 value of the first must not open in the second.
    const storeA = createMemoryDataKeyStore();
    const storeB = createMemoryDataKeyStore();
    const a = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: storeA, random: seededRandom(7) });
    const b = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: storeB, random: seededRandom(7) });
    const token = await a.encrypt("t2 secret", { context, tenantId: "t2" });
    const own = await b.encrypt("t1 secret", { context, tenantId: "t1" });
    const idA = (await a.keys.dependencyOf(token)).dataKeyId;
    expect(idA).toBeDefined();
    expect((await b.keys.dependencyOf(own)).dataKeyId).toBe(idA);
    expect((await storeB.getDataKey(idA ?? ""))?.scope).toBe("t1");

    // b has the t1 key cached; a fresh envelope on storeB reads it from the store.
    const fresh = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: storeB });
    for (const reader of [b, fresh]) {
      const err = await expectMoatErrorAsync(reader.decrypt(token, { context, tenantId: "t2" }), "ERR_DECRYPT");
      expect(err.message).not.toContain("t2 secret");
      await expectMoatErrorAsync(reader.decrypt(token, { context, tenantId: "t1" }), "ERR_DECRYPT");
      expect(await reader.decryptString(own, { context, tenantId: "t1" })).toBe("t1 secret");
    }
    expect(await a.decryptString(token, { context, tenantId: "t2" })).toBe("t2 secret");
  });

  it("reads a value written under a master key since rotated from the cache, one store read per maxMessagesPerDataKey", async () => {
    const store = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const token = await writer.encrypt("before rotation", { context, tenantId: "t1" });
    const admin = createEnvelope({ keyring: testKeyring(["k2", "k1"]), dataKeys: store });
    expect((await admin.keys.rewrapDataKeys()).rewrapped).toBe(1);
    // The token still names k1; its data key is now wrapped under k2.
    expect(admin.keyIdOf(token)).toBe("k1");
    expect((await admin.keys.dependencyOf(token)).masterKeyId).toBe("k2");

    const counted = counting(store);
    const reader = createEnvelope({
      keyring: testKeyring(["k2", "k1"]),
      dataKeys: counted.store,
      maxMessagesPerDataKey: 3,
    });
    for (let i = 0; i < 9; i++) {
      expect(await reader.decryptString(token, { context, tenantId: "t1" })).toBe("before rotation");
    }
    // Each load serves 3 messages: 9 messages, 3 reads.
    expect(counted.calls.getDataKey).toBe(3);
  });

  it("a value read by an envelope without a store is ERR_KEY_NOT_FOUND naming the missing store", async () => {
    const stored = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: createMemoryDataKeyStore() });
    const token = await stored.encrypt("stored value", { context, tenantId: "t1" });
    const stateless = createEnvelope({ keyring: testKeyring(["k1"]) });
    const err = await expectMoatErrorAsync(stateless.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
    expect(err.message).toContain("no dataKeys store");
    expect(err.message).not.toContain("stored value");
    expect(await stateless.needsRewrap(token)).toBe(true);
  });
});

describe("envelope needsRewrap", () => {
  it("is true for a value of the other algorithm, in either mode, and false for one of its own", async () => {
    const store = createMemoryDataKeyStore();
    for (const dataKeys of [undefined, store]) {
      const base = { keyring: testKeyring(["k1"]), ...(dataKeys === undefined ? {} : { dataKeys }) };
      const gcm = createEnvelope({ ...base, algorithm: "aes-256-gcm" });
      const xchacha = createEnvelope({ ...base, algorithm: "xchacha20-poly1305" });
      const token = await gcm.encrypt("value", { context, tenantId: "t1" });
      expect(await gcm.needsRewrap(token)).toBe(false);
      expect(await xchacha.needsRewrap(token)).toBe(true);
      const moved = await xchacha.rewrap(token, { context, tenantId: "t1" });
      expect(await xchacha.needsRewrap(moved)).toBe(false);
      expect(await gcm.needsRewrap(moved)).toBe(true);
    }
  });

  it("is true for a value whose data key is under a master key no longer primary, without reading the scope's current key", async () => {
    const store = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const token = await writer.encrypt("value", { context, tenantId: "t1" });
    expect(await writer.needsRewrap(token)).toBe(false);

    const counted = counting(store);
    const rotated = createEnvelope({ keyring: testKeyring(["k2", "k1"]), dataKeys: counted.store });
    expect(await rotated.needsRewrap(token)).toBe(true);
    expect(counted.calls.getDataKey).toBe(1);
    // The data key alone answers: the scope's current key is not read.
    expect(counted.calls.getCurrentDataKey).toBeUndefined();
  });
});
