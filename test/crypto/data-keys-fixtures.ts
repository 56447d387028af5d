/**
 * Fixtures for the data-keys-*.test.ts files: a data key layer (data-keys.ts) built the way
 * createEnvelope builds it, over a memory store, and gates that hold a store answer or an unwrap
 * until the test lets it go (to stage a shred in the middle of a load).
 */
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { nodeCryptoBackend } from "../../src/crypto/backend-select.js";
import { type DataKeys, createDataKeys } from "../../src/crypto/data-keys.js";
import { type KeyWrapper, createKeyWrapper } from "../../src/crypto/key-wrap.js";
import { createProviderCalls } from "../../src/crypto/provider-calls.js";
import type { DataKeyStore } from "../../src/crypto/store.js";
import { testKeyring } from "../../src/testing/index.js";
import { randomBytes } from "node:crypto";

export interface Gate {
  /** Resolves once the held call has run and waits. */
  readonly reached: Promise<void>;
  /** Lets the held call answer. */
  readonly release: () => void;
}

/** A gate for one call: `hold` runs inside the call, `gate` is what the test sees. */
export function makeGate(): { gate: Gate; hold: () => Promise<void> } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const released = new Promise<void>((r) => (release = r));
  return {
    gate: { reached, release },
    hold: () => {
      reach();
      return released;
    },
  };
}

export function newWrapper(): KeyWrapper {
  const draw = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
  return createKeyWrapper(testKeyring(["k1"]), nodeCryptoBackend()!, draw, createProviderCalls(5000), () => draw(32));
}

export interface LayerOptions {
  readonly store?: DataKeyStore | null;
  readonly wrapper?: KeyWrapper;
  readonly now?: () => number;
  readonly cacheMaxEntries?: number;
  readonly maxMessagesPerDataKey?: number;
}

/** A data key layer as createEnvelope makes it (store null: stateless). */
export function newLayer(options: LayerOptions = {}): { keys: DataKeys; store: DataKeyStore | undefined } {
  const store = options.store === null ? undefined : (options.store ?? createMemoryDataKeyStore());
  const keys = createDataKeys({
    wrapper: options.wrapper ?? newWrapper(),
    primaryKeyId: "k1",
    store,
    now: options.now ?? (() => 1_000_000),
    cacheTtl: 60_000,
    cacheMaxEntries: options.cacheMaxEntries ?? 100,
    maxMessagesPerDataKey: options.maxMessagesPerDataKey ?? 2 ** 32,
    draw: (n) => new Uint8Array(randomBytes(n)),
  });
  return { keys, store };
}

/** Counts calls per store method. */
export function counting(store: DataKeyStore): { store: DataKeyStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const counted = { ...store } as Record<string, unknown>;
  for (const [name, fn] of Object.entries(store)) {
    if (typeof fn !== "function") continue;
    counted[name] = (...args: unknown[]) => {
      calls[name] = (calls[name] ?? 0) + 1;
      return (fn as (...a: unknown[]) => unknown).apply(store, args);
    };
  }
  return { store: counted as unknown as DataKeyStore, calls };
}

export const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);
