import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/_internal/canonical-json.js";
import { canonicalJsonFast, canonicalJsonWithout, sortKeysDeep } from "../../src/audit/canonical.js";
import type { JsonValue } from "../../src/audit/json-value.js";

/** The same outcome as canonicalJson: the same text, or a throw. */
function same(fast: () => string, reference: () => string): void {
  let expected: string | Error;
  try {
    expected = reference();
  } catch (err) {
    expected = err as Error;
  }
  if (expected instanceof Error) expect(fast).toThrow();
  else expect(fast()).toBe(expected);
}

const sortedJson = fc.jsonValue().map((v) => sortKeysDeep(v as JsonValue));

describe("canonicalJsonFast", () => {
  it("equals canonicalJson on any JSON value, in any key order or in canonical order", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        same(
          () => canonicalJsonFast(v),
          () => canonicalJson(v),
        );
      }),
    );
    fc.assert(
      fc.property(sortedJson, (v) => {
        expect(canonicalJsonFast(v)).toBe(canonicalJson(v));
      }),
    );
  });

  it("equals canonicalJson (or throws like it) on anything at all", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withSparseArray: true,
          withBoxedValues: true,
        }),
        (v) => {
          same(
            () => canonicalJsonFast(v),
            () => canonicalJson(v),
          );
        },
      ),
    );
  });

  it("takes the general route for what JSON.stringify would get wrong", () => {
    const withToJSON = { a: 1, toJSON: () => "x" };
    const symbolKey = { a: 1, [Symbol("s")]: 2 };
    const integerKeys = { "10": 1, "9": 2 }; // engines list 9 before 10; canonical order is "10", "9"
    const proto = Object.create({ inherited: 1 }) as Record<string, unknown>;
    proto.a = 1;
    // eslint-disable-next-line no-sparse-arrays
    for (const v of [withToJSON, symbolKey, integerKeys, proto, [1, , 3], { n: Number.NaN }, { d: new Date(0) }]) {
      same(
        () => canonicalJsonFast(v),
        () => canonicalJson(v),
      );
    }
    expect(canonicalJsonFast(integerKeys)).toBe('{"10":1,"9":2}');
  });
});

describe("canonicalJsonWithout", () => {
  it("equals canonicalJson of the row without the key, whatever the row", () => {
    const rows = fc
      .record({ hash: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string(), fc.integer()) })
      .chain((h) =>
        fc
          .oneof(
            fc.dictionary(fc.string(), fc.jsonValue()),
            sortedJson.filter(
              (v): v is Record<string, JsonValue> => typeof v === "object" && v !== null && !Array.isArray(v),
            ),
          )
          .map((rest) => ({ rest, hash: h.hash })),
      );
    fc.assert(
      fc.property(rows, fc.boolean(), ({ rest, hash }, hashLast) => {
        const row: Record<string, unknown> = hashLast ? { ...rest, hash } : { hash, ...rest };
        const without: Record<string, unknown> = { ...row };
        delete without.hash;
        same(
          () => canonicalJsonWithout(row, "hash"),
          () => canonicalJson(without),
        );
      }),
    );
  });

  it("cuts the omitted member off a sealed row without copying it", () => {
    const row = { a: 1, b: { c: [1, "x"] }, hash: "f".repeat(64) };
    expect(canonicalJsonWithout(row, "hash")).toBe('{"a":1,"b":{"c":[1,"x"]}}');
    expect(canonicalJsonWithout({ hash: "x" }, "hash")).toBe("{}");
    expect(canonicalJsonWithout({ b: 1, a: 2, hash: "x" }, "hash")).toBe('{"a":2,"b":1}');
    expect(canonicalJsonWithout({ a: 1, hash: "x", z: 2 }, "hash")).toBe('{"a":1,"z":2}');
    expect(canonicalJsonWithout({ a: 1, hash: 'q"uote' }, "hash")).toBe('{"a":1}');
  });
});
