import { describe, expect, it } from "vitest";
import { durationSchema, parseDuration } from "../../src/_internal/duration.js";
import { expectMoatError } from "../helpers/assertions.js";

describe("parseDuration", () => {
  it.each([
    [1500, 1500],
    ["250ms", 250],
    ["90s", 90_000],
    ["15m", 900_000],
    ["2h", 7_200_000],
    ["30d", 2_592_000_000],
    ["1w", 604_800_000],
    [" 5 m ", 300_000],
  ])("reads %j as %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([0, -1, 1.5, Number.NaN, "", "15", "15 minutes", "m", "-5m", "1y", "99999999999d", null, undefined, {}])(
    "rejects %j with ERR_CONFIG",
    (input) => {
      expectMoatError(() => parseDuration(input as string), "ERR_CONFIG");
    },
  );

  it("works as a zod schema", () => {
    expect(durationSchema.parse("2h")).toBe(7_200_000);
    expect(durationSchema.safeParse("soon").success).toBe(false);
  });
});
