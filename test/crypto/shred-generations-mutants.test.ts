/**
 * Mutation survivors in src/crypto/shred-generations.ts: the table of shred events is kept while
 * any tracked load runs and cleared once the last one finishes.
 */
import { describe, expect, it } from "vitest";
import { createShredGenerations } from "../../src/crypto/shred-generations.js";

describe("createShredGenerations", () => {
  it("clears the shred table when the only tracked load finishes", async () => {
    const g = createShredGenerations();
    const started = g.current();
    const result = await g.tracked(() => {
      g.shredded("t1");
      expect(g.shreddedSince("t1", started)).toBe(true);
      return Promise.resolve("value");
    });
    expect(result).toBe("value");
    expect(g.shreddedSince("t1", started)).toBe(false);
  });

  it("clears the table after a load that rejects", async () => {
    const g = createShredGenerations();
    const started = g.current();
    await expect(
      g.tracked(() => {
        g.shredded("t1");
        return Promise.reject(new Error("boom"));
      }),
    ).rejects.toThrow("boom");
    expect(g.shreddedSince("t1", started)).toBe(false);
  });

  it("keeps the table while another load still runs", async () => {
    const g = createShredGenerations();
    const started = g.current();
    let release: (v: string) => void = () => undefined;
    const slow = g.tracked(
      () =>
        new Promise<string>((resolve) => {
          release = resolve;
        }),
    );
    await g.tracked(() => {
      g.shredded("t1");
      return Promise.resolve(1);
    });
    expect(g.shreddedSince("t1", started)).toBe(true);
    release("done");
    expect(await slow).toBe("done");
    expect(g.shreddedSince("t1", started)).toBe(false);
  });

  it("clears again after a second round of loads", async () => {
    const g = createShredGenerations();
    await g.tracked(() => Promise.resolve(0));
    const started = g.current();
    await g.tracked(() => {
      g.shredded("t2");
      return Promise.resolve(0);
    });
    expect(g.shreddedSince("t2", started)).toBe(false);
  });
});
