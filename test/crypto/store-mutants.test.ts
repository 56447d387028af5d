/**
 * Mutation survivors in src/crypto/store.ts: createEnvelope checks that a data key store has
 * every DataKeyStore method.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { type DataKeyStore, createEnvelope } from "../../src/crypto/index.js";
import { DATA_KEY_STORE_METHODS } from "../../src/crypto/store.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatError } from "../helpers/assertions.js";

const METHODS = [
  "getDataKey",
  "getCurrentDataKey",
  "setCurrentDataKey",
  "updateDataKeyWrapping",
  "listDataKeys",
  "deleteDataKeyScope",
  "countDataKeysByMasterKey",
] as const;

/** A plain object with the memory store's methods, leaving out `omit`. */
function plainStore(omit?: string): DataKeyStore {
  const store = createMemoryDataKeyStore();
  const copy: Record<string, unknown> = {};
  for (const m of METHODS) if (m !== omit) copy[m] = store[m].bind(store);
  return copy as unknown as DataKeyStore;
}

describe("DATA_KEY_STORE_METHODS", () => {
  it("lists the seven DataKeyStore methods", () => {
    expect([...DATA_KEY_STORE_METHODS].sort()).toEqual([...METHODS].sort());
  });

  it("createEnvelope accepts a store with exactly these methods", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: plainStore() });
    const opts = { context: { table: "t", column: "c", rowId: 1 }, tenantId: "t1" };
    const token = await envelope.encrypt("secret", opts);
    expect(await envelope.decryptString(token, opts)).toBe("secret");
  });

  for (const missing of METHODS) {
    it(`createEnvelope refuses a store without ${missing}`, () => {
      const store = plainStore(missing);
      expectMoatError(() => createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store }), "ERR_CONFIG");
    });
  }
});
