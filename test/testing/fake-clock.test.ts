import { describe, expect, it } from "vitest";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError } from "../helpers/assertions.js";

describe("fakeClock", () => {
  it("starts at 2026-01-01 by default and only moves when told", () => {
    const clock = fakeClock();
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1));
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1));
    expect(clock.advance(1500)).toBe(Date.UTC(2026, 0, 1) + 1500);
    expect(clock.now()).toBe(Date.UTC(2026, 0, 1) + 1500);
  });

  it("can be set to a number or a Date, backwards too", () => {
    const clock = fakeClock(1000);
    clock.set(new Date(500));
    expect(clock.now()).toBe(500);
    clock.set(42);
    expect(clock.now()).toBe(42);
  });

  it("works as a detached `now` function", () => {
    const clock = fakeClock(7);
    const { now } = clock;
    clock.advance(3);
    expect(now()).toBe(10);
  });

  it("rejects negative or non-finite steps and times", () => {
    const clock = fakeClock();
    expectMoatError(() => clock.advance(-1), "ERR_INVALID_INPUT");
    expectMoatError(() => clock.advance(Number.NaN), "ERR_INVALID_INPUT");
    expectMoatError(() => {
      clock.set(Number.POSITIVE_INFINITY);
    }, "ERR_INVALID_INPUT");
    expectMoatError(() => fakeClock(new Date("not a date")), "ERR_INVALID_INPUT");
  });
});
