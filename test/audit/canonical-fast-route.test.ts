/**
 * The fast route (`JSON.stringify` when the value is already in canonical order) must give the
 * text canonicalJson gives, or refuse what canonicalJson refuses. Three ways it did not (found by
 * the audit mutation run, 2026-12-07): a lone surrogate went through the fast route as `"\ud800"`
 * where canonicalJson refuses it, an own non-enumerable `toJSON` was honoured by JSON.stringify
 * after the check had walked the object's keys, and a stored row whose omitted member JSON cannot
 * write (a BigInt) threw a TypeError instead of hashing the rest.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/_internal/canonical-json.js";
import { canonicalJsonFast, canonicalJsonWithout } from "../../src/audit/canonical.js";
import { isMoatError } from "../../src/errors.js";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return isMoatError(err) ? err.code : "not a MoatError";
  }
  return undefined;
}

describe("canonicalJsonFast refuses what canonicalJson refuses", () => {
  it("refuses a lone surrogate in a string, a nested string or a key, as canonicalJson does", () => {
    for (const value of ["\ud800", "a\udc00b", { a: "x\ud83d" }, ["ok", "\udfff"], { "k\ud800": 1 }]) {
      expect(codeOf(() => canonicalJson(value))).toBe("ERR_INVALID_INPUT");
      expect(codeOf(() => canonicalJsonFast(value))).toBe("ERR_INVALID_INPUT");
    }
  });

  it("still takes well-formed pairs and astral characters", () => {
    const value = { a: "😀 \ud83d\ude00", b: ["𝄞"] };
    expect(canonicalJsonFast(value)).toBe(canonicalJson(value));
    expect(canonicalJsonFast(value)).toBe('{"a":"😀 😀","b":["𝄞"]}');
  });

  it("gives canonicalJson's text for a plain object with a non-enumerable toJSON of its own", () => {
    const value = { b: 2, a: 1 };
    Object.defineProperty(value, "toJSON", { value: () => ({ z: 1, y: 2 }), enumerable: false });
    const sorted = { a: 1, b: 2 };
    Object.defineProperty(sorted, "toJSON", { value: () => ({ z: 1, y: 2 }), enumerable: false });
    expect(canonicalJson(sorted)).toBe('{"y":2,"z":1}');
    expect(canonicalJsonFast(sorted)).toBe('{"y":2,"z":1}');
    expect(canonicalJsonFast({ outer: sorted })).toBe('{"outer":{"y":2,"z":1}}');
    expect(canonicalJsonFast(value)).toBe(canonicalJson(value));
  });
});

describe("canonicalJsonWithout", () => {
  it("hashes the rest of a row whose omitted member JSON cannot write", () => {
    expect(canonicalJsonWithout({ a: 1, hash: 10n }, "hash")).toBe('{"a":1}');
    expect(canonicalJsonWithout({ a: 1, hash: undefined }, "hash")).toBe('{"a":1}');
  });

  it("refuses a lone surrogate in the rest of the row", () => {
    expect(codeOf(() => canonicalJsonWithout({ a: "\ud800", hash: "h" }, "hash"))).toBe("ERR_INVALID_INPUT");
  });

  it("gives canonicalJson's text for a row whose toJSON is its own and not enumerable", () => {
    const row = { a: 1, hash: "h" };
    Object.defineProperty(row, "toJSON", { value: () => ({ a: 2, hash: "h" }), enumerable: false });
    const { hash: _h, ...rest } = row;
    expect(canonicalJsonWithout(row, "hash")).toBe(canonicalJson(rest));
    expect(canonicalJsonWithout(row, "hash")).toBe('{"a":1}');
  });
});
