/**
 * data-keys.ts, the current-key lookup behind envelope.needsRewrap: it answers from the cache
 * when it can, handles a scope with no current key, tells a current key from an older one, and
 * caches what it read unless a shred of the scope landed meanwhile (then a later encrypt must not
 * write under the destroyed key).
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { type DataKeyStore, createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { counting, makeGate } from "./data-keys-fixtures.js";

const context = { table: "notes", column: "body", rowId: 1 };
const keyring = (): ReturnType<typeof testKeyring> => testKeyring(["k1"]);

describe("data keys: the current key id", () => {
  it("a value under its scope's current key needs no rewrap, and the lookup is cached for writes", async () => {
    const memory = createMemoryDataKeyStore();
    const token = await createEnvelope({ keyring: keyring(), dataKeys: memory }).encrypt("v", {
      context,
      tenantId: "t1",
    });
    const { store, calls } = counting(memory);
    const reader = createEnvelope({ keyring: keyring(), dataKeys: store });
    expect(await reader.needsRewrap(token)).toBe(false);
    expect(calls.getCurrentDataKey).toBe(1);
    // Cached by the lookup: neither a second lookup nor a write reads the store again.
    expect(await reader.needsRewrap(token)).toBe(false);
    await reader.encrypt("w", { context, tenantId: "t1" });
    expect(calls.getCurrentDataKey).toBe(1);
  });

  it("after a write the lookup comes from the cache", async () => {
    const { store, calls } = counting(createMemoryDataKeyStore());
    const envelope = createEnvelope({ keyring: keyring(), dataKeys: store });
    const token = await envelope.encrypt("v", { context, tenantId: "t1" });
    expect(calls.getCurrentDataKey).toBe(1);
    expect(await envelope.needsRewrap(token)).toBe(false);
    expect(calls.getCurrentDataKey).toBe(1);
  });

  it("a value of a scope with no current key (or an older one) needs a rewrap", async () => {
    const memory = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: keyring(), dataKeys: memory });
    const token = await writer.encrypt("v", { context, tenantId: "t1" });
    const noCurrent: DataKeyStore = { ...memory, getCurrentDataKey: () => Promise.resolve(null) };
    expect(await createEnvelope({ keyring: keyring(), dataKeys: noCurrent }).needsRewrap(token)).toBe(true);
    await writer.keys.rotateDataKeys({ tenantId: "t1" });
    expect(await createEnvelope({ keyring: keyring(), dataKeys: memory }).needsRewrap(token)).toBe(true);
  });

  it("a lookup whose read answers after a shred does not cache the destroyed key", async () => {
    const memory = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: keyring(), dataKeys: memory });
    const token = await writer.encrypt("v", { context, tenantId: "t1" });
    const { gate, hold } = makeGate();
    let armed = true;
    const store: DataKeyStore = {
      ...memory,
      getCurrentDataKey: async (scope) => {
        const record = await memory.getCurrentDataKey(scope);
        if (armed) {
          armed = false;
          await hold();
        }
        return record;
      },
    };
    const envelope = createEnvelope({ keyring: keyring(), dataKeys: store });
    const pending = envelope.needsRewrap(token);
    await gate.reached;
    await envelope.keys.shredTenant("t1");
    gate.release();
    expect(await pending).toBe(false);
    // The next write goes under a key the store has, so another process reads it.
    const next = await envelope.encrypt("next", { context, tenantId: "t1" });
    const fresh = createEnvelope({ keyring: keyring(), dataKeys: memory });
    expect(await fresh.decryptString(next, { context, tenantId: "t1" })).toBe("next");
    await expectMoatErrorAsync(fresh.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
  });
});
