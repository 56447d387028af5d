/**
 * Shared pieces for the provider-calls tests: a scripted in-process key provider that records
 * each call (its time on the fake clock and the signal it was handed), a tracker for a promise
 * that must or must not have settled yet, and a wrap context. No real timers anywhere.
 */
import { expect } from "vitest";
import {
  DATA_KEY_PURPOSE,
  type GeneratedDataKey,
  type KeyProvider,
  KeyProviderError,
  type KeyProviderFailure,
  type WrapContext,
} from "../../src/crypto/key-provider.js";
import { MoatError } from "../../src/errors.js";

export const WRAP_CONTEXT: WrapContext = {
  keyId: "kms",
  mode: "stored",
  dataKeyId: "ZGF0YS1rZXk",
  scope: "tenant-a",
  purpose: DATA_KEY_PURPOSE,
};

export const DATA_KEY = new Uint8Array(32).fill(0xab);
export const WRAPPED = new Uint8Array(60).fill(0xcd);

/** One scripted answer: a failure to throw, "hang" (never settles, ignores its signal), bytes, any value to resolve or reject with. */
export type Step = KeyProviderFailure | "hang" | Uint8Array | { reject: unknown } | { resolve: unknown };

export interface ScriptedProvider extends KeyProvider {
  readonly calls: { readonly at: number; readonly signal: AbortSignal | undefined }[];
}

function answer<T>(step: Step | undefined, ok: T): Promise<T> {
  if (step === undefined) return Promise.resolve(ok);
  if (step === "hang") return new Promise<T>(() => undefined);
  if (step instanceof Uint8Array) return Promise.resolve(step as T);
  if (typeof step === "string") return Promise.reject(new KeyProviderError(step, `test-kms: ${step}`));
  if ("resolve" in step) return Promise.resolve(step.resolve as T);
  // Providers may reject with anything; the tests check what becomes of non-Errors.
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  return Promise.reject(step.reject);
}

/**
 * A provider whose n-th call (wrap, unwrap or generate alike) answers `steps[n]`, and answers
 * success once the script runs out. `withGenerate` adds a `generate` method.
 */
export function scriptedProvider(steps: readonly Step[], withGenerate = false): ScriptedProvider {
  const calls: { at: number; signal: AbortSignal | undefined }[] = [];
  const next = (options: { signal?: AbortSignal } | undefined): Step | undefined => {
    calls.push({ at: Date.now(), signal: options?.signal });
    return steps[calls.length - 1];
  };
  const provider: ScriptedProvider = {
    kind: "test-kms",
    keyName: "test-kms/key:v7",
    calls,
    wrap: (_key, _context, options) => answer(next(options), WRAPPED),
    unwrap: (_wrapped, _context, options) => answer<Uint8Array | undefined>(next(options), DATA_KEY),
  };
  if (!withGenerate) return provider;
  return {
    ...provider,
    generate: (_context, options) => answer<GeneratedDataKey>(next(options), { dataKey: DATA_KEY, wrapped: WRAPPED }),
  };
}

/** A promise's state, readable synchronously after the microtasks ran. */
export interface Tracked<T> {
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  promise.then(
    (value) => {
      Object.assign(state, { settled: true, value });
    },
    (error: unknown) => {
      Object.assign(state, { settled: true, error });
    },
  );
  return state;
}

/** The ERR_KEY_PROVIDER a tracked call ended with. */
export function providerError(state: Tracked<unknown>): MoatError {
  expect(state.settled).toBe(true);
  expect(state.error).toBeInstanceOf(MoatError);
  const error = state.error as MoatError;
  expect(error.code).toBe("ERR_KEY_PROVIDER");
  return error;
}

/** The error a MoatError keeps as its cause (a safe copy: name and message). */
export function causeOf(error: MoatError): Error {
  expect(error.cause).toBeInstanceOf(Error);
  return error.cause as Error;
}
