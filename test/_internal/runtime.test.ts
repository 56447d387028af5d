import { describe, expect, it } from "vitest";
import { BASE62_ALPHABET, base64urlDecode } from "../../src/_internal/encoding.js";
import { randomBase62, randomBytes, randomToken, systemRandom } from "../../src/_internal/runtime.js";
import { expectMoatError } from "../helpers/assertions.js";

describe("systemRandom", () => {
  it("returns the requested number of bytes, beyond the 64 KiB getRandomValues limit too", () => {
    expect(systemRandom(0)).toHaveLength(0);
    expect(systemRandom(32)).toHaveLength(32);
    const big = systemRandom(200_000);
    expect(big).toHaveLength(200_000);
    expect(big.subarray(150_000).some((b) => b !== 0)).toBe(true);
  });

  it("rejects bad lengths", () => {
    expectMoatError(() => systemRandom(-1), "ERR_INVALID_INPUT");
    expectMoatError(() => systemRandom(1.5), "ERR_INVALID_INPUT");
  });

  it("randomBytes refuses a random source that returns the wrong length", () => {
    expectMoatError(() => randomBytes(() => new Uint8Array(3), 4), "ERR_CONFIG");
  });
});

describe("random tokens", () => {
  it("randomToken encodes the requested entropy as base64url", () => {
    expect(base64urlDecode(randomToken(systemRandom, 32))).toHaveLength(32);
  });

  it("randomBase62 gives the requested length over the whole alphabet, without modulo bias", () => {
    const counts = new Map<string, number>();
    const text = randomBase62(systemRandom, 62_000);
    expect(text).toHaveLength(62_000);
    for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const c of BASE62_ALPHABET) {
      // Expected 1,000 each; with `byte % 62` the first eight would average ~1,240.
      expect(counts.get(c)).toBeGreaterThan(850);
      expect(counts.get(c)).toBeLessThan(1150);
    }
  });

  it("randomBase62 discards bytes ≥ 248 (deterministic source)", () => {
    let calls = 0;
    const source = (n: number) => {
      calls++;
      return new Uint8Array(n).fill(calls === 1 ? 250 : 63);
    };
    expect(randomBase62(source, 3)).toBe("111");
  });
});
