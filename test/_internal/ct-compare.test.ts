import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { constantTimeEqual, constantTimeEqualString } from "../../src/_internal/ct-compare.js";

describe("constantTimeEqual", () => {
  it("is true for equal bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (a) => {
        expect(constantTimeEqual(a, Uint8Array.from(a))).toBe(true);
      }),
    );
    expect(constantTimeEqual(new Uint8Array(), new Uint8Array())).toBe(true);
  });

  it("is false when any single byte differs", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (a, pos, delta) => {
          const b = Uint8Array.from(a);
          const i = pos % b.length;
          b[i] = ((b[i] ?? 0) + delta) & 0xff;
          expect(constantTimeEqual(a, b)).toBe(false);
        },
      ),
    );
  });

  it("is false for different lengths, including a prefix and trailing zeros", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2, 0]), new Uint8Array([1, 2]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([0]), new Uint8Array())).toBe(false);
  });

  it("agrees with node:crypto timingSafeEqual on equal-length input", async () => {
    const { timingSafeEqual } = await import("node:crypto");
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 8 }),
        fc.uint8Array({ minLength: 0, maxLength: 8 }),
        (a, b) => {
          if (a.length !== b.length) return;
          expect(constantTimeEqual(a, b)).toBe(timingSafeEqual(a, b));
        },
      ),
    );
  });

  it("compares strings by their UTF-8 bytes", () => {
    expect(constantTimeEqualString("naïve", "naïve")).toBe(true);
    expect(constantTimeEqualString("naïve", "naive")).toBe(false);
    expect(constantTimeEqualString("", "")).toBe(true);
  });
});
