import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/_internal/canonical-json.js";
import { canonicalJsonFast, canonicalJsonWithout, sortKeysDeep } from "../../src/audit/canonical.js";
import type { JsonValue } from "../../src/audit/json-value.js";
import { expectMoatError } from "../helpers/assertions.js";

/** `inner` wrapped in `levels` arrays. */
function inArrays(inner: unknown, levels: number): unknown {
  let v = inner;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

describe("canonicalJsonFast (mutation survivors)", () => {
  it("refuses undefined with ERR_INVALID_INPUT, at the top and inside an array", () => {
    const top = expectMoatError(() => canonicalJsonFast(undefined), "ERR_INVALID_INPUT");
    expect(top.message).toMatch(/undefined/);
    expectMoatError(() => canonicalJsonFast([1, undefined]), "ERR_INVALID_INPUT");
    expectMoatError(() => canonicalJsonFast({ a: undefined }), "ERR_INVALID_INPUT");
  });

  it("sorts the keys of an object nested deeper than the fast-route check looks", () => {
    const deep = inArrays({ b: 1, a: 2 }, 70);
    expect(canonicalJsonFast(deep)).toBe(canonicalJson(deep));
    expect(canonicalJsonFast(deep)).toBe(`${"[".repeat(70)}{"a":2,"b":1}${"]".repeat(70)}`);
  });

  it("refuses NaN nested deeper than the fast-route check looks", () => {
    expectMoatError(() => canonicalJsonFast(inArrays(Number.NaN, 70)), "ERR_INVALID_INPUT");
  });

  it("refuses hostile nesting of arrays with ERR_INVALID_INPUT, not a stack overflow", () => {
    const err = expectMoatError(() => canonicalJsonFast(inArrays(1, 100_000)), "ERR_INVALID_INPUT");
    expect(err.message).toMatch(/nesting/);
  });

  it("refuses hostile nesting of objects with ERR_INVALID_INPUT, not a stack overflow", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const err = expectMoatError(() => canonicalJsonFast(deep), "ERR_INVALID_INPUT");
    expect(err.message).toMatch(/nesting/);
  });
});

describe("canonicalJsonWithout (mutation survivors)", () => {
  it("ignores a toJSON on a class row's prototype, as the general route does", () => {
    class Row {
      a = 1;
      hash = "x";
      toJSON(): unknown {
        return { a: 2, hash: "x" };
      }
    }
    expect(canonicalJsonWithout(new Row() as unknown as Record<string, unknown>, "hash")).toBe('{"a":1}');
  });

  it("refuses a row with a symbol key, as canonicalJson of the rest does", () => {
    const row: Record<string | symbol, unknown> = { a: 1, [Symbol("s")]: 2, hash: "x" };
    const err = expectMoatError(() => canonicalJsonWithout(row, "hash"), "ERR_INVALID_INPUT");
    expect(err.message).toMatch(/symbol/);
  });

  it("drops an omitted member whose value JSON cannot write", () => {
    expect(canonicalJsonWithout({ a: 1, hash: undefined }, "hash")).toBe('{"a":1}');
    expect(canonicalJsonWithout({ a: 1, hash: () => 1 }, "hash")).toBe('{"a":1}');
  });
});

describe("sortKeysDeep (mutation survivors)", () => {
  it("inserts keys in code-unit order at every level", () => {
    const sorted = sortKeysDeep({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 }, B: 3 });
    expect(JSON.stringify(sorted)).toBe('{"B":3,"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}');
    expect(Object.keys(sorted as object)).toEqual(["B", "a", "b"]);
  });

  it("leaves primitives and null as they are", () => {
    for (const v of [null, true, 0, "s"] as const) expect(sortKeysDeep(v)).toBe(v);
  });

  it("drops a key whose value is undefined", () => {
    const sorted = sortKeysDeep({ b: 1, a: undefined } as unknown as JsonValue);
    expect(Object.keys(sorted as object)).toEqual(["b"]);
  });

  it("gives ordinary writable, configurable properties, a __proto__ key included", () => {
    const input = JSON.parse('{"b":1,"__proto__":{"x":1}}') as JsonValue;
    const sorted = sortKeysDeep(input) as Record<string, unknown>;
    expect(Object.keys(sorted)).toEqual(["__proto__", "b"]);
    expect(Object.getPrototypeOf(sorted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(sorted, "b")).toEqual({
      value: 1,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    sorted.b = 2;
    expect(sorted.b).toBe(2);
    expect(delete sorted.b).toBe(true);
    expect(Object.keys(sorted)).toEqual(["__proto__"]);
  });
});
