import { describe, expect, it } from "vitest";
import { bcryptWorkerCount, bcryptWorkers } from "../../src/_internal/bcrypt-pool.js";
import {
  configurePasswordWorkers,
  hashPassword,
  shutdownPasswordWorkers,
  verifyPassword,
} from "../../src/passwords/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

describe("bcrypt worker pool", () => {
  it("keeps the event loop free while a cost-12 hash runs (it runs on another thread)", async () => {
    let turns = 0;
    let hashing = true;
    const spin = (): void => {
      turns++;
      if (hashing) setImmediate(spin);
    };
    const done = hashPassword("pw", { cost: 12 }).finally(() => {
      hashing = false;
    });
    setImmediate(spin);
    await done;
    // Synchronous bcrypt would allow 0 turns and bcryptjs's async API a handful (one per
    // ~100 ms slice); a worker leaves the loop spinning freely the whole time.
    expect(turns).toBeGreaterThan(50);
  }, 30_000);

  it("runs many concurrent operations and gives each caller its own answer", async () => {
    const passwords = Array.from({ length: 12 }, (_, i) => `password-${String(i)}`);
    const hashes = await Promise.all(passwords.map((pw) => hashPassword(pw, { cost: 4 })));
    const checks = await Promise.all(
      hashes.flatMap((h, i) => [verifyPassword(passwords[i] ?? "", h), verifyPassword(`${passwords[i] ?? ""}!`, h)]),
    );
    expect(checks).toEqual(passwords.flatMap(() => [true, false]));
  });

  it("rejects queued work with ERR_ABORTED on shutdown and starts fresh workers afterwards", async () => {
    const pending = Array.from({ length: 6 }, () => hashPassword("pw", { cost: 10 }));
    const outcomes = Promise.all(pending.map((p) => expectMoatErrorAsync(p, "ERR_ABORTED")));
    await shutdownPasswordWorkers();
    await outcomes;
    const hash = await hashPassword("after", { cost: 4 });
    await expect(verifyPassword("after", hash)).resolves.toBe(true);
  }, 30_000);

  it("can be resized, and refuses sizes outside 1–64 with ERR_CONFIG", async () => {
    const before = bcryptWorkerCount();
    try {
      for (const size of [3, 1]) {
        configurePasswordWorkers({ maxWorkers: size });
        expect(bcryptWorkerCount()).toBe(size);
        const results = await Promise.all(
          [1, 2, 3, 4].map(async (i) =>
            bcryptWorkers.compare(`x${String(i)}`, await hashPassword(`x${String(i)}`, { cost: 4 })),
          ),
        );
        expect(results).toEqual([true, true, true, true]);
      }
    } finally {
      configurePasswordWorkers({ maxWorkers: before });
    }
    for (const maxWorkers of [0, 65, 1.5, "2"]) {
      expectMoatError(() => {
        configurePasswordWorkers({ maxWorkers } as never);
      }, "ERR_CONFIG");
    }
  });

  it("reports a worker failure as a MoatError instead of hanging", async () => {
    // A salt bcryptjs refuses makes the worker report failure; callers validate inputs first,
    // so this only happens if something is badly wrong.
    await expectMoatErrorAsync(bcryptWorkers.hash("pw", "not-a-salt"), "ERR_UNSUPPORTED");
    await expect(bcryptWorkers.compare("pw", await hashPassword("pw", { cost: 4 }))).resolves.toBe(true);
  });
});
