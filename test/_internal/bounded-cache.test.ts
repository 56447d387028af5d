import { describe, expect, it } from "vitest";
import { createBoundedCache } from "../../src/_internal/bounded-cache.js";

describe("createBoundedCache", () => {
  it("never holds more than maxEntries entries, dropping the least recently used first", () => {
    const cache = createBoundedCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now the most recently used
    cache.set("c", 3);
    expect(cache.size).toBe(2);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
  });

  it("hides an entry once it has expired and drops expired entries before live ones", () => {
    const cache = createBoundedCache<string, string>(2);
    cache.set("old", "x", 100);
    cache.set("live", "y", 1_000);
    expect(cache.get("old", 99)).toBe("x");
    expect(cache.get("old", 100)).toBeUndefined();
    cache.set("expiring", "z", 150);
    cache.set("new", "w", 1_000, 200);
    expect(cache.get("live", 200)).toBe("y");
    expect(cache.get("new", 200)).toBe("w");
    expect(cache.size).toBe(2);
  });

  it("lists live entries only", () => {
    const cache = createBoundedCache<number, string>(10);
    cache.set(1, "a", 50);
    cache.set(2, "b");
    expect([...cache.entries(60)]).toEqual([[2, "b"]]);
    expect(cache.delete(2)).toBe(true);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => createBoundedCache(0)).toThrow(RangeError);
    expect(() => createBoundedCache(1.5)).toThrow(RangeError);
  });
});
