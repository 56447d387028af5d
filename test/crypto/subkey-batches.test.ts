/**
 * Per-batch subkeys seen through the stateless envelope: the writer's cached subkey serves only
 * its own (salt, suite), so a value under the same data key and salt but another suite still
 * opens; the salt a writer keeps is its own copy, not the random source's buffer; and HKDF runs
 * once per (data key, salt) on the reading side, never again for the writer's own batch however
 * many other batches were read since. Random sources here are scripted so that two envelopes
 * share a data key (same key bytes and wrap nonce give the same wrapped key).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { nodeCryptoBackend } from "../../src/crypto/backend-select.js";
import { DERIVED_PER_KEY } from "../../src/crypto/subkeys.js";
import { createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { seededRandom } from "./helpers.js";

const context = { table: "t", column: "c", rowId: 1 };

// Layout of a stateless token under master key "k1" (docs/format.md): 0x01 ‖ L ‖ "k1" ‖ suite ‖
// wrapped key (60) ‖ salt (16) ‖ commitment (16) ‖ nonce ‖ ciphertext ‖ tag.
const SUITE_AT = 4;
const KEY_REF = [5, 65] as const;
const SALT = [65, 81] as const;

afterEach(() => {
  vi.restoreAllMocks();
});

/** A random source that hands out `parts` in order (each must be asked for at its length). */
function scripted(parts: readonly Uint8Array[], shareOneBuffer = false): (n: number) => Uint8Array {
  let next = 0;
  const shared = new Uint8Array(64);
  return (n) => {
    const part = parts[next++];
    if (part?.length !== n) throw new Error(`scripted random: draw ${next} of ${n} bytes is not in the script`);
    if (!shareOneBuffer) return part.slice();
    // Like a source that fills one buffer and returns a view of it: the next draw overwrites it.
    const view = shared.subarray(0, n);
    view.set(part);
    return view;
  };
}

const filled = (n: number, byte: number): Uint8Array => new Uint8Array(n).fill(byte);
const DATA_KEY = filled(32, 0xd1);
const WRAP_NONCE = filled(12, 0x77);
const salt = (i: number): Uint8Array => filled(16, 0x40 + i);

describe("per-batch subkeys of the stateless envelope", () => {
  it("opens a value under the writer's data key and salt but another suite", async () => {
    const keyring = testKeyring(["k1"]);
    // The same stream: both envelopes draw the same data key, wrap nonce and salt, then a nonce.
    const aes = createEnvelope({ keyring, random: seededRandom(7) });
    const xchacha = createEnvelope({ keyring, algorithm: "xchacha20-poly1305", random: seededRandom(7) });
    const mine = await aes.encryptBytes("mine", { context });
    const theirs = await xchacha.encryptBytes("theirs", { context });
    expect([mine[SUITE_AT], theirs[SUITE_AT]]).toEqual([0x21, 0x22]);
    expect(theirs.subarray(...KEY_REF)).toEqual(mine.subarray(...KEY_REF));
    expect(theirs.subarray(...SALT)).toEqual(mine.subarray(...SALT));

    expect(await aes.decryptString(theirs, { context })).toBe("theirs");
    expect(await xchacha.decryptString(mine, { context })).toBe("mine");
    expect(await aes.decryptString(mine, { context })).toBe("mine");
  });

  it("keeps its own copy of the salt when the random source reuses its buffer", async () => {
    const keyring = testKeyring(["k1"]);
    const nonce = filled(12, 0x5a);
    // The writer's salt, then the nonce drawn into the same buffer right after it.
    const writer = createEnvelope({ keyring, random: scripted([DATA_KEY, WRAP_NONCE, salt(1), nonce], true) });
    const mine = await writer.encryptBytes("mine", { context });
    expect(mine.subarray(...SALT)).toEqual(salt(1));

    // Same data key, and the salt those overwritten bytes would read as: nonce ‖ salt[12..16].
    const overwritten = new Uint8Array(16);
    overwritten.set(nonce);
    overwritten.set(salt(1).subarray(12), 12);
    const other = createEnvelope({ keyring, random: scripted([DATA_KEY, WRAP_NONCE, overwritten, filled(12, 1)]) });
    const theirs = await other.encryptBytes("theirs", { context });
    expect(theirs.subarray(...KEY_REF)).toEqual(mine.subarray(...KEY_REF));

    expect(await writer.decryptString(theirs, { context })).toBe("theirs");
    expect(await writer.decryptString(mine, { context })).toBe("mine");
  });

  it("derives a batch's subkey once on the reading side", async () => {
    const keyring = testKeyring(["k1"]);
    const writer = createEnvelope({ keyring, backend: "node" });
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push(await writer.encryptBytes(`v${i}`, { context }));
    expect(new Set(tokens.map((t) => Buffer.from(t.subarray(...SALT)).toString("hex"))).size).toBe(1);

    const reader = createEnvelope({ keyring, backend: "node" });
    expect(await reader.decryptString(tokens[0]!, { context })).toBe("v0");
    const hkdf = vi.spyOn(nodeCryptoBackend()!, "hkdf");
    expect(await reader.decryptString(tokens[1]!, { context })).toBe("v1");
    expect(await reader.decryptString(tokens[2]!, { context })).toBe("v2");
    expect(await reader.decryptString(tokens[0]!, { context })).toBe("v0");
    expect(hkdf).not.toHaveBeenCalled();
  });

  it("opens the writer's current batch without HKDF after reading more batches than it caches", async () => {
    const keyring = testKeyring(["k1"]);
    const writer = createEnvelope({
      keyring,
      backend: "node",
      random: scripted([DATA_KEY, WRAP_NONCE, salt(0), filled(12, 2)]),
    });
    const mine = await writer.encryptBytes("mine", { context });
    // Values of DERIVED_PER_KEY other batches under the same data key, each with its own salt.
    const others = [];
    for (let i = 1; i <= DERIVED_PER_KEY; i++) {
      const other = createEnvelope({
        keyring,
        backend: "node",
        random: scripted([DATA_KEY, WRAP_NONCE, salt(i), filled(12, 3)]),
      });
      others.push(await other.encryptBytes(`other ${i}`, { context }));
    }
    const hkdf = vi.spyOn(nodeCryptoBackend()!, "hkdf");
    for (const [i, token] of others.entries()) {
      expect(token.subarray(...KEY_REF)).toEqual(mine.subarray(...KEY_REF));
      expect(await writer.decryptString(token, { context })).toBe(`other ${i + 1}`);
    }
    expect(hkdf).toHaveBeenCalledTimes(DERIVED_PER_KEY);
    hkdf.mockClear();
    expect(await writer.decryptString(mine, { context })).toBe("mine");
    expect(hkdf).not.toHaveBeenCalled();
  });
});
