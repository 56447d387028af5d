/**
 * Calls to key providers under the envelope's rules: one deadline per operation (its AbortSignal
 * is handed to the provider, and the call is abandoned when it passes even if the provider
 * ignores the signal), retryable failures retried with exponential backoff and full jitter inside
 * that deadline, everything else failing at once, and every failure ending as ERR_KEY_PROVIDER.
 * Nothing here falls back to another key: a provider that cannot answer fails the operation.
 */
import { MoatError } from "../errors.js";
import {
  type GeneratedDataKey,
  type KeyProvider,
  KeyProviderError,
  type KeyProviderFailure,
  MAX_PROVIDER_CIPHERTEXT,
  type WrapContext,
} from "./key-provider.js";

/** The first retry waits up to this long (full jitter: a uniform draw below the cap). */
const BASE_BACKOFF_MS = 25;
/** The backoff cap doubles per attempt up to this. */
const MAX_BACKOFF_MS = 1000;
const DATA_KEY_LENGTH = 32;

/** @internal Provider calls of one envelope. */
export interface ProviderCalls {
  wrap(keyId: string, provider: KeyProvider, context: WrapContext, key: Uint8Array): Promise<Uint8Array>;
  /** The data key, or undefined when the provider says the ciphertext does not authenticate. */
  unwrap(
    keyId: string,
    provider: KeyProvider,
    context: WrapContext,
    wrapped: Uint8Array,
  ): Promise<Uint8Array | undefined>;
  /** A new data key and its wrap: one `generate` call when the provider has it, else a local key and one `wrap`. */
  generate(
    keyId: string,
    provider: KeyProvider,
    context: WrapContext,
    newKey: () => Uint8Array,
  ): Promise<GeneratedDataKey>;
}

function failed(
  keyId: string,
  provider: KeyProvider,
  failure: KeyProviderFailure,
  attempts: number,
  cause: unknown,
): MoatError {
  return new MoatError("ERR_KEY_PROVIDER", {
    message: `key provider ${provider.kind} of master key ${keyId} failed (${failure}) after ${String(attempts)} attempt(s)`,
    details: { keyId, kind: provider.kind, keyName: provider.keyName, failure, attempts },
    cause,
  });
}

function invalid(message: string): KeyProviderError {
  return new KeyProviderError("invalid_response", message);
}

function checkCiphertext(wrapped: unknown): Uint8Array {
  if (!(wrapped instanceof Uint8Array) || wrapped.length === 0 || wrapped.length > MAX_PROVIDER_CIPHERTEXT)
    throw invalid(`a wrapped data key must be 1 to ${String(MAX_PROVIDER_CIPHERTEXT)} bytes`);
  return wrapped;
}

function checkDataKey(key: unknown): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== DATA_KEY_LENGTH)
    throw invalid(`an unwrapped data key must be ${String(DATA_KEY_LENGTH)} bytes`);
  return key;
}

/** Settles with `work`, or rejects as a timeout when `signal` aborts first (a provider that ignores it). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new KeyProviderError("timeout", "the deadline of the operation passed"));
    };
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error instanceof Error ? error : new Error("the key provider failed"));
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

/**
 * @internal
 * @param deadlineMs how long one operation (all its attempts) may take.
 */
export function createProviderCalls(deadlineMs: number): ProviderCalls {
  async function call<T>(
    keyId: string,
    provider: KeyProvider,
    attempt: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort();
    }, deadlineMs);
    const deadline = Date.now() + deadlineMs;
    let attempts = 0;
    // The failure that made the envelope retry: when the deadline then cuts a retry short, it is the cause to report.
    let retried: KeyProviderFailure | undefined;
    try {
      for (;;) {
        attempts++;
        try {
          return await untilAborted(
            Promise.resolve().then(() => attempt(controller.signal)),
            controller.signal,
          );
        } catch (error) {
          const failure = error instanceof KeyProviderError ? error : undefined;
          const reason = controller.signal.aborted ? (retried ?? "timeout") : (failure?.failure ?? "invalid_response");
          const retryable = failure?.retryable === true && !controller.signal.aborted;
          // Full jitter: a uniform wait below an exponentially growing cap, so many processes
          // retrying after one outage do not come back in step.
          const wait = Math.random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempts - 1));
          if (!retryable || Date.now() + wait >= deadline) throw failed(keyId, provider, reason, attempts, error);
          retried = reason;
          await sleep(wait);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    wrap(keyId, provider, context, key) {
      return call(keyId, provider, async (signal) => checkCiphertext(await provider.wrap(key, context, { signal })));
    },
    unwrap(keyId, provider, context, wrapped) {
      return call(keyId, provider, async (signal) => {
        const key = await provider.unwrap(wrapped, context, { signal });
        return key === undefined ? undefined : checkDataKey(key);
      });
    },
    async generate(keyId, provider, context, newKey) {
      const generate = provider.generate?.bind(provider);
      if (generate === undefined) {
        const dataKey = newKey();
        return { dataKey, wrapped: await this.wrap(keyId, provider, context, dataKey) };
      }
      return call(keyId, provider, async (signal) => {
        const generated = await generate(context, { signal });
        return { dataKey: checkDataKey(generated.dataKey), wrapped: checkCiphertext(generated.wrapped) };
      });
    },
  };
}
