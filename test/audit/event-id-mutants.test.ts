import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../src/audit/event-id.js";
import { expectMoatError } from "../helpers/assertions.js";

describe("uuidv7 (mutation survivors)", () => {
  it("accepts the smallest and the largest time 48 bits hold", () => {
    const zeros = (n: number): Uint8Array => new Uint8Array(n);
    expect(uuidv7(0, zeros)).toBe("00000000-0000-7000-8000-000000000000");
    expect(uuidv7(2 ** 48 - 1, zeros)).toBe("ffffffff-ffff-7000-8000-000000000000");
  });

  it("says why it refuses a clock outside what 48 bits hold", () => {
    for (const t of [-1, 2 ** 48]) {
      const err = expectMoatError(() => uuidv7(t, (n) => new Uint8Array(n)), "ERR_CONFIG");
      expect(err.message).toMatch(/the clock returned a time a UUIDv7 cannot hold/);
    }
  });

  it("keeps the random bits next to the version and variant bits", () => {
    const id = uuidv7(Date.UTC(2026, 0, 1), (n) => new Uint8Array(n).fill(0xff));
    // byte 6: 0x7 version nibble + 0xf random; byte 8: 0b10 variant + 0x3f random
    expect(id).toBe("019b76da-a800-7fff-bfff-ffffffffffff");
  });
});
