/**
 * Defining a conformance suite. Kept apart from the runner (conformance.ts), which imports every
 * suite: suite files import this module, so the runner → suites → definer chain has no cycle,
 * and loaders that evaluate modules strictly in order (tsx, bundlers) see it initialised.
 */
import { AssertionError } from "node:assert";
import { hasStoreMethods } from "../_internal/store.js";
import type { FakeClock } from "./fake-clock.js";
import { withOperationTimeout } from "./operation-timeout.js";

/** What a conformance case receives besides the store under test. */
export interface ConformanceContext {
  /** A fresh fake clock for the case (starts at 2026-01-01T00:00:00Z). */
  readonly clock: FakeClock;
  /** How many callers each race case starts at once (`concurrency` option; default 64). */
  readonly concurrency: number;
  /**
   * The deadline of each store call in milliseconds (`operationTimeoutMs` option; default
   * 5000). The suite enforces it itself; cases only read it to size their own waits.
   */
  readonly operationTimeoutMs: number;
  /** The isolation level this run of the suite is for, or `undefined` when none was named. */
  readonly isolationLevel: string | undefined;
}

/** One behaviour every implementation of a store interface must have. */
export interface ConformanceCase<S> {
  /** Reads as a specification, e.g. "consumes a one-time token exactly once under a race". */
  readonly name: string;
  /** Per-case timeout in milliseconds, for cases that race many callers against a database. */
  readonly timeoutMs?: number;
  /**
   * The deadline of each store call in this case, overriding the suite-wide one; for cases that
   * queue thousands of calls behind one lock on purpose (bulk audit appends).
   */
  readonly operationTimeoutMs?: number;
  /** Runs the case; throws (e.g. an AssertionError) on failure. */
  run(store: S, context: ConformanceContext): Promise<void>;
}

/** The cases for one store interface, ready to run against any candidate object. */
export interface ConformanceSuite {
  /** The store interface's key in {@link StoreFactories}, e.g. `"apiKeys"`. */
  readonly store: string;
  /** The cases, each taking the candidate store as `unknown` and checking its shape first. */
  readonly cases: readonly ConformanceCase<unknown>[];
}

/**
 * Defines the conformance suite of a store interface `S`. `methods` lists the interface's
 * methods; a factory that returns an object without one of them fails every case with a message
 * naming the method, instead of a confusing TypeError deep inside a case.
 *
 * @example
 * ```ts
 * const suite = defineConformanceSuite<CounterStore>("counters", ["increment"], [
 *   { name: "starts at one", run: async (store) => assert.equal(await store.increment("a"), 1) },
 * ]);
 * describeStoreConformance("mine", { counters: () => createCounterStore() }, { suites: [suite] });
 * ```
 */
export function defineConformanceSuite<S extends object>(
  store: string,
  methods: readonly (keyof S & string)[],
  cases: readonly ConformanceCase<S>[],
): ConformanceSuite {
  return {
    store,
    cases: cases.map((c) => ({
      name: c.name,
      ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
      ...(c.operationTimeoutMs === undefined ? {} : { operationTimeoutMs: c.operationTimeoutMs }),
      async run(candidate: unknown, context: ConformanceContext): Promise<void> {
        if (!hasStoreMethods<S>(candidate, methods)) {
          throw new AssertionError({
            message: `the ${store} factory did not return a store with methods ${methods.join(", ")}`,
          });
        }
        const timeoutMs = c.operationTimeoutMs ?? context.operationTimeoutMs;
        await c.run(withOperationTimeout(candidate, { store, caseName: c.name, timeoutMs }), context);
      },
    })),
  };
}
