/**
 * Key wrapping seen through the envelope: a provider is handed the exact WrapContext of a stored
 * data key (its key id, mode "stored", data key id, tenant scope, purpose), so a wrap made for one
 * tenant does not unwrap for another; a stateless value under a local key reads in a fresh
 * envelope (its key reference is unwrapped, not served from the writer's cache); a value under a
 * retired master key is ERR_KEY_NOT_FOUND whose message and details name the key as retired; a
 * provider answering undefined, a wrong length or garbage fails closed with no key bytes shown.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import {
  DATA_KEY_PURPOSE,
  type KeyProvider,
  type WrapContext,
  createEnvelope,
  createKeyring,
} from "../../src/crypto/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const context = { table: "notes", column: "body", rowId: 1 };

/** A fake KMS that binds each wrap to the JSON of its context, and records every context it sees. */
function bindingProvider(): { provider: KeyProvider; seen: WrapContext[] } {
  const seen: WrapContext[] = [];
  const keys: { key: Uint8Array; bound: string }[] = [];
  const provider: KeyProvider = {
    kind: "test-binding",
    keyName: "test/binding:v1",
    wrap(key, ctx) {
      seen.push({ ...ctx });
      keys.push({ key: key.slice(), bound: JSON.stringify(ctx) });
      return Promise.resolve(Uint8Array.of(0xc0, keys.length - 1));
    },
    unwrap(wrapped, ctx) {
      seen.push({ ...ctx });
      const entry = keys[wrapped[1] ?? -1];
      return Promise.resolve(entry?.bound === JSON.stringify(ctx) ? entry.key.slice() : undefined);
    },
  };
  return { provider, seen };
}

describe("a provider-held master key with a data key store", () => {
  it("is handed the stored key's full context, and a wrap for one tenant does not open for another", async () => {
    const { provider, seen } = bindingProvider();
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: createKeyring([{ id: "kms", provider }]), dataKeys: store });
    const a = await envelope.encrypt("for a", { context, tenantId: "tenant-a" });
    await envelope.encrypt("for b", { context, tenantId: "tenant-b" });
    expect(seen).toHaveLength(2);
    const [ctxA] = seen;
    expect(ctxA).toEqual({
      keyId: "kms",
      mode: "stored",
      dataKeyId: expect.stringMatching(/^[A-Za-z0-9_-]{11}$/) as unknown,
      scope: "tenant-a",
      purpose: DATA_KEY_PURPOSE,
    });
    expect(seen[1]?.scope).toBe("tenant-b");

    // Tenant b's record carries tenant a's wrap: a fresh envelope must not open it.
    const recA = await store.getCurrentDataKey("tenant-a");
    const recB = await store.getCurrentDataKey("tenant-b");
    expect(recA).not.toBeNull();
    expect(recB).not.toBeNull();
    const swapped = {
      ...store,
      getDataKey: async (id: string) => {
        const rec = await store.getDataKey(id);
        return rec !== null && rec.id === recB!.id ? { ...rec, wrappedKey: recA!.wrappedKey } : rec;
      },
    };
    const reader = createEnvelope({ keyring: createKeyring([{ id: "kms", provider }]), dataKeys: swapped });
    await expect(reader.decryptString(a, { context, tenantId: "tenant-a" })).resolves.toBe("for a");
    const b = await envelope.encrypt("for b again", { context, tenantId: "tenant-b" });
    await expectMoatErrorAsync(reader.decrypt(b, { context, tenantId: "tenant-b" }), "ERR_INTEGRITY");
    expect(seen.at(-1)).toMatchObject({ mode: "stored", scope: "tenant-b", dataKeyId: recB!.id });
  });
});

describe("a stateless value under a local master key", () => {
  it("reads in a fresh envelope, which unwraps its key reference", async () => {
    const keyring = createKeyring([{ id: "k1", key: new Uint8Array(32).fill(5) }]);
    const token = await createEnvelope({ keyring }).encrypt("stateless", { context });
    await expect(createEnvelope({ keyring }).decryptString(token, { context })).resolves.toBe("stateless");
    const other = createKeyring([{ id: "k1", key: new Uint8Array(32).fill(6) }]);
    await expectMoatErrorAsync(createEnvelope({ keyring: other }).decrypt(token, { context }), "ERR_DECRYPT");
  });
});

describe("a value under a retired master key", () => {
  it("is ERR_KEY_NOT_FOUND naming the key as retired, in its message and details", async () => {
    const store = createMemoryDataKeyStore();
    const oldKey = new Uint8Array(32).fill(1);
    const before = createEnvelope({ keyring: createKeyring([{ id: "old", key: oldKey }]), dataKeys: store });
    const token = await before.encrypt("under old", { context, tenantId: "t1" });
    const after = createEnvelope({
      keyring: createKeyring([
        { id: "new", key: new Uint8Array(32).fill(2) },
        { id: "old", key: oldKey, retired: true },
      ]),
      dataKeys: store,
    });
    const err = await expectMoatErrorAsync(after.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
    expect(err.message).toBe("master key old is retired: run envelope.keys.rewrapDataKeys() to move data keys off it");
    expect(err.details).toEqual({ keyId: "old", retired: true });
    // Moving the data keys off it makes the value readable again.
    await after.keys.rewrapDataKeys();
    await expect(after.decryptString(token, { context, tenantId: "t1" })).resolves.toBe("under old");
  });
});

describe("a provider answering what it must not", () => {
  function answering(unwrapped: unknown, wrapped: unknown): KeyProvider {
    return {
      kind: "test-bad",
      keyName: "test/bad:v1",
      wrap: () => Promise.resolve(wrapped as Uint8Array),
      unwrap: () => Promise.resolve(unwrapped as Uint8Array | undefined),
    };
  }
  const secretish = new Uint8Array(32).fill(0xab);

  it("undefined from unwrap: the value does not decrypt", async () => {
    const keyring = createKeyring([{ id: "kms", provider: answering(undefined, Uint8Array.of(1, 2, 3)) }]);
    const token = await createEnvelope({ keyring }).encrypt("x", { context });
    await expectMoatErrorAsync(createEnvelope({ keyring }).decrypt(token, { context }), "ERR_DECRYPT");
  });

  it("a key of the wrong length, or garbage: ERR_KEY_PROVIDER naming the provider, no key bytes", async () => {
    for (const answer of [secretish.subarray(0, 31), new Uint8Array(33).fill(0xab), "garbage", 42]) {
      const keyring = createKeyring([{ id: "kms", provider: answering(answer, Uint8Array.of(1, 2, 3)) }]);
      const token = await createEnvelope({ keyring }).encrypt("x", { context });
      const err = await expectMoatErrorAsync(
        createEnvelope({ keyring }).decrypt(token, { context }),
        "ERR_KEY_PROVIDER",
      );
      expect(err.message).toContain("test-bad");
      expect(err.message).toContain("kms");
      expect(err.details).toMatchObject({ keyId: "kms", failure: "invalid_response" });
      expect(err.message).not.toMatch(/ab,?ab|abab|171/i);
    }
  });

  it("an empty or non-byte wrap: ERR_KEY_PROVIDER, nothing encrypted", async () => {
    for (const wrapped of [new Uint8Array(0), "garbage", undefined]) {
      const keyring = createKeyring([{ id: "kms", provider: answering(secretish, wrapped) }]);
      const envelope = createEnvelope({ keyring, dataKeys: createMemoryDataKeyStore() });
      const err = await expectMoatErrorAsync(envelope.encrypt("x", { context, tenantId: "t1" }), "ERR_KEY_PROVIDER");
      expect(err.details).toMatchObject({ keyId: "kms", failure: "invalid_response" });
    }
  });
});
