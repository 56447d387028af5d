/**
 * data-keys.ts, the key caches seen through an envelope: a key expires at exactly its cacheTtl, a
 * writing key serves exactly maxMessagesPerDataKey messages, a repeat hit on the last key used
 * skips the LRU bookkeeping (so it does not reorder the cache), and concurrent loads of different
 * stateless keys stay apart.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { createEnvelope } from "../../src/crypto/index.js";
import { parseToken } from "../../src/crypto/format.js";
import { testKeyring } from "../../src/testing/index.js";
import { counting } from "./data-keys-fixtures.js";

const context = { table: "notes", column: "body", rowId: 1 };
const keyring = (): ReturnType<typeof testKeyring> => testKeyring(["k1"]);
const keyRefOf = (token: string): string => Buffer.from(parseToken(token).keyRef).toString("hex");

describe("data keys: caching", () => {
  it("a stateless writing key is renewed at exactly cacheTtl", async () => {
    let t = 1_000_000;
    const envelope = createEnvelope({ keyring: keyring(), cacheTtl: 1000, now: () => t });
    const first = keyRefOf(await envelope.encrypt("a", { context }));
    t += 999;
    expect(keyRefOf(await envelope.encrypt("b", { context }))).toBe(first);
    t += 1;
    expect(keyRefOf(await envelope.encrypt("c", { context }))).not.toBe(first);
  });

  it("a stored writing key serves exactly maxMessagesPerDataKey messages from the cache", async () => {
    const { store, calls } = counting(createMemoryDataKeyStore());
    const envelope = createEnvelope({ keyring: keyring(), dataKeys: store, maxMessagesPerDataKey: 3 });
    for (let i = 0; i < 3; i++) await envelope.encrypt("v", { context, tenantId: "t1" });
    expect(calls.getCurrentDataKey).toBe(1);
    await envelope.encrypt("v", { context, tenantId: "t1" });
    expect(calls.getCurrentDataKey).toBe(2);
  });

  it("a repeat write of the last scope does not reorder the writing-key cache", async () => {
    const { store, calls } = counting(createMemoryDataKeyStore());
    const envelope = createEnvelope({ keyring: keyring(), dataKeys: store, cacheMaxEntries: 2 });
    const write = (tenantId: string): Promise<string> => envelope.encrypt("v", { context, tenantId });
    await write("a");
    await write("a"); // from the cache: now the last key used
    await write("b");
    await write("a"); // the last key used again: the cache order stays a, b
    await write("c"); // evicts the least recently used: a
    expect(calls.getCurrentDataKey).toBe(3);
    await write("b"); // still cached
    expect(calls.getCurrentDataKey).toBe(3);
  });

  it("a repeat read of the last key does not reorder the read-key cache", async () => {
    const memory = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: keyring(), dataKeys: memory });
    const tokens: Record<string, string> = {};
    for (const tenantId of ["a", "b", "c"]) tokens[tenantId] = await writer.encrypt(tenantId, { context, tenantId });
    const { store, calls } = counting(memory);
    const reader = createEnvelope({ keyring: keyring(), dataKeys: store, cacheMaxEntries: 2 });
    const read = (tenantId: string): Promise<string> => reader.decryptString(tokens[tenantId]!, { context, tenantId });
    expect(await read("a")).toBe("a");
    await read("a"); // from the cache: now the last key used
    await read("b");
    await read("a"); // the last key used again: the cache order stays a, b
    await read("c"); // evicts the least recently used: a
    expect(calls.getDataKey).toBe(3);
    expect(await read("b")).toBe("b"); // still cached
    expect(calls.getDataKey).toBe(3);
  });

  it("concurrent reads of values under different stateless keys each get their own key", async () => {
    const writer = createEnvelope({ keyring: keyring(), maxMessagesPerDataKey: 1 });
    const one = await writer.encrypt("one", { context });
    const two = await writer.encrypt("two", { context });
    expect(keyRefOf(one)).not.toBe(keyRefOf(two));
    const reader = createEnvelope({ keyring: keyring() });
    const got = await Promise.all([reader.decryptString(one, { context }), reader.decryptString(two, { context })]);
    expect(got).toEqual(["one", "two"]);
  });
});
