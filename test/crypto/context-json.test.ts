/**
 * The binding's one-pass canonical JSON of a context (issue 18 item 8) must equal canonicalJson
 * for every context it accepts: the AAD, and so every stored value, depends on it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/_internal/canonical-json.js";
import { readBinding } from "../../src/crypto/context.js";

describe("context canonical JSON", () => {
  it("equals canonicalJson for flat contexts, key order and Unicode included", () => {
    const value = fc.oneof(
      fc.string({ unit: "grapheme" }),
      fc.string(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(-0),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: "grapheme", maxLength: 6 }), value, { maxKeys: 10 }), (context) => {
        let expected: string | undefined;
        try {
          expected = canonicalJson(context);
        } catch {
          expected = undefined;
        }
        let actual: string | undefined;
        try {
          actual = readBinding({ context }).json;
        } catch {
          actual = undefined;
        }
        expect(actual).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("goes through canonicalJson for an own toJSON or symbol keys", () => {
    const withToJson = Object.defineProperty({ a: 1 }, "toJSON", { value: () => ({ b: 2 }), enumerable: false });
    expect(readBinding({ context: withToJson }).json).toBe(canonicalJson(withToJson));
    expect(() => readBinding({ context: { a: 1, [Symbol("s")]: 1 } })).toThrow();
  });
});
