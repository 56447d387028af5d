import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, toJsonValue } from "../../src/audit/json-value.js";

/** The problem toJsonValue reports for `value` (fails the test if it accepts it). */
function problemOf(value: unknown): { path: readonly (string | number)[]; message: string } {
  const r = toJsonValue(value);
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error("accepted");
  return r.problem;
}

/** `inner` wrapped in `levels` arrays. */
function inArrays(inner: unknown, levels: number): unknown {
  let v = inner;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

describe("toJsonValue (mutation survivors)", () => {
  it.each([
    ["a lone surrogate", { a: "x\ud800" }, ["a"], "a string with a lone surrogate is not well-formed Unicode"],
    ["NaN", { n: Number.NaN }, ["n"], "a non-finite number is not JSON"],
    ["undefined in an array", [undefined], [0], "undefined is not allowed here"],
    ["a BigInt", { b: 1n }, ["b"], "a BigInt is not JSON (convert it to a string)"],
    ["a function", { f: () => 1 }, ["f"], "a function is not JSON"],
    ["a symbol", { s: Symbol("s") }, ["s"], "a symbol is not JSON"],
    ["a sparse array", [1, , 3], [1], "a sparse array is not JSON"], // eslint-disable-line no-sparse-arrays
    ["a Map", { m: new Map() }, ["m"], "only plain objects, arrays and JSON primitives are allowed"],
    [
      "a lone surrogate in a key",
      { o: { "\udc00k": 1 } },
      ["o", "\udc00k"],
      "a key with a lone surrogate is not well-formed Unicode",
    ],
  ])("refuses %s, saying where and why", (_name, value, path, message) => {
    expect(problemOf(value)).toEqual({ path, message });
  });

  it("refuses a top-level function, saying why, with an empty path", () => {
    expect(problemOf(() => 1)).toEqual({ path: [], message: "a function is not JSON" });
  });

  it("refuses a cycle as a cycle, where it closes", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(problemOf(cycle)).toEqual({ path: ["self"], message: "a cycle is not JSON" });
  });

  it(`accepts ${String(MAX_JSON_DEPTH)} levels of nesting and refuses one more`, () => {
    expect(toJsonValue(inArrays(1, MAX_JSON_DEPTH)).ok).toBe(true);
    expect(problemOf(inArrays(1, MAX_JSON_DEPTH + 1))).toEqual({
      path: Array.from({ length: MAX_JSON_DEPTH }, () => 0),
      message: "nesting deeper than 64 levels",
    });
  });

  it('calls a top-level toJSON with the key "", as JSON.stringify does', () => {
    const keys: unknown[] = [];
    const value = {
      toJSON(key: unknown): unknown {
        keys.push(key);
        return { k: key };
      },
    };
    expect(toJsonValue(value)).toEqual({ ok: true, value: { k: "" } });
    expect(toJsonValue({ inner: value })).toEqual({ ok: true, value: { inner: { k: "inner" } } });
    expect(keys).toEqual(["", "inner"]);
  });

  it("gives objects with ordinary writable, configurable properties", () => {
    const r = toJsonValue({ a: 1 });
    if (!r.ok) throw new Error("refused");
    const out = r.value as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(out, "a")).toEqual({
      value: 1,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    out.a = 2;
    expect(out.a).toBe(2);
    expect(delete out.a).toBe(true);
    expect(out).toEqual({});
  });
});
