/**
 * data-keys.ts, shred races inside the loads of a scope's current key: a shred that lands while
 * the key read, the unwrap, or the create answer is in flight makes the load start again, so the
 * writing key it returns (and caches) is one the store still has, never the destroyed one. A
 * lost creation race is settled with the winner's record, without reading again.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import type { DataKey, DataKeys } from "../../src/crypto/data-keys.js";
import type { DataKeyStore } from "../../src/crypto/store.js";
import { allZero, counting, makeGate, newLayer, newWrapper } from "./data-keys-fixtures.js";

/** What a shred does to a process's layer and the store: mark, delete, mark again. */
async function shred(keys: DataKeys, store: DataKeyStore, scope: string): Promise<void> {
  keys.shredded(scope);
  await store.deleteDataKeyScope(scope);
  keys.shredded(scope);
}

async function writing(keys: DataKeys, scope: string): Promise<DataKey> {
  return await keys.writingKey(scope);
}

/** The key is live in the store and is the one the layer now writes under. */
async function expectLive(keys: DataKeys, store: DataKeyStore, dk: DataKey, scope: string): Promise<void> {
  expect(dk.destroyed).toBe(false);
  expect(allZero(dk.key)).toBe(false);
  const record = await store.getDataKey(dk.id!);
  expect(record?.scope).toBe(scope);
  expect((await store.getCurrentDataKey(scope))?.id).toBe(dk.id);
  expect((await writing(keys, scope)).id).toBe(dk.id);
}

/** A wrapper whose first stored unwrap waits at a gate after unwrapping, until the test releases it. */
function heldFirstUnwrap() {
  const base = newWrapper();
  const { gate, hold } = makeGate();
  let armed = true;
  const wrapper = {
    ...base,
    unwrapStored: async (...args: Parameters<typeof base.unwrapStored>) => {
      const key = await base.unwrapStored(...args);
      if (armed) {
        armed = false;
        await hold();
      }
      return key;
    },
  };
  return { gate, wrapper };
}

describe("data keys: a shred during a load of the current key", () => {
  it("a shred while the current key unwraps makes the load read again and create a live key", async () => {
    const store = createMemoryDataKeyStore();
    const first = newLayer({ store });
    const old = await writing(first.keys, "t1");
    const { gate, wrapper } = heldFirstUnwrap();
    const { keys } = newLayer({ store, wrapper });
    const pending = writing(keys, "t1");
    await gate.reached;
    await shred(keys, store, "t1");
    gate.release();
    const dk = await pending;
    expect(dk.id).not.toBe(old.id);
    await expectLive(keys, store, dk, "t1");
  });

  it("a shred while the new key's create answers makes the load start again", async () => {
    const memory = createMemoryDataKeyStore();
    const { gate, hold } = makeGate();
    let armed = true;
    const store: DataKeyStore = {
      ...memory,
      setCurrentDataKey: async (record, expected) => {
        const result = await memory.setCurrentDataKey(record, expected);
        if (armed) {
          armed = false;
          await hold();
        }
        return result;
      },
    };
    const { keys } = newLayer({ store });
    const pending = writing(keys, "t1");
    await gate.reached;
    const destroyedId = (await memory.getCurrentDataKey("t1"))?.id;
    expect(destroyedId).toBeDefined();
    await shred(keys, memory, "t1");
    gate.release();
    const dk = await pending;
    expect(dk.id).not.toBe(destroyedId);
    await expectLive(keys, memory, dk, "t1");
  });

  it("a lost creation race takes the winner's key, read once", async () => {
    const memory = createMemoryDataKeyStore();
    const winner = newLayer({ store: memory });
    // This process read "no current key" before the winner created one.
    let stale = true;
    const { store, calls } = counting({
      ...memory,
      getCurrentDataKey: (scope) => {
        if (!stale) return memory.getCurrentDataKey(scope);
        stale = false;
        return Promise.resolve(null);
      },
    });
    const { keys } = newLayer({ store });
    const won = await writing(winner.keys, "t1");
    const dk = await writing(keys, "t1");
    expect(dk.id).toBe(won.id);
    expect(Buffer.from(dk.key).equals(Buffer.from(won.key))).toBe(true);
    expect(calls.getCurrentDataKey).toBe(1);
    expect(calls.setCurrentDataKey).toBe(1);
    await expectLive(keys, memory, dk, "t1");
  });

  it("a shred while the winner's key unwraps after a lost race makes the load start again", async () => {
    const memory = createMemoryDataKeyStore();
    const winner = newLayer({ store: memory });
    let stale = true;
    const store: DataKeyStore = {
      ...memory,
      getCurrentDataKey: (scope) => {
        if (!stale) return memory.getCurrentDataKey(scope);
        stale = false;
        return Promise.resolve(null);
      },
    };
    const { gate, wrapper } = heldFirstUnwrap();
    const { keys } = newLayer({ store, wrapper });
    const won = await writing(winner.keys, "t1");
    const pending = writing(keys, "t1");
    await gate.reached;
    await shred(keys, memory, "t1");
    gate.release();
    const dk = await pending;
    expect(dk.id).not.toBe(won.id);
    await expectLive(keys, memory, dk, "t1");
  });
});
