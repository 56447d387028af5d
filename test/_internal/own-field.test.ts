import { describe, expect, it } from "vitest";
import { isPlainObject, ownField } from "../../src/_internal/own-field.js";
import { WRONG_TYPES } from "../helpers/assertions.js";

describe("ownField", () => {
  it("reads own data properties", () => {
    expect(ownField({ a: 1 }, "a")).toBe(1);
    expect(
      ownField(
        Object.assign(() => 0, { a: 2 }),
        "a",
      ),
    ).toBe(2);
    expect(ownField(JSON.parse('{"__proto__":{"x":1}}'), "__proto__")).toEqual({ x: 1 });
  });

  it("ignores inherited properties and getters", () => {
    expect(ownField(Object.create({ a: 1 }), "a")).toBeUndefined();
    expect(
      ownField(
        {
          get a() {
            return 1;
          },
        },
        "a",
      ),
    ).toBeUndefined();
    expect(ownField({}, "toString")).toBeUndefined();
  });

  it("returns undefined for non-objects", () => {
    for (const v of WRONG_TYPES)
      if (typeof v !== "object" && typeof v !== "function") expect(ownField(v, "a")).toBeUndefined();
    expect(ownField(null, "a")).toBeUndefined();
  });
});

describe("isPlainObject", () => {
  it("accepts literals, JSON output and null-prototype objects only", () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(JSON.parse("{}"))).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    for (const v of [[], new Map(), new Date(), Object.create({}), null, "x", 1, () => 0])
      expect(isPlainObject(v)).toBe(false);
  });
});
