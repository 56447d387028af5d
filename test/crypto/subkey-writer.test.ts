/**
 * The encrypting side's batches (src/crypto/subkeys.ts), tested on `createSubkeys` directly
 * because a batch is 2²⁰ messages, too many to seal through the envelope in a unit test: one
 * salt serves exactly MESSAGES_PER_SALT messages, the next message draws a new salt, and a
 * finished batch's subkey stays cached for reading its values (no HKDF to open them).
 */
import { describe, expect, it } from "vitest";
import { createBoundedCache } from "../../src/_internal/bounded-cache.js";
import { nodeCryptoBackend } from "../../src/crypto/backend-select.js";
import type { CryptoBackend } from "../../src/crypto/backend.js";
import type { DataKey } from "../../src/crypto/data-keys.js";
import { DERIVED_PER_KEY, type Derived, MESSAGES_PER_SALT, createSubkeys } from "../../src/crypto/subkeys.js";
import { seededRandom } from "./helpers.js";

function embeddedDataKey(): DataKey {
  return {
    mode: "embedded",
    ref: new Uint8Array(60).fill(9),
    refKey: "",
    id: undefined,
    scope: "",
    masterKeyId: "k1",
    key: new Uint8Array(32).fill(0xd1),
    expiresAt: Number.POSITIVE_INFINITY,
    derived: createBoundedCache<string, Derived>(DERIVED_PER_KEY),
    writer: undefined,
    uses: 0,
    destroyed: false,
  };
}

/** The node backend, counting its HKDF calls. */
function countingBackend(): { backend: CryptoBackend; hkdfCalls: () => number } {
  const base = nodeCryptoBackend()!;
  let calls = 0;
  const backend: CryptoBackend = {
    ...base,
    hkdf: (...args) => {
      calls++;
      return base.hkdf(...args);
    },
  };
  return { backend, hkdfCalls: () => calls };
}

describe("subkey batches on the encrypting side", () => {
  it("serves exactly MESSAGES_PER_SALT messages per salt, then draws a new one", () => {
    const random = seededRandom(3);
    let salts = 0;
    const draw = (n: number): Uint8Array => {
      if (n === 16) salts++;
      return random(n);
    };
    const { backend, hkdfCalls } = countingBackend();
    const { writerOf } = createSubkeys(backend, "aes-256-gcm", draw);
    const dk = embeddedDataKey();

    const first = writerOf(dk);
    let sameBatch = 1;
    while (sameBatch < MESSAGES_PER_SALT && writerOf(dk) === first) sameBatch++;
    expect(sameBatch).toBe(MESSAGES_PER_SALT);
    expect([salts, hkdfCalls()]).toEqual([1, 1]);

    const second = writerOf(dk);
    expect(second).not.toBe(first);
    expect(second.derived.salt).not.toEqual(first.derived.salt);
    expect([salts, hkdfCalls()]).toEqual([2, 2]);
    expect(writerOf(dk)).toBe(second);
  });

  it("keeps a finished batch's subkey for reading its values", () => {
    const { backend, hkdfCalls } = countingBackend();
    const { writerOf, derive } = createSubkeys(backend, "aes-256-gcm", seededRandom(5));
    const dk = embeddedDataKey();

    const first = writerOf(dk);
    for (let i = 1; i < MESSAGES_PER_SALT; i++) writerOf(dk);
    const second = writerOf(dk);
    expect(second).not.toBe(first);
    const calls = hkdfCalls();

    // The first batch is no longer the writer's: its subkey comes from the per-key cache.
    const { suite, salt, subkey, commitment } = first.derived;
    const reread = derive(dk, salt.slice(), suite);
    expect(reread).toBe(first.derived);
    expect([reread.subkey, reread.commitment]).toEqual([subkey, commitment]);
    expect(derive(dk, second.derived.salt.slice(), suite)).toBe(second.derived);
    expect(hkdfCalls()).toBe(calls);
  });
});
