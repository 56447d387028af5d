/**
 * data-keys.ts, what the envelope does with a data key store's answers: a record of another scope
 * or another id is ERR_INTEGRITY, a malformed id ERR_STORE, a wrap that does not open
 * ERR_INTEGRITY naming the record and its master key (never key bytes); a rotation of a scope with
 * no key yet works; loaded keys are served from the cache without reading the store again.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { base64urlEncode } from "../../src/_internal/encoding.js";
import { type DataKeyRecord, type DataKeyStore, createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { counting } from "./data-keys-fixtures.js";

const context = { table: "notes", column: "body", rowId: 1 };

function b64(b: Uint8Array): string {
  return Buffer.from(b).toString("base64");
}

/** The message names the problem and carries no key material. */
function expectNoSecrets(message: string, record: DataKeyRecord): void {
  expect(message).not.toContain(b64(record.wrappedKey));
  expect(message).not.toContain(base64urlEncode(record.wrappedKey));
}

describe("data keys: the store's answers", () => {
  it("a current key of another scope is ERR_INTEGRITY naming the record", async () => {
    const memory = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: memory });
    await writer.encrypt("other", { context, tenantId: "t2" });
    const foreign = (await memory.getCurrentDataKey("t2"))!;
    const store: DataKeyStore = { ...memory, getCurrentDataKey: () => Promise.resolve(foreign) };
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const err = await expectMoatErrorAsync(envelope.encrypt("x", { context, tenantId: "t1" }), "ERR_INTEGRITY");
    expect(err.message).toContain("belongs to another scope");
    expect(err.message).toContain(foreign.id);
    expectNoSecrets(err.message, foreign);
  });

  it("a read answered with another id's record is ERR_INTEGRITY naming the id asked for", async () => {
    const memory = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: memory });
    const token = await writer.encrypt("mine", { context, tenantId: "t1" });
    const asked = (await memory.getCurrentDataKey("t1"))!.id;
    await writer.encrypt("other", { context, tenantId: "t2" });
    const other = (await memory.getCurrentDataKey("t2"))!;
    const store: DataKeyStore = { ...memory, getDataKey: () => Promise.resolve(other) };
    const reader = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const err = await expectMoatErrorAsync(reader.decrypt(token, { context, tenantId: "t1" }), "ERR_INTEGRITY");
    expect(err.message).toContain("with another key");
    expect(err.message).toContain(asked);
    expectNoSecrets(err.message, other);
  });

  it("a record whose id is not 8 bytes is ERR_STORE: malformed id", async () => {
    const memory = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: memory });
    await writer.encrypt("x", { context, tenantId: "t1" });
    const real = (await memory.getCurrentDataKey("t1"))!;
    for (const length of [7, 9]) {
      const bad = { ...real, id: base64urlEncode(new Uint8Array(length).fill(7)) };
      const store: DataKeyStore = { ...memory, getCurrentDataKey: () => Promise.resolve(bad) };
      const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
      const err = await expectMoatErrorAsync(envelope.encrypt("y", { context, tenantId: "t1" }), "ERR_STORE");
      expect(err.message).toContain("malformed id");
      expectNoSecrets(err.message, bad);
    }
  });

  it("a record whose wrap does not open is ERR_INTEGRITY naming the id and master key", async () => {
    const memory = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: memory });
    const token = await writer.encrypt("x", { context, tenantId: "t1" });
    const real = (await memory.getCurrentDataKey("t1"))!;
    const wrappedKey = real.wrappedKey.slice();
    wrappedKey[20] = (wrappedKey[20] ?? 0) ^ 1;
    const broken = { ...real, wrappedKey };
    const store: DataKeyStore = { ...memory, getDataKey: () => Promise.resolve(broken) };
    const reader = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const err = await expectMoatErrorAsync(reader.decrypt(token, { context, tenantId: "t1" }), "ERR_INTEGRITY");
    expect(err.message).toContain(`data key ${real.id} does not unwrap under master key k1`);
    expectNoSecrets(err.message, broken);
  });

  it("rotating a scope that has no data key yet makes its first one", async () => {
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const { dataKeyId } = await envelope.keys.rotateDataKeys({ tenantId: "fresh" });
    expect((await store.getCurrentDataKey("fresh"))?.id).toBe(dataKeyId);
    const token = await envelope.encrypt("v", { context, tenantId: "fresh" });
    expect((await envelope.keys.dependencyOf(token)).dataKeyId).toBe(dataKeyId);
  });

  it("a stored key loaded once is served from the cache", async () => {
    const memory = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: memory });
    const token = await writer.encrypt("v", { context, tenantId: "t1" });
    const { store, calls } = counting(memory);
    const reader = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const first = await reader.keys.dependencyOf(token);
    const second = await reader.keys.dependencyOf(token);
    expect(second).toEqual(first);
    expect(calls.getDataKey).toBe(1);
  });
});
