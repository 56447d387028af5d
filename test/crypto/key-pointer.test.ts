/**
 * Issue 18 item 5: a tenant's current data-key pointer must be bound to the tenant. Someone with
 * write access to the store points tenant A at tenant B's key: every load of A's writing key must
 * then fail with ERR_INTEGRITY, instead of A writing values no one can decrypt that also survive
 * `shredTenant(A)`.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { createPostgresDataKeyStore } from "../../src/adapters/postgres/index.js";
import type { SqlClient } from "../../src/adapters/postgres/index.js";
import { type DataKeyStore, createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";

const context = { table: "notes", column: "body", rowId: 1 };

/** Writes under A and B, then has `repoint` point A's current key at B's; returns a fresh envelope on the store. */
async function repointed(store: DataKeyStore, a: string, b: string, repoint: (bId: string) => Promise<void>) {
  const setup = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
  await setup.encrypt("a", { context, tenantId: a });
  await setup.encrypt("b", { context, tenantId: b });
  const bId = (await store.getCurrentDataKey(b))?.id;
  if (bId === undefined) throw new Error("B has no current key");
  await repoint(bId);
  return createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
}

function pointerSuite(
  makeStore: () => DataKeyStore,
  repointWith: (store: DataKeyStore) => (a: string, bId: string) => Promise<void>,
): void {
  it("refuses to write tenant A's values under tenant B's key (ERR_INTEGRITY)", async () => {
    const store = makeStore();
    const a = `a-${String(Math.random()).slice(2, 10)}`;
    const b = `b-${String(Math.random()).slice(2, 10)}`;
    const repoint = repointWith(store);
    const envelope = await repointed(store, a, b, (bId) => repoint(a, bId));
    await expectMoatErrorAsync(envelope.encrypt("x", { context, tenantId: a }), "ERR_INTEGRITY");
    await expectMoatErrorAsync(envelope.encryptBytes("x", { context, tenantId: a }), "ERR_INTEGRITY");
    // B is untouched, and shredding A still leaves nothing of A readable.
    const tokenB = await envelope.encrypt("b2", { context, tenantId: b });
    expect(await envelope.decryptString(tokenB, { context, tenantId: b })).toBe("b2");
  });

  it("reports the mismatch from needsRewrap and rotateDataKeys' reads as well", async () => {
    const store = makeStore();
    const a = `a-${String(Math.random()).slice(2, 10)}`;
    const b = `b-${String(Math.random()).slice(2, 10)}`;
    const repoint = repointWith(store);
    const setup = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const tokenA = await setup.encrypt("a", { context, tenantId: a });
    const envelope = await repointed(store, a, b, (bId) => repoint(a, bId));
    await expectMoatErrorAsync(envelope.needsRewrap(tokenA), "ERR_INTEGRITY");
  });
}

describe("data-key pointer bound to its tenant [memory]", () => {
  // The memory store keeps its pointers private: a wrapper answers for the tampered pointer.
  const pointers = new WeakMap<DataKeyStore, Map<string, string>>();
  pointerSuite(
    () => {
      const inner = createMemoryDataKeyStore();
      const overrides = new Map<string, string>();
      const store: DataKeyStore = {
        ...inner,
        async getCurrentDataKey(scope) {
          const id = overrides.get(scope);
          return id === undefined ? inner.getCurrentDataKey(scope) : inner.getDataKey(id);
        },
      };
      pointers.set(store, overrides);
      return store;
    },
    (store) => async (a, bId) => {
      pointers.get(store)?.set(a, bId);
    },
  );

  it("refuses a store whose setCurrentDataKey answers with another tenant's record", async () => {
    const inner = createMemoryDataKeyStore();
    const setup = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: inner });
    await setup.encrypt("b", { context, tenantId: "b" });
    const b = await inner.getCurrentDataKey("b");
    const store: DataKeyStore = {
      ...inner,
      getCurrentDataKey: async () => null,
      setCurrentDataKey: async () => ({ created: false, current: b! }),
    };
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    await expectMoatErrorAsync(envelope.encrypt("x", { context, tenantId: "a" }), "ERR_INTEGRITY");
  });

  it("refuses a store whose getDataKey answers with a record of another id", async () => {
    const inner = createMemoryDataKeyStore();
    const setup = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: inner });
    const token = await setup.encrypt("a", { context, tenantId: "a" });
    await setup.encrypt("a2", { context, tenantId: "a2" });
    const other = await inner.getCurrentDataKey("a2");
    const store: DataKeyStore = { ...inner, getDataKey: async () => other };
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    await expectMoatErrorAsync(envelope.decrypt(token, { context, tenantId: "a" }), "ERR_INTEGRITY");
  });
});

describePostgres("data-key pointer bound to its tenant", (target) => {
  const client = useMigratedDatabase(target);
  const repointSql = (db: SqlClient) => async (a: string, bId: string) => {
    await db.query("UPDATE moatkit_data_key_current SET data_key_id = $1 WHERE scope = $2", [bId, a]);
  };
  pointerSuite(
    () => createPostgresDataKeyStore({ client: client() }),
    () => repointSql(client()),
  );
});
