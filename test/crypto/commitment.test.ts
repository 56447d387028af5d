/**
 * Key commitment: a ciphertext whose data key reference is swapped for another key's is
 * refused by the commitment check, before any AEAD decryption runs.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { nodeCryptoBackend } from "../../src/crypto/backend-select.js";
import { createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const context = { table: "t", column: "c", rowId: 1 };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("key commitment", () => {
  it("refuses a value under data key A relabelled as data key B without running the AEAD", async () => {
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, backend: "node" });
    const underA = await envelope.encryptBytes("under key A", { context, tenantId: "t1" });
    await envelope.keys.rotateDataKeys({ tenantId: "t1" });
    const underB = await envelope.encryptBytes("under key B", { context, tenantId: "t1" });
    // Warm the cache for B so that decrypting below needs no unwrap either.
    expect(await envelope.decryptString(underB, { context, tenantId: "t1" })).toBe("under key B");

    const refAt = 2 + (underA[1] ?? 0) + 1;
    const swapped = underA.slice();
    swapped.set(underB.subarray(refAt, refAt + 8), refAt);

    const open = vi.spyOn(nodeCryptoBackend()!, "open");
    await expectMoatErrorAsync(envelope.decrypt(swapped, { context, tenantId: "t1" }), "ERR_DECRYPT");
    expect(open).not.toHaveBeenCalled();
    // The same check lets the untouched value through.
    expect(await envelope.decryptString(underA, { context, tenantId: "t1" })).toBe("under key A");
    expect(open).toHaveBeenCalled();
  });

  it("refuses a stateless value whose master key id is swapped for another key in the keyring", async () => {
    const keyring = testKeyring(["k2", "k1"]);
    const envelope = createEnvelope({ keyring });
    const token = await createEnvelope({ keyring: testKeyring(["k1"]) }).encrypt("x", { context });
    expect(await envelope.decryptString(token, { context })).toBe("x");
    expect(token.startsWith("mk2Ck1__")).toBe(true);
    await expectMoatErrorAsync(envelope.decrypt(token.replace("mk2Ck1__", "mk2Ck2__"), { context }), "ERR_DECRYPT");
  });

  it("refuses a stored value whose master key id label is changed (the header is authenticated)", async () => {
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: testKeyring(["k2", "k1"]), dataKeys: store });
    const token = await envelope.encrypt("x", { context });
    expect(token.startsWith("mk2Ck2__")).toBe(true);
    await expectMoatErrorAsync(envelope.decrypt(token.replace("mk2Ck2__", "mk2Ck1__"), { context }), "ERR_DECRYPT");
  });
});
