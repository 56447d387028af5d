/**
 * Cached data keys are found by the reference a token carries, and a reference means something
 * different in each key mode: a stored key's 8-byte id, or a key provider's ciphertext behind a
 * 2-byte length. A stateless token whose provider ciphertext is 6 bytes long carries 8 bytes of
 * reference, the length of a stored id. An attacker who crafts a stored-mode token with those
 * same 8 bytes must get the answer for a stored id that does not exist (ERR_KEY_NOT_FOUND), not
 * the cached stateless key.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { type KeyProvider, createEnvelope, createKeyring } from "../../src/crypto/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const context = { table: "notes", column: "body", rowId: 1 };

/** A provider whose ciphertext is a 6-byte handle to the key it keeps (tests only). */
function sixByteProvider(): KeyProvider {
  const keys = new Map<string, Uint8Array>();
  let next = 1;
  return {
    kind: "test-six-byte",
    keyName: "test/six-byte:v1",
    wrap(key) {
      const handle = new Uint8Array([next, next + 1, next + 2, next + 3, next + 4, next + 5]);
      next += 6;
      keys.set(Buffer.from(handle).toString("hex"), key.slice());
      return Promise.resolve(handle);
    },
    unwrap(wrapped) {
      return Promise.resolve(keys.get(Buffer.from(wrapped).toString("hex"))?.slice());
    },
  };
}

/** The offset of a binary token's key reference: 0x01 ‖ L ‖ keyId ‖ suite ‖ keyRef. */
function keyRefOffset(token: Uint8Array): number {
  return 2 + (token[1] ?? 0) + 1;
}

describe("a key reference is read in its own mode", () => {
  it("does not serve a cached stateless key for a stored-mode token carrying the same 8 bytes", async () => {
    const keyring = createKeyring([{ id: "kms", provider: sixByteProvider() }]);
    const stateless = createEnvelope({ keyring });
    const stored = createEnvelope({ keyring, dataKeys: createMemoryDataKeyStore() });

    // The stateless token's reference: uint16 length 6 ‖ the 6-byte ciphertext.
    const statelessToken = await stateless.encryptBytes("stateless value", { context });
    const offset = keyRefOffset(statelessToken);
    const providerRef = statelessToken.slice(offset, offset + 8);
    expect([...providerRef.subarray(0, 2)]).toEqual([0, 6]);
    // Reading it puts its data key in the stored envelope's cache.
    await expect(stored.decryptString(statelessToken, { context })).resolves.toBe("stateless value");

    // A stored-mode token whose 8-byte data key id is those same bytes.
    const storedToken = await stored.encryptBytes("stored value", { context });
    const forged = storedToken.slice();
    forged.set(providerRef, keyRefOffset(forged));

    await expectMoatErrorAsync(stored.decrypt(forged, { context }), "ERR_KEY_NOT_FOUND");
    await expectMoatErrorAsync(stored.keys.dependencyOf(forged), "ERR_KEY_NOT_FOUND");
    // The genuine tokens still read.
    await expect(stored.decryptString(storedToken, { context })).resolves.toBe("stored value");
    await expect(stored.decryptString(statelessToken, { context })).resolves.toBe("stateless value");
  });
});

describe("maxMessagesPerDataKey under concurrent stateless writers", () => {
  it("counts every writer that waited for a new key, so no key serves more than its share", async () => {
    const keyring = createKeyring([{ id: "kms", provider: sixByteProvider() }]);
    const envelope = createEnvelope({ keyring, maxMessagesPerDataKey: 2 });
    // Seven writers arrive together: the first starts the provider call, the others wait for it.
    const tokens = await Promise.all(
      Array.from({ length: 7 }, (_, i) => envelope.encryptBytes(`value ${String(i)}`, { context })),
    );
    const perKey = new Map<string, number>();
    for (const token of tokens) {
      const offset = keyRefOffset(token);
      const ref = Buffer.from(token.subarray(offset, offset + 8)).toString("hex");
      perKey.set(ref, (perKey.get(ref) ?? 0) + 1);
    }
    expect(Math.max(...perKey.values())).toBeLessThanOrEqual(2);
    expect(perKey.size).toBeGreaterThanOrEqual(4);
    for (const [i, token] of tokens.entries()) {
      await expect(envelope.decryptString(token, { context })).resolves.toBe(`value ${String(i)}`);
    }
  });
});
