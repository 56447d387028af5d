/**
 * Mutation survivors in src/crypto/random-pool.ts: the system CSPRNG is called once per 4 KiB
 * pool for draws up to 1 KiB, directly for larger draws, and other sources are called per draw.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { systemRandom } from "../../src/_internal/runtime.js";
import { pooledRandom } from "../../src/crypto/random-pool.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("pooledRandom", () => {
  it("serves many small system draws from one CSPRNG call", () => {
    const spy = vi.spyOn(globalThis.crypto, "getRandomValues");
    const draw = pooledRandom(systemRandom);
    const a = draw(12);
    const b = draw(24);
    expect(a.length).toBe(12);
    expect(b.length).toBe(24);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("uses the whole pool before refilling (four 1 KiB draws, one call)", () => {
    const spy = vi.spyOn(globalThis.crypto, "getRandomValues");
    const draw = pooledRandom(systemRandom);
    for (let i = 0; i < 4; i++) expect(draw(1024).length).toBe(1024);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(draw(1).length).toBe(1);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("pools a draw of exactly 1 KiB", () => {
    const spy = vi.spyOn(globalThis.crypto, "getRandomValues");
    const draw = pooledRandom(systemRandom);
    draw(1024);
    draw(8);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("draws more than 1 KiB directly, with the requested length", () => {
    const spy = vi.spyOn(globalThis.crypto, "getRandomValues");
    const draw = pooledRandom(systemRandom);
    expect(draw(1025).length).toBe(1025);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(draw(5000).length).toBe(5000);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(draw(20000).length).toBe(20000);
    expect(spy).toHaveBeenCalledTimes(3);
    // The pool was never filled: a small draw now refills it.
    draw(4);
    expect(spy).toHaveBeenCalledTimes(4);
  });

  it("calls another source once per draw", () => {
    const calls: number[] = [];
    const source = (n: number): Uint8Array => {
      calls.push(n);
      return new Uint8Array(n).fill(7);
    };
    const draw = pooledRandom(source);
    expect(draw(12)).toEqual(new Uint8Array(12).fill(7));
    draw(3);
    expect(calls).toEqual([12, 3]);
  });
});
