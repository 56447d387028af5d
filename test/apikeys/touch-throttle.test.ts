import { describe, expect, it } from "vitest";
import { createTouchThrottle } from "../../src/apikeys/touch-throttle.js";

describe("lastUsedAt touch throttle", () => {
  it("allows one write per key per interval, trusting a recent stored lastUsedAt", () => {
    const throttle = createTouchThrottle(60_000);
    expect(throttle.due("a", null, 0)).toBe(true);
    expect(throttle.due("a", null, 59_999)).toBe(false);
    expect(throttle.due("a", null, 60_000)).toBe(true);
    expect(throttle.due("b", 30_000, 60_000)).toBe(false);
    expect(throttle.due("b", 0, 60_000)).toBe(true);
  });

  it("tries again after a failed write is forgotten", () => {
    const throttle = createTouchThrottle(60_000);
    expect(throttle.due("a", null, 0)).toBe(true);
    throttle.forget("a");
    expect(throttle.due("a", null, 1)).toBe(true);
  });

  it("stays bounded: past its size the oldest key goes and may write once more", () => {
    const throttle = createTouchThrottle(60_000, 2);
    for (const id of ["a", "b", "c"]) expect(throttle.due(id, null, 0)).toBe(true);
    expect(throttle.due("c", null, 1)).toBe(false);
    expect(throttle.due("a", null, 1)).toBe(true);
  });
});
