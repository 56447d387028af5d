/**
 * `envelope.keys.rewrapDataKeys` (envelope-keys.ts): its options (unknown keys, batchSize), the
 * pages it asks the store for and when it stops, the counts it returns or reports on abort, and
 * that the unwrapped data keys it handles are zeroed once re-wrapped.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import {
  type DataKeyStore,
  type KeyProvider,
  type ListDataKeysOptions,
  createEnvelope,
  createKeyring,
} from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { deterministicProvider } from "../kms/test-provider.js";

const context = { table: "notes", column: "body", rowId: 1 };

/** A store that records each listDataKeys call's options exactly as given (own keys included). */
function recording(store: DataKeyStore, afterList?: (call: number) => void) {
  const calls: ListDataKeysOptions[] = [];
  const wrapped: DataKeyStore = {
    ...store,
    listDataKeys: async (options) => {
      calls.push({ ...options });
      const page = await store.listDataKeys(options);
      afterList?.(calls.length);
      return page;
    },
  };
  return { store: wrapped, calls };
}

/** A store holding one data key under k1 for each tenant, and the k2-primary envelope over it. */
async function underK1(tenants: readonly string[], store: DataKeyStore = createMemoryDataKeyStore()) {
  const v1 = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
  const tokens = await Promise.all(tenants.map((t) => v1.encrypt(t, { context, tenantId: t })));
  return { store, tokens };
}

/** Tenants' values under k1, the store wrapped to record its page reads, and an envelope with k2 primary on it. */
async function rewrapSetup(tenants: readonly string[]) {
  const { store } = await underK1(tenants);
  const rec = recording(store);
  const v2 = createEnvelope({ keyring: testKeyring(["k2", "k1"]), dataKeys: rec.store });
  return { store, rec, v2 };
}

describe("rewrapDataKeys options", () => {
  it("refuses an unknown option with ERR_INVALID_INPUT naming it and the option meant", async () => {
    const { store, rec, v2 } = await rewrapSetup(["a"]);
    const err = await expectMoatErrorAsync(v2.keys.rewrapDataKeys({ batchsize: 2 } as never), "ERR_INVALID_INPUT");
    expect(err.message).toBe('rewrapDataKeys options: unknown key "batchsize"; did you mean "batchSize"?');
    expect(rec.calls).toEqual([]);
    expect(await store.countDataKeysByMasterKey()).toEqual({ k1: 1 });
  });

  it("refuses a batchSize that is not a positive safe integer, before reading the store", async () => {
    const { store, rec, v2 } = await rewrapSetup(["a"]);
    for (const batchSize of [0, -1, 1.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "2"]) {
      const err = await expectMoatErrorAsync(
        v2.keys.rewrapDataKeys({ batchSize: batchSize as never }),
        "ERR_INVALID_INPUT",
      );
      expect(err.message).toBe("batchSize must be a positive integer");
    }
    expect(rec.calls).toEqual([]);
    expect(await store.countDataKeysByMasterKey()).toEqual({ k1: 1 });
  });

  it("takes a batchSize of 1: one record per page, then an empty page ends the run", async () => {
    const { store, rec, v2 } = await rewrapSetup(["a", "b", "c"]);
    const result = await v2.keys.rewrapDataKeys({ batchSize: 1 });
    expect(result).toEqual({ scanned: 3, rewrapped: 3, alreadyCurrent: 0, remainingByMasterKeyId: { k2: 3 } });
    const ids = (await store.listDataKeys({ limit: 10 })).map((r) => r.id);
    expect(rec.calls).toStrictEqual([
      { limit: 1 },
      { after: ids[0], limit: 1 },
      { after: ids[1], limit: 1 },
      { after: ids[2], limit: 1 },
    ]);
  });
});

describe("rewrapDataKeys paging and counts", () => {
  it("asks for the first page without `after`, and stops at a short page without another read", async () => {
    const { store, rec, v2 } = await rewrapSetup(["a", "b", "c"]);
    const result = await v2.keys.rewrapDataKeys({ batchSize: 2 });
    expect(result).toEqual({ scanned: 3, rewrapped: 3, alreadyCurrent: 0, remainingByMasterKeyId: { k2: 3 } });
    const ids = (await store.listDataKeys({ limit: 10 })).map((r) => r.id);
    expect(rec.calls).toStrictEqual([{ limit: 2 }, { after: ids[1], limit: 2 }]);
  });

  it("reads one page of 500 by default and stops when it is not full", async () => {
    const { rec, v2 } = await rewrapSetup(["a", "b"]);
    expect((await v2.keys.rewrapDataKeys()).scanned).toBe(2);
    expect(rec.calls).toStrictEqual([{ limit: 500 }]);
  });

  it("counts records already under the primary as alreadyCurrent, and a second run finds all current", async () => {
    const { store, tokens } = await underK1(["a", "b", "c"]);
    const v2 = createEnvelope({ keyring: testKeyring(["k2", "k1"]), dataKeys: store });
    const d = await v2.encrypt("d", { context, tenantId: "d" }); // a new tenant's key is made under k2
    expect(await v2.keys.countDataKeysByMasterKey()).toEqual({ k1: 3, k2: 1 });
    expect(await v2.keys.rewrapDataKeys({ batchSize: 3 })).toEqual({
      scanned: 4,
      rewrapped: 3,
      alreadyCurrent: 1,
      remainingByMasterKeyId: { k2: 4 },
    });
    expect(await v2.keys.rewrapDataKeys()).toEqual({
      scanned: 4,
      rewrapped: 0,
      alreadyCurrent: 4,
      remainingByMasterKeyId: { k2: 4 },
    });
    const k2only = createEnvelope({ keyring: testKeyring(["k2"]), dataKeys: store });
    for (const [i, t] of ["a", "b", "c"].entries())
      expect(await k2only.decryptString(tokens[i]!, { context, tenantId: t })).toBe(t);
    expect(await k2only.decryptString(d, { context, tenantId: "d" })).toBe("d");
  });

  it("counts a record another process re-wrapped first (lost compare-and-set) as alreadyCurrent", async () => {
    const { store } = await underK1(["a", "b"]);
    const lost: DataKeyStore = { ...store, updateDataKeyWrapping: () => Promise.resolve(false) };
    const v2 = createEnvelope({ keyring: testKeyring(["k2", "k1"]), dataKeys: lost });
    expect(await v2.keys.rewrapDataKeys()).toEqual({
      scanned: 2,
      rewrapped: 0,
      alreadyCurrent: 2,
      remainingByMasterKeyId: { k1: 2 },
    });
  });

  it("stops between pages when aborted, with the counts so far in details", async () => {
    const base = createMemoryDataKeyStore();
    const controller = new AbortController();
    const rec = recording(base, (call) => {
      if (call === 1) controller.abort();
    });
    await underK1(["a", "b", "c"], base);
    const v2 = createEnvelope({ keyring: testKeyring(["k2", "k1"]), dataKeys: rec.store });
    const err = await expectMoatErrorAsync(
      v2.keys.rewrapDataKeys({ batchSize: 2, signal: controller.signal }),
      "ERR_ABORTED",
    );
    expect(err.details).toEqual({ scanned: 2, rewrapped: 2, alreadyCurrent: 0 });
    expect(rec.calls).toHaveLength(1);
    expect(await base.countDataKeysByMasterKey()).toEqual({ k1: 1, k2: 2 });
  });
});

describe("rewrapDataKeys and key material", () => {
  it("zeroes each unwrapped data key once it is wrapped under the new primary", async () => {
    const local = { id: "k1", key: Buffer.alloc(32, 3) };
    const store = createMemoryDataKeyStore();
    const v1 = createEnvelope({ keyring: createKeyring([local]), dataKeys: store });
    const tokens = await Promise.all(["a", "b"].map((t) => v1.encrypt(t, { context, tenantId: t })));
    const inner = deterministicProvider(Buffer.alloc(32, 9));
    const seen: Uint8Array[] = [];
    const provider: KeyProvider = {
      kind: inner.kind,
      keyName: inner.keyName,
      wrap: async (dataKey, ctx, options) => {
        const wrapped = await inner.wrap(dataKey, ctx, options);
        seen.push(dataKey);
        return wrapped;
      },
      unwrap: (wrapped, ctx, options) => inner.unwrap(wrapped, ctx, options),
    };
    const v2 = createEnvelope({ keyring: createKeyring([{ id: "kms", provider }, local]), dataKeys: store });
    expect((await v2.keys.rewrapDataKeys()).remainingByMasterKeyId).toEqual({ kms: 2 });
    expect(seen).toHaveLength(2);
    for (const key of seen) {
      expect(key).toHaveLength(32);
      expect(key.every((b) => b === 0)).toBe(true);
    }
    // Zeroing touched the in-memory copies only: the re-wrapped keys still open the values.
    for (const [i, t] of ["a", "b"].entries())
      expect(await v2.decryptString(tokens[i]!, { context, tenantId: t })).toBe(t);
  });
});
