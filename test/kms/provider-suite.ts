/**
 * The contract every key provider meets, run against its real SDK client (or `fetch`) pointed at
 * a protocol emulator on 127.0.0.1. Each provider's test file calls `describeKeyProvider` with a
 * set-up that starts its emulator and returns the provider and the emulator's controls.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import {
  DATA_KEY_PURPOSE,
  type KeyProvider,
  KeyProviderError,
  type KeyProviderFailure,
  type WrapContext,
} from "../../src/crypto/key-provider.js";

/** What every emulator lets a test do to it. */
export interface EmulatorControls {
  /** Delays every answer to requests that arrive from now on by `ms` (0 = none). */
  setLatency(ms: number): void;
  /**
   * The next `calls` requests fail: `"outage"` answers 503 (or the service's "unavailable"
   * error), `"throttle"` answers the service's rate-limit error.
   */
  fail(mode: "outage" | "throttle", calls: number): void;
  /** Adds a key version that the service now treats as its primary; resolves its name. */
  rotate(): Promise<string> | string;
  /** Disables the key (every version) at the service. */
  disable(): void;
  /** Enables it again. */
  enable(): void;
  /** Requests served so far, by operation name (as the service names it). */
  calls(): Readonly<Record<string, number>>;
  /** The key version the last encrypt/wrap used (as the service names it). */
  lastVersionUsed(): string | undefined;
  /** Stops the server, dropping held connections (a held answer must not keep it open). */
  close(): Promise<void>;
}

/** What a provider's test file hands the suite. */
export interface ProviderUnderTest {
  readonly provider: KeyProvider;
  readonly emulator: EmulatorControls;
  /** The version the provider is pinned to (compared with `lastVersionUsed`). */
  readonly pinnedVersion: string;
}

export function context(overrides: Partial<WrapContext> = {}): WrapContext {
  return {
    keyId: "kms1",
    mode: "stored",
    dataKeyId: "AAECAwQFBgc",
    scope: "tenant-a",
    purpose: DATA_KEY_PURPOSE,
    ...overrides,
  };
}

function call(): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(5000) };
}

async function failureOf(promise: Promise<unknown>): Promise<KeyProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error, "a provider failure must be a KeyProviderError").toBeInstanceOf(KeyProviderError);
    return error as KeyProviderError;
  }
  throw new Error("expected the provider call to fail, and it succeeded");
}

/**
 * @param hasGenerate whether the provider offers one-call `generate()` (AWS GenerateDataKey,
 *   Vault `datakey`); the suite then checks it.
 */
export function describeKeyProvider(
  name: string,
  setUp: () => Promise<ProviderUnderTest>,
  { hasGenerate }: { hasGenerate: boolean },
): void {
  describe(`key provider contract: ${name}`, () => {
    let subject: ProviderUnderTest;
    beforeAll(async () => {
      subject = await setUp();
    });
    afterAll(async () => {
      await subject.emulator.close();
    });

    it("wraps a data key and unwraps it under the same context", async () => {
      const key = randomBytes(32);
      const wrapped = await subject.provider.wrap(key, context(), call());
      expect(wrapped.length).toBeGreaterThan(0);
      expect(wrapped.length).toBeLessThanOrEqual(2048);
      expect(Buffer.from(wrapped).includes(key), "the ciphertext must not contain the key").toBe(false);
      const unwrapped = await subject.provider.unwrap(wrapped, context(), call());
      expect(unwrapped && Buffer.from(unwrapped).equals(key)).toBe(true);
    });

    it("binds the wrap to every field of the context: another scope, id, entry or mode does not unwrap", async () => {
      const wrapped = await subject.provider.wrap(randomBytes(32), context(), call());
      for (const other of [
        { scope: "tenant-b" },
        { dataKeyId: "BwYFBAMCAQA" },
        { keyId: "kms2" },
        { mode: "embedded" as const },
        { purpose: "something else" },
      ]) {
        expect(await subject.provider.unwrap(wrapped, context(other), call()), JSON.stringify(other)).toBeUndefined();
      }
    });

    it("refuses a tampered, truncated, empty or oversized ciphertext with undefined, not a crash", async () => {
      const wrapped = await subject.provider.wrap(randomBytes(32), context(), call());
      const tampered = Uint8Array.from(wrapped);
      const middle = Math.floor(tampered.length / 2);
      tampered[middle] = (tampered[middle] ?? 0) ^ 0x01;
      for (const bad of [tampered, wrapped.subarray(0, wrapped.length - 1), new Uint8Array(0), new Uint8Array(4096)]) {
        expect(await subject.provider.unwrap(bad, context(), call())).toBeUndefined();
      }
    });

    it("wraps under the pinned version, not the service's newest, after a rotation at the service", async () => {
      await subject.emulator.rotate();
      const key = randomBytes(32);
      const wrapped = await subject.provider.wrap(key, context(), call());
      expect(subject.emulator.lastVersionUsed()).toBe(subject.pinnedVersion);
      expect(Buffer.from((await subject.provider.unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
    });

    if (hasGenerate) {
      it("generates a data key in one call, bound to its context", async () => {
        expect(subject.provider.generate, "the provider was declared to offer generate()").toBeTypeOf("function");
        const { dataKey, wrapped } = await (subject.provider.generate?.(context(), call()) ??
          Promise.reject(new Error("no generate()")));
        expect(dataKey.length).toBe(32);
        const unwrapped = await subject.provider.unwrap(wrapped, context(), call());
        expect(unwrapped && Buffer.from(unwrapped).equals(Buffer.from(dataKey))).toBe(true);
        expect(await subject.provider.unwrap(wrapped, context({ scope: "tenant-b" }), call())).toBeUndefined();
      });
    }

    const failures: readonly ["outage" | "throttle", KeyProviderFailure][] = [
      ["outage", "unavailable"],
      ["throttle", "throttled"],
    ];
    for (const [mode, failure] of failures) {
      it(`reports a service ${mode} as a retryable "${failure}" KeyProviderError without key bytes in it`, async () => {
        const key = randomBytes(32);
        const wrapped = await subject.provider.wrap(key, context(), call());
        subject.emulator.fail(mode, 1);
        const error = await failureOf(subject.provider.unwrap(wrapped, context(), call()));
        expect(error.failure).toBe(failure);
        expect(error.retryable).toBe(true);
        for (const secret of [key.toString("base64"), key.toString("hex"), Buffer.from(wrapped).toString("base64")])
          expect(error.message).not.toContain(secret);
        // The service is back: the same ciphertext unwraps.
        expect(Buffer.from((await subject.provider.unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
      });
    }

    it('reports a disabled key as a non-retryable "key_disabled", and works again once enabled', async () => {
      const wrapped = await subject.provider.wrap(randomBytes(32), context(), call());
      subject.emulator.disable();
      try {
        const error = await failureOf(subject.provider.unwrap(wrapped, context(), call()));
        expect(error.failure).toBe("key_disabled");
        expect(error.retryable).toBe(false);
        expect((await failureOf(subject.provider.wrap(randomBytes(32), context(), call()))).failure).toBe(
          "key_disabled",
        );
      } finally {
        subject.emulator.enable();
      }
      expect(await subject.provider.unwrap(wrapped, context(), call())).toBeInstanceOf(Uint8Array);
    });

    it('gives up when its signal is aborted: a "timeout" KeyProviderError, not a wait for the answer', async () => {
      // The emulator holds the answer for ten minutes: the call can only settle by honouring the abort.
      subject.emulator.setLatency(600_000);
      try {
        const error = await failureOf(
          subject.provider.wrap(randomBytes(32), context(), { signal: AbortSignal.timeout(50) }),
        );
        expect(error.failure).toBe("timeout");
      } finally {
        subject.emulator.setLatency(0);
      }
    });
  });
}
