/** The fuzz harness itself: it must fail on what the properties are there to catch. */
import { describe, expect, it } from "vitest";
import { MoatError } from "../../src/errors.js";
import { outcome } from "./harness.js";

describe("fuzz harness", () => {
  it("accepts a result with a boolean ok and a thrown or rejected MoatError", async () => {
    await outcome(() => ({ ok: false }));
    await outcome(() => {
      throw new MoatError("ERR_INVALID_INPUT");
    });
    await outcome(() => Promise.reject(new MoatError("ERR_DECRYPT")));
  });

  it("fails on any other throw, and on a value without a boolean ok", async () => {
    await expect(
      outcome(() => {
        throw new TypeError("boom");
      }),
    ).rejects.toThrow(/non-MoatError thrown/);
    await expect(outcome(() => Promise.reject(new RangeError("deep")))).rejects.toThrow(/non-MoatError/);
    await expect(outcome(() => ({ ok: "yes" }))).rejects.toThrow();
    await expect(outcome(() => null)).rejects.toThrow();
  });
});
