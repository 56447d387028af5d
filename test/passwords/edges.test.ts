/**
 * moatkit/passwords at its edges: the breached-password check's size bounds, request headers,
 * cache and signal handling; a login hook that rejects; which refusal hashPassword names at the
 * 4096-character bound; and queue limits left out of configurePasswordWorkers. Each pins a
 * behaviour a mutation run showed no other test held (docs/quality.md, "Mutation").
 */
import { getEventListeners } from "node:events";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { bcryptSalt, bcryptWorkerCount, bcryptWorkers } from "../../src/_internal/bcrypt-pool.js";
import { systemRandom } from "../../src/_internal/runtime.js";
import { isMoatError, MoatError } from "../../src/errors.js";
import {
  type BreachFetch,
  configurePasswordWorkers,
  createBreachedPasswordCheck,
  createLogin,
  createPasswordPolicy,
  hashPassword,
  shutdownPasswordWorkers,
  verifyPassword,
} from "../../src/passwords/index.js";
import { type RangeServer, sha1Hex, startRangeServer } from "./range-server.js";

const MIB = 1 << 20;

/** A fetch answering 200 with `body` for every prefix, counting its calls. */
function answering(body: () => unknown): { fetch: BreachFetch; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    fetch: () => {
      calls += 1;
      return Promise.resolve({ status: 200, text: () => Promise.resolve(body() as string) });
    },
  };
}

/** A range answer of exactly `size` characters whose lines include `password`'s suffix, seen 5 times. */
function rangeBodyOf(size: number, password: string): string {
  const suffix = sha1Hex(password).slice(5);
  const lines = [`${suffix}:5\n`];
  let length = lines[0]!.length;
  for (let i = 0; length + 38 <= size; i++) {
    const line = `${i.toString(16).toUpperCase().padStart(35, "0")}:0\n`;
    lines.push(line);
    length += line.length;
  }
  // CRLF on the last few lines makes up the remainder (the parser accepts both endings).
  for (let i = 1; length < size; i++, length++) lines[i] = lines[i]!.replace("\n", "\r\n");
  return lines.join("");
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("createBreachedPasswordCheck at its bounds", () => {
  let server: RangeServer;
  beforeAll(async () => {
    server = await startRangeServer({ "P@ssw0rd": 52_000 });
  });
  afterAll(async () => {
    await server.close();
  });

  it("identifies itself with a user agent, which the range API requires", async () => {
    server.mode = "normal";
    await createBreachedPasswordCheck({ onUnavailable: "allow", endpoint: server.url, cacheSize: 0 }).check("x");
    expect(server.requests.at(-1)?.headers["user-agent"]).toBe("moatkit");
  });

  it("answers the same from its cache as from the service", async () => {
    server.mode = "normal";
    const c = createBreachedPasswordCheck({ onUnavailable: "allow", endpoint: server.url });
    const before = server.requests.length;
    const first = await c.check("P@ssw0rd");
    const second = await c.check("P@ssw0rd");
    expect(server.requests.length - before).toBe(1);
    expect(first).toEqual({ ok: true, breached: true, count: 52_000 });
    expect(second).toEqual(first);
  });

  it("reads an answer of exactly 1 MiB, and refuses one character more as bad_response", async () => {
    const password = "lantern meadow 1937";
    const exact = rangeBodyOf(MIB, password);
    expect(exact).toHaveLength(MIB);
    const ok = answering(() => exact);
    const over = answering(() => `${exact}\n`);
    const check = (fetch: BreachFetch) => createBreachedPasswordCheck({ onUnavailable: "refuse", fetch });
    expect(await check(ok.fetch).check(password)).toEqual({ ok: true, breached: true, count: 5 });
    expect(await check(over.fetch).check(password)).toEqual({ ok: false, reason: "bad_response", allow: false });
  });

  it("calls a body that is not text bad_response, not unavailable", async () => {
    for (const body of [42, null, { length: 3 }]) {
      const { fetch } = answering(() => body);
      const c = createBreachedPasswordCheck({ onUnavailable: "allow", fetch });
      expect(await c.check("lantern meadow 1937"), JSON.stringify(body)).toEqual({
        ok: false,
        reason: "bad_response",
        allow: true,
      });
    }
  });

  it("takes a password of 4096 characters and refuses 4097 with ERR_INVALID_INPUT naming the bound", async () => {
    const { fetch } = answering(() => "");
    const c = createBreachedPasswordCheck({ onUnavailable: "allow", fetch });
    expect(await c.check("x".repeat(4096))).toEqual({ ok: true, breached: false, count: 0 });
    const err = await c.check("x".repeat(4097)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoatError);
    expect(err).toMatchObject({ code: "ERR_INVALID_INPUT", message: expect.stringContaining("4096") as unknown });
  });

  it("leaves no timer behind once answered (a process waiting on it would stay up for timeoutMs)", async () => {
    vi.useFakeTimers();
    try {
      const { fetch } = answering(() => "");
      const c = createBreachedPasswordCheck({ onUnavailable: "allow", fetch, timeoutMs: 60_000 });
      expect(await c.check("lantern meadow 1937")).toEqual({ ok: true, breached: false, count: 0 });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("answers through a caller's signal that never aborts, and leaves no listener on it", async () => {
    const { fetch } = answering(() => "");
    const c = createBreachedPasswordCheck({ onUnavailable: "allow", fetch });
    const signal = new AbortController().signal;
    expect(await c.check("lantern meadow 1937", { signal })).toEqual({ ok: true, breached: false, count: 0 });
    expect(await c.check("lantern meadow 1938", { signal })).toEqual({ ok: true, breached: false, count: 0 });
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
  });

  it("says in its abort error what was aborted", async () => {
    const { fetch } = answering(() => "");
    const c = createBreachedPasswordCheck({ onUnavailable: "allow", fetch });
    const err = await c.check("x", { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ERR_ABORTED", message: "breached-password check aborted" });
  });
});

describe("option and input errors name what was wrong", () => {
  it.each([
    ["createBreachedPasswordCheck options", () => createBreachedPasswordCheck({ onUnavailable: "maybe" as never })],
    ["createPasswordPolicy options", () => createPasswordPolicy({ minLength: 2 })],
    ["password context", () => createPasswordPolicy().checkLocal("quiet-lantern", { phone: "1" } as never)],
  ])("%s", (what, fn) => {
    expect(caught(fn)).toMatchObject({ message: expect.stringContaining(what) as unknown });
  });

  it("check options and the login attempt", async () => {
    const policyErr = await createPasswordPolicy()
      .check("quiet-lantern", undefined, { timeout: 1 } as never)
      .catch((e: unknown) => e);
    expect(policyErr).toMatchObject({
      code: "ERR_INVALID_INPUT",
      message: expect.stringContaining("check options") as unknown,
    });
    const { login } = createLogin({ findUser: () => Promise.resolve(null), cost: 4 });
    const loginErr = await login({ identifier: "ada", password: "pw", ip: "" }).catch((e: unknown) => e);
    expect(loginErr).toMatchObject({
      code: "ERR_INVALID_INPUT",
      message: expect.stringContaining("login attempt") as unknown,
    });
  });

  it("hashPassword calls a 4096-character password holding NUL a NUL problem, and 4097 a length problem", async () => {
    const at = `${"x".repeat(4095)}\0`;
    await expect(hashPassword(at, { cost: 4, long: "prehash" })).rejects.toMatchObject({
      code: "ERR_INVALID_INPUT",
      message: "password contains a NUL character",
    });
    await expect(hashPassword(`x${at}`, { cost: 4, long: "prehash" })).rejects.toMatchObject({
      code: "ERR_INVALID_INPUT",
      message: "password is longer than 4096 UTF-8 bytes",
    });
  });
});

describe("createLogin's onUnusableHash", () => {
  it("swallows a hook's rejected promise: no unhandled rejection reaches the process", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const { login } = createLogin({
        findUser: () => Promise.resolve({ passwordHash: "!" }),
        cost: 4,
        onUnusableHash: () => Promise.reject(new Error("logger down")),
      });
      await login({ identifier: "ada", password: "pw", ip: "ip" });
      // The hook runs on setImmediate; an unhandled rejection is reported a turn after that.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });
});

describe("configurePasswordWorkers", () => {
  const workers = bcryptWorkerCount();
  afterEach(async () => {
    configurePasswordWorkers({ maxWorkers: workers, maxQueued: 256 });
    await shutdownPasswordWorkers();
  });

  it("keeps a limit given as undefined (from JavaScript) instead of lifting it", async () => {
    configurePasswordWorkers({ maxWorkers: 1, maxQueued: 4 });
    configurePasswordWorkers({ maxQueued: undefined } as never);
    const hash = await bcryptWorkers.hash("pw", bcryptSalt(4, systemRandom));
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        verifyPassword("pw", hash).then(
          () => "done",
          (e: unknown) => (isMoatError(e, "ERR_OVERLOADED") ? "overloaded" : e),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "overloaded")).toHaveLength(5);
  });
});
