import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/_internal/canonical-json.js";
import { expectMoatError } from "../helpers/assertions.js";

/** Rebuilds an object with its keys inserted in a shuffled order, recursively. */
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  const shuffled = entries
    .map((e, i) => ({ e, k: Math.sin(seed * 31 + i * 17) }))
    .sort((a, b) => a.k - b.k)
    .map(({ e }) => e);
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(shuffled.map(([k, v]) => [k, shuffleKeys(v, seed + 1)]));
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });

describe("canonicalJson", () => {
  it("sorts keys and drops whitespace", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], c: { z: 0, y: -1.5 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"c":{"y":-1.5,"z":0}}',
    );
  });

  it("is byte-identical for objects whose keys were inserted in different orders", () => {
    fc.assert(
      fc.property(jsonValue, fc.integer(), (value, seed) => {
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(canonicalJson(value));
      }),
    );
  });

  it("parses back to an equal value", () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        // JSON has no -0; JSON.stringify writes it as 0, as RFC 8785 does.
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it("escapes well-formed strings exactly as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        expect(canonicalJson(text)).toBe(JSON.stringify(text));
        expect(canonicalJson({ [text]: text })).toBe(`{${JSON.stringify(text)}:${JSON.stringify(text)}}`);
      }),
    );
    expect(canonicalJson('\ud83d\ude00\u0000\u001f"\\')).toBe('"\ud83d\ude00\\u0000\\u001f\\"\\\\"');
  });

  // RFC 8785 §3.2.2.2: strings are I-JSON (RFC 7493), whose strings must be well-formed Unicode,
  // so a lone surrogate has no canonical form. Escaping it (as JSON.stringify does) would let two
  // implementations disagree; refusing is what the RFC asks.
  it.each([
    ["a lone high surrogate", "\ud800"],
    ["a lone low surrogate", "\udc00"],
    ["a reversed pair", "\udc00\ud800"],
    ["a high surrogate at the end", "ok\udbff"],
    ["a lone surrogate in a key", { "a\ud800": 1 }],
    ["a lone surrogate in a nested value", { a: [{ b: "x\udfff" }] }],
  ])("refuses %s with ERR_INVALID_INPUT", (_, value) => {
    expectMoatError(() => canonicalJson(value), "ERR_INVALID_INPUT");
  });

  it("refuses every string with a lone surrogate and accepts every well-formed one", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        const wellFormed = !/\p{Cs}/u.test(text);
        if (wellFormed) expect(canonicalJson(text)).toBe(JSON.stringify(text));
        else expectMoatError(() => canonicalJson(text), "ERR_INVALID_INPUT");
      }),
    );
  });

  it("orders keys by UTF-16 code units (RFC 8785)", () => {
    expect(canonicalJson({ "\u20ac": 1, "\r": 2, "\ud83d\ude00": 3, "1": 4, "\u0080": 5, a: 6 })).toBe(
      '{"\\r":2,"1":4,"a":6,"\u0080":5,"\u20ac":1,"\ud83d\ude00":3}',
    );
  });

  it("serialises numbers the way RFC 8785 does", () => {
    expect(canonicalJson([1e21, 1e-7, 0.1, -0, 333333333.3333333, 5e-324])).toBe(
      "[1e+21,1e-7,0.1,0,333333333.3333333,5e-324]",
    );
  });

  it("uses toJSON (dates become ISO strings)", () => {
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 0, 2)) })).toBe('{"at":"2026-01-02T00:00:00.000Z"}');
  });

  it("accepts null-prototype objects", () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.b = 2;
    o.a = 1;
    expect(canonicalJson(o)).toBe('{"a":1,"b":2}');
  });

  it.each([
    ["undefined", undefined],
    ["an undefined property", { a: undefined }],
    ["undefined in an array", [1, undefined]],
    ["a function", { f: () => 1 }],
    ["a symbol", Symbol("s")],
    ["NaN", Number.NaN],
    ["Infinity", { n: Number.POSITIVE_INFINITY }],
    ["-Infinity", [Number.NEGATIVE_INFINITY]],
    ["a BigInt", { n: 1n }],
    ["a Map", new Map([["a", 1]])],
    ["a Set", new Set([1])],
    ["a Uint8Array", new Uint8Array([1])],
    [
      "a class instance",
      new (class Point {
        x = 1;
      })(),
    ],
    // eslint-disable-next-line no-sparse-arrays -- the point of the case
    ["a sparse array", [1, , 3]],
    ["a symbol key", { [Symbol("k")]: 1 }],
  ])("rejects %s with ERR_INVALID_INPUT", (_, value) => {
    expectMoatError(() => canonicalJson(value), "ERR_INVALID_INPUT");
  });

  it("rejects cycles but accepts shared (non-cyclic) references", () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expectMoatError(() => canonicalJson(a), "ERR_INVALID_INPUT");
    const arr: unknown[] = [];
    arr.push(arr);
    expectMoatError(() => canonicalJson(arr), "ERR_INVALID_INPUT");
    const shared = { v: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"v":1},"b":{"v":1}}');
  });

  it('keeps a "__proto__" key as data', () => {
    const value = JSON.parse('{"b":1,"__proto__":{"x":1}}') as unknown;
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":1},"b":1}');
  });

  it("rejects hostile nesting depth without overflowing the stack", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expectMoatError(() => canonicalJson(deep), "ERR_INVALID_INPUT");
  });

  it("never throws anything but a MoatError on arbitrary values", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withMap: true,
          withSet: true,
          withBigInt: true,
          withDate: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
        }),
        (value) => {
          try {
            const text = canonicalJson(value);
            expect(typeof text).toBe("string");
          } catch (err) {
            expect((err as Error).name).toBe("MoatError");
          }
        },
      ),
    );
  });
});
