import { AssertionError } from "node:assert";
import { describe, expect, it } from "vitest";
import { raceExactlyOne } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

/** A deliberately racy consume: check, yield, then set — two callers can both pass the check. */
function racyStore() {
  const used = new Set<string>();
  return async (id: string) => {
    const seen = used.has(id);
    await new Promise((r) => setImmediate(r));
    if (seen) return { ok: false as const, reason: "used" as const };
    used.add(id);
    return { ok: true as const };
  };
}

/** The correct version: the check and the write happen in one synchronous step. */
function atomicStore() {
  const used = new Set<string>();
  return async (id: string) => {
    await new Promise((r) => setImmediate(r));
    if (used.has(id)) return { ok: false as const, reason: "used" as const };
    used.add(id);
    return { ok: true as const };
  };
}

describe("raceExactlyOne", () => {
  it("passes when exactly one caller wins and reports who", async () => {
    const consume = atomicStore();
    const outcome = await raceExactlyOne(20, () => consume("token"));
    expect(outcome.results).toHaveLength(20);
    expect(outcome.results.filter((r) => r.ok)).toHaveLength(1);
    expect(outcome.results[outcome.winner]?.ok).toBe(true);
  });

  it("fails when two callers win (a check-then-act race)", async () => {
    const consume = racyStore();
    await expect(raceExactlyOne(20, () => consume("token"))).rejects.toBeInstanceOf(AssertionError);
    await expect(raceExactlyOne(20, () => racyStore()("x"))).rejects.toThrow(/exactly one of 20 .* but 20 won/);
  });

  it("fails when nobody wins", async () => {
    await expect(raceExactlyOne(5, async () => ({ ok: false }))).rejects.toThrow(/but 0 won/);
  });

  it("fails when a caller throws instead of losing cleanly", async () => {
    const err = await raceExactlyOne(3, async (i) => {
      if (i === 2) throw new Error("deadlock");
      return i === 0;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("caller 2 of 3 threw");
    expect(((err as Error).cause as Error).message).toBe("deadlock");
  });

  it("counts true and { ok: true } as wins by default, and takes a custom predicate", async () => {
    await raceExactlyOne(3, (i) => i === 1);
    await raceExactlyOne(3, (i) => (i === 1 ? "winner" : "loser"), { isWin: (r) => r === "winner" });
  });

  it("starts every caller before any finishes", async () => {
    let started = 0;
    let startedWhenFirstFinished = -1;
    await raceExactlyOne(10, async (i) => {
      started++;
      await new Promise((r) => setImmediate(r));
      if (startedWhenFirstFinished < 0) startedWhenFirstFinished = started;
      return i === 0;
    });
    expect(startedWhenFirstFinished).toBe(10);
  });

  it("rejects fewer than two callers", async () => {
    await expectMoatErrorAsync(
      raceExactlyOne(1, () => true),
      "ERR_INVALID_INPUT",
    );
  });
});
