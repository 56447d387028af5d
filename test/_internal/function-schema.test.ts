import { describe, expect, it } from "vitest";
import { functionSchema } from "../../src/_internal/function-schema.js";
import { WRONG_TYPES } from "../helpers/assertions.js";

describe("functionSchema", () => {
  it("accepts functions of any kind and nothing else", () => {
    const schema = functionSchema<() => number>();
    for (const fn of [() => 1, async () => 1, function named() {}, Date.now, Math.max])
      expect(schema.safeParse(fn).success).toBe(true);
    for (const value of WRONG_TYPES.filter((v) => typeof v !== "function"))
      expect(schema.safeParse(value).success).toBe(false);
    expect(schema.safeParse("() => 1").error?.issues[0]?.message).toBe("expected a function");
  });
});
