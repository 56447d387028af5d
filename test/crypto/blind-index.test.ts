import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createBlindIndex } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

const keyring = testKeyring(["k2", "k1"]);

describe("createBlindIndex", () => {
  it("is deterministic, keyed, truncated to bits, and the same on both backends", () => {
    const node = createBlindIndex({ keyring, name: "users.email", bits: 32, backend: "node" });
    const noble = createBlindIndex({ keyring, name: "users.email", bits: 32, backend: "noble" });
    expect(node.index("ada@example.com")).toMatch(/^[0-9a-f]{8}$/);
    expect(node.index("ada@example.com")).toBe(node.index("ada@example.com"));
    expect(node.index("ada@example.com")).toBe(noble.index("ada@example.com"));
    expect(node.index("ada@example.com")).not.toBe(node.index("bob@example.com"));
    expect(node.keyId).toBe("k2");
  });

  it("gives unrelated indexes for different names, keys and sizes", () => {
    const a = createBlindIndex({ keyring, name: "users.email", bits: 256 });
    const b = createBlindIndex({ keyring, name: "users.phone", bits: 256 });
    const c = createBlindIndex({ keyring, name: "users.email", bits: 256, keyId: "k1" });
    const values = [a, b, c].map((i) => i.index("same"));
    expect(new Set(values).size).toBe(3);
    expect(values[0]).toHaveLength(64);
  });

  it("zeroes the unused low bits when bits is not a multiple of 8", () => {
    const index = createBlindIndex({ keyring, name: "n", bits: 33 });
    fc.assert(
      fc.property(fc.string(), (v) => {
        const bytes = index.indexBytes(v);
        expect(bytes).toHaveLength(5);
        expect((bytes[4] ?? 0) & 0x7f).toBe(0);
        const wide = createBlindIndex({ keyring, name: "n", bits: 40 }).indexBytes(v);
        expect([...bytes.subarray(0, 4)]).toEqual([...wide.subarray(0, 4)]);
      }),
    );
  });

  it("applies normalize to strings", () => {
    const index = createBlindIndex({ keyring, name: "email", bits: 64, normalize: (s) => s.trim().toLowerCase() });
    expect(index.index("  Ada@Example.COM ")).toBe(index.index("ada@example.com"));
    expect(index.index(new TextEncoder().encode("ada@example.com"))).toBe(index.index("ada@example.com"));
  });

  it("requires bits in 32..256 and a known key id", () => {
    for (const bits of [undefined, 0, 16, 31, 257, 32.5, "32"]) {
      expectMoatError(() => createBlindIndex({ keyring, name: "n", bits } as never), "ERR_CONFIG");
    }
    expectMoatError(() => createBlindIndex({ keyring, name: "", bits: 32 }), "ERR_CONFIG");
    expectMoatError(() => createBlindIndex({ keyring, name: "n", bits: 32, keyId: "k9" }), "ERR_CONFIG");
    expectMoatError(() => createBlindIndex({ keyring: {} as never, name: "n", bits: 32 }), "ERR_CONFIG");
  });

  it("rejects wrong value types and oversized values", () => {
    const index = createBlindIndex({ keyring, name: "n", bits: 32 });
    for (const v of WRONG_TYPES) expectMoatError(() => index.index(v as never), "ERR_INVALID_INPUT");
    expectMoatError(() => index.index(new Uint8Array(1024 * 1024 + 1)), "ERR_INVALID_INPUT");
    const broken = createBlindIndex({ keyring, name: "n", bits: 32, normalize: () => 5 as never });
    expectMoatError(() => broken.index("x"), "ERR_CONFIG");
  });
});
