/**
 * Pins down the retry and deadline rules of provider calls (src/crypto/provider-calls.ts), on a
 * fake clock with the jitter draw fixed: which failures are retried and which fail at once, the
 * exponential backoff with full jitter and its cap, giving up before a wait that would reach the
 * deadline, the deadline aborting the signal handed to the provider (even one that ignores it),
 * the failure reported when the deadline cuts a retry short, and no timer or listener left behind.
 */
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type KeyProvider, KeyProviderError, type KeyProviderFailure } from "../../src/crypto/key-provider.js";
import { createProviderCalls } from "../../src/crypto/provider-calls.js";
import {
  DATA_KEY,
  WRAPPED,
  WRAP_CONTEXT,
  causeOf,
  providerError,
  type ScriptedProvider,
  scriptedProvider,
  track,
} from "./provider-calls-fixtures.js";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Fake setTimeout and Date (one clock), and a fixed jitter draw. */
function fakeClock(draw: number): void {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 1_000_000 });
  vi.spyOn(Math, "random").mockReturnValue(draw);
}

describe("which failures are retried", () => {
  for (const failure of ["unavailable", "throttled", "timeout"] as const) {
    it(`retries ${failure} and returns the next answer`, async () => {
      fakeClock(0);
      const provider = scriptedProvider([failure]);
      const state = track(createProviderCalls(5000).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY));
      await vi.advanceTimersByTimeAsync(0);
      expect(state.settled).toBe(true);
      expect(state.value).toEqual(WRAPPED);
      expect(provider.calls).toHaveLength(2);
    });
  }

  const final: [string, KeyProviderFailure | { reject: unknown }, KeyProviderFailure][] = [
    ["denied", "denied", "denied"],
    ["key_disabled", "key_disabled", "key_disabled"],
    ["not_found", "not_found", "not_found"],
    ["invalid_response", "invalid_response", "invalid_response"],
    ["a plain Error", { reject: new Error("socket hang up") }, "invalid_response"],
  ];
  for (const [what, step, failure] of final) {
    it(`fails at once on ${what}: one attempt, ERR_KEY_PROVIDER (${failure})`, async () => {
      fakeClock(0);
      const provider = scriptedProvider([step]);
      const state = track(createProviderCalls(5000).unwrap("kms", provider, WRAP_CONTEXT, WRAPPED));
      await vi.advanceTimersByTimeAsync(0);
      const error = providerError(state);
      expect(error.details).toEqual({
        keyId: "kms",
        kind: "test-kms",
        keyName: "test-kms/key:v7",
        failure,
        attempts: 1,
      });
      expect(provider.calls).toHaveLength(1);
    });
  }
});

describe("backoff", () => {
  it("waits a jittered share of a cap that starts at 25 ms, doubles per attempt and stops at 1 s", async () => {
    fakeClock(0.4);
    const provider = scriptedProvider(Array<KeyProviderFailure>(9).fill("throttled"));
    const state = track(createProviderCalls(60_000).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY));
    await vi.advanceTimersByTimeAsync(5000);
    expect(state.value).toEqual(WRAPPED);
    const gaps = provider.calls.slice(1).map((call, i) => call.at - (provider.calls[i]?.at ?? 0));
    // 0.4 × min(1000, 25 × 2^(n-1)) for n = 1..9.
    expect(gaps).toEqual([10, 20, 40, 80, 160, 320, 400, 400, 400]);
  });

  it("does not call again before the wait is over", async () => {
    fakeClock(0.4);
    const provider = scriptedProvider(["unavailable"]);
    const state = track(createProviderCalls(5000).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY));
    await vi.advanceTimersByTimeAsync(9);
    expect(provider.calls).toHaveLength(1);
    expect(state.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(provider.calls).toHaveLength(2);
    expect(state.value).toEqual(WRAPPED);
  });
});

describe("the deadline", () => {
  it("gives up at once, without waiting, when the next wait would reach the deadline", async () => {
    fakeClock(0.4); // first wait: 10 ms, exactly the deadline
    const provider = scriptedProvider(["unavailable", "unavailable"]);
    const state = track(createProviderCalls(10).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY));
    await vi.advanceTimersByTimeAsync(0);
    const error = providerError(state);
    expect(error.details).toMatchObject({ failure: "unavailable", attempts: 1 });
    expect(provider.calls).toHaveLength(1);
  });

  it("retries while the waits fit, then reports the provider's failure and the attempts made", async () => {
    fakeClock(0.4); // waits 10, 20, then 40 would end at 70 > 35
    const provider = scriptedProvider(Array<KeyProviderFailure>(5).fill("throttled"));
    const state = track(createProviderCalls(35).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY));
    await vi.advanceTimersByTimeAsync(30);
    const error = providerError(state);
    expect(error.details).toMatchObject({ failure: "throttled", attempts: 3 });
    expect(provider.calls.map((call) => call.at - 1_000_000)).toEqual([0, 10, 30]);
  });

  const operations: Record<string, (provider: ScriptedProvider, deadline: number) => Promise<unknown>> = {
    wrap: (provider, deadline) => createProviderCalls(deadline).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY),
    unwrap: (provider, deadline) => createProviderCalls(deadline).unwrap("kms", provider, WRAP_CONTEXT, WRAPPED),
    generate: (provider, deadline) =>
      createProviderCalls(deadline).generate("kms", provider, WRAP_CONTEXT, () => new Uint8Array(32)),
  };
  for (const [name, run] of Object.entries(operations)) {
    it(`${name}: hands the provider a signal the deadline aborts, and abandons a provider that ignores it`, async () => {
      fakeClock(0);
      const provider = scriptedProvider(["hang"], true);
      const state = track(run(provider, 50));
      await vi.advanceTimersByTimeAsync(49);
      const signal = provider.calls[0]?.signal;
      expect(signal).toBeInstanceOf(AbortSignal);
      expect(signal?.aborted).toBe(false);
      expect(state.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(signal?.aborted).toBe(true);
      const error = providerError(state);
      expect(error.details).toMatchObject({ failure: "timeout", attempts: 1 });
      expect(causeOf(error)).toMatchObject({
        name: "KeyProviderError",
        message: "the deadline of the operation passed",
      });
      // The listener for the abandoned call went with the abort.
      expect(getEventListeners(signal as AbortSignal, "abort")).toHaveLength(0);
      expect(provider.calls).toHaveLength(1);
    });
  }

  it("reports the failure that made it retry when the deadline cuts the retry short", async () => {
    fakeClock(0);
    const provider = scriptedProvider(["unavailable", "hang"]);
    const state = track(createProviderCalls(50).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY));
    await vi.advanceTimersByTimeAsync(50);
    const error = providerError(state);
    expect(error.details).toMatchObject({ failure: "unavailable", attempts: 2 });
    expect(provider.calls[1]?.signal?.aborted).toBe(true);
  });

  it("does not start a retry after the deadline passed, even when the wall clock says there is time", async () => {
    // Date.now stands still (a wall clock stepped back), so the wait "fits"; the deadline timer
    // fires during the wait, and the retry must end as a timeout, not use the late answer.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    vi.spyOn(Date, "now").mockReturnValue(1_000_000);
    vi.spyOn(Math, "random").mockReturnValue(0.8); // first wait: 20 ms
    const provider = scriptedProvider([]);
    const slow: KeyProvider = {
      ...provider,
      wrap: (...args) => {
        if (provider.calls.length > 0) return provider.wrap(...args);
        void provider.wrap(...args);
        // The first call fails as unavailable 99 ms in, 1 ms before the deadline.
        return new Promise<Uint8Array>((_resolve, reject) => {
          setTimeout(() => {
            reject(new KeyProviderError("unavailable", "test-kms: unavailable"));
          }, 99);
        });
      },
    };
    const state = track(createProviderCalls(100).wrap("kms", slow, WRAP_CONTEXT, DATA_KEY));
    await vi.advanceTimersByTimeAsync(200);
    const error = providerError(state);
    expect(error.details).toMatchObject({ failure: "unavailable", attempts: 2 });
    expect(causeOf(error).message).toBe("the deadline of the operation passed");
  });
});

describe("nothing is left behind", () => {
  it("clears the deadline timer and the abort listener after an answer", async () => {
    fakeClock(0);
    const provider = scriptedProvider([]);
    const state = track(createProviderCalls(50).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY));
    await vi.advanceTimersByTimeAsync(0);
    expect(state.value).toEqual(WRAPPED);
    expect(vi.getTimerCount()).toBe(0);
    const signal = provider.calls[0]?.signal as AbortSignal;
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(signal.aborted).toBe(false);
  });

  it("clears the deadline timer and the abort listener after a failure", async () => {
    fakeClock(0);
    const provider = scriptedProvider(["denied"]);
    const state = track(createProviderCalls(50).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY));
    await vi.advanceTimersByTimeAsync(0);
    expect(providerError(state).details).toMatchObject({ failure: "denied" });
    expect(vi.getTimerCount()).toBe(0);
    const signal = provider.calls[0]?.signal as AbortSignal;
    expect(getEventListeners(signal, "abort")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(signal.aborted).toBe(false);
  });
});
