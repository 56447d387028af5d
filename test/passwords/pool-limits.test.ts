/**
 * Issue 18 item 1: the bcrypt queue is bounded, has a per-task deadline and AbortSignal support,
 * and is shared fairly between callers, so one client flooding the login cannot make another
 * client's login wait behind all of its attempts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { bcryptPoolState, bcryptSalt, bcryptWorkerCount, bcryptWorkers } from "../../src/_internal/bcrypt-pool.js";
import { systemRandom } from "../../src/_internal/runtime.js";
import { isMoatError } from "../../src/errors.js";
import {
  configurePasswordWorkers,
  createLogin,
  hashPassword,
  shutdownPasswordWorkers,
  verifyPassword,
} from "../../src/passwords/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const PASSWORD = "correct horse battery staple";
const before = bcryptWorkerCount();

beforeEach(() => {
  // One worker makes the queue order observable: tasks run strictly one after another.
  configurePasswordWorkers({ maxWorkers: 1 });
});
afterEach(async () => {
  vi.restoreAllMocks();
  configurePasswordWorkers({ maxWorkers: before, maxQueued: 256, maxQueuedPerKey: 16, queueTimeoutMs: 10_000 });
  await shutdownPasswordWorkers();
});

/** Settles every promise and records the order in which they settled, by label. */
function settleOrder(entries: readonly (readonly [string, Promise<unknown>])[]): Promise<string[]> {
  const order: string[] = [];
  return Promise.all(
    entries.map(([label, p]) =>
      p.then(
        () => order.push(label),
        () => order.push(`${label}:rejected`),
      ),
    ),
  ).then(() => order);
}

describe("createLogin under a flood from one client", () => {
  async function loginFor(cost: number) {
    const hash = await hashPassword(PASSWORD, { cost });
    const { login } = createLogin({ findUser: () => Promise.resolve({ passwordHash: hash }), cost });
    // The dummy hash is made in the background; let it finish before the flood.
    await login({ identifier: "warm-up", password: "x", ip: "192.0.2.1" });
    return login;
  }

  it("runs another client's login before the flooder's queued attempts (fair share, not FIFO)", async () => {
    const login = await loginFor(8);
    const flood = Array.from(
      { length: 12 },
      (_, i) =>
        [
          `flood${String(i)}`,
          login({ identifier: "ada", password: `guess ${String(i)}`, ip: "198.51.100.66" }),
        ] as const,
    );
    const victim = ["victim", login({ identifier: "grace", password: PASSWORD, ip: "203.0.113.7" })] as const;
    const order = await settleOrder([...flood, victim]);
    // Under FIFO the victim finishes 13th, after every attempt of the flood. With a fair share it
    // waits for at most the attempt already running, and one more while the pool picks up.
    expect(order.indexOf("victim")).toBeLessThanOrEqual(2);
    await expect(victim[1]).resolves.toMatchObject({ ok: true });
  }, 30_000);

  it("refuses a client's attempts beyond its share at once with ERR_OVERLOADED, and serves the rest", async () => {
    const login = await loginFor(4);
    configurePasswordWorkers({ maxQueuedPerKey: 8 });
    const attempts = Array.from({ length: 49 }, (_, i) =>
      login({ identifier: "ada", password: `guess ${String(i)}`, ip: "198.51.100.66" }).then(
        (r) => r.ok,
        (e: unknown) => (isMoatError(e, "ERR_OVERLOADED") ? "overloaded" : e),
      ),
    );
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((o) => o === false)).toHaveLength(8);
    expect(outcomes.filter((o) => o === "overloaded")).toHaveLength(41);
    // Another client is unaffected by the flooder's share.
    await expect(login({ identifier: "grace", password: PASSWORD, ip: "203.0.113.7" })).resolves.toMatchObject({
      ok: true,
    });
  }, 30_000);

  it("tells a refused client when to retry (details.retryAfterMs)", async () => {
    const login = await loginFor(4);
    configurePasswordWorkers({ maxQueuedPerKey: 1 });
    const first = login({ identifier: "a", password: "x", ip: "198.51.100.66" });
    const err = await expectMoatErrorAsync(
      login({ identifier: "a", password: "y", ip: "198.51.100.66" }),
      "ERR_OVERLOADED",
    );
    expect(err.details?.retryAfterMs).toBeGreaterThanOrEqual(1000);
    await first;
  });
});

describe("the bcrypt queue", () => {
  const hashOf = (cost: number): Promise<string> => bcryptWorkers.hash("pw", bcryptSalt(cost, systemRandom));

  it("is bounded: beyond maxQueued, work is refused at once with ERR_OVERLOADED", async () => {
    configurePasswordWorkers({ maxQueued: 4 });
    const hash = await hashOf(4);
    const calls = Array.from({ length: 10 }, () =>
      verifyPassword("pw", hash).then(
        () => "done",
        (e: unknown) => (isMoatError(e, "ERR_OVERLOADED") ? "overloaded" : e),
      ),
    );
    const outcomes = await Promise.all(calls);
    // One runs, four wait, five are refused.
    expect(outcomes.filter((o) => o === "done")).toHaveLength(5);
    expect(outcomes.filter((o) => o === "overloaded")).toHaveLength(5);
  });

  it("drops a task that waited longer than queueTimeoutMs (ERR_OVERLOADED), without running it", async () => {
    const hash = await hashOf(4);
    configurePasswordWorkers({ queueTimeoutMs: 50 });
    const slow = hashOf(12);
    const waiting = verifyPassword("pw", hash);
    expect(bcryptPoolState()).toEqual({ queued: 1, running: 1 });
    await expectMoatErrorAsync(waiting, "ERR_OVERLOADED");
    expect(bcryptPoolState()).toEqual({ queued: 0, running: 1 });
    await slow;
  }, 30_000);

  it("honours an AbortSignal: before queueing, while queued, and while running", async () => {
    const hash = await hashOf(4);
    await expectMoatErrorAsync(verifyPassword("pw", hash, { signal: AbortSignal.abort() }), "ERR_ABORTED");
    expect(bcryptPoolState()).toEqual({ queued: 0, running: 0 });
    const slow = hashOf(12);
    const queued = new AbortController();
    const waiting = verifyPassword("pw", hash, { signal: queued.signal });
    queued.abort();
    await expectMoatErrorAsync(waiting, "ERR_ABORTED");
    expect(bcryptPoolState()).toEqual({ queued: 0, running: 1 });
    await slow;
    // A running hash is stopped (its worker is terminated and replaced on the next task), so a
    // cost-18 hash does not keep a core busy for a minute after its caller gave up.
    const running = new AbortController();
    const long = hashPassword("pw", { cost: 18, signal: running.signal });
    expect(bcryptPoolState()).toEqual({ queued: 0, running: 1 });
    running.abort();
    await expectMoatErrorAsync(long, "ERR_ABORTED");
    expect(bcryptPoolState()).toEqual({ queued: 0, running: 0 });
    await expect(verifyPassword("pw", hash)).resolves.toBe(true);
  }, 30_000);

  it("refuses invalid limits with ERR_CONFIG", () => {
    for (const bad of [
      { maxQueued: 0 },
      { maxQueuedPerKey: 0 },
      { queueTimeoutMs: 0 },
      { maxQueued: 1.5 },
      { queueTimeoutMs: "1000" },
    ]) {
      expect(() => {
        configurePasswordWorkers(bad as never);
      }).toThrow(expect.objectContaining({ code: "ERR_CONFIG" }) as Error);
    }
  });
});
