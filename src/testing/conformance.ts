// define-suite.js first: suite files (loaded through suites.js) use it while this module loads.
import { type ConformanceSuite, defineConformanceSuite } from "./define-suite.js";
import { MoatError } from "../errors.js";
import { fakeClock } from "./fake-clock.js";
import { moatkitConformanceSuites } from "./suites.js";
import { assertKnownKeys, knownKeys } from "../_internal/options.js";

export { defineConformanceSuite };
export type { ConformanceCase, ConformanceContext, ConformanceSuite } from "./define-suite.js";

/**
 * Factories for the stores an adapter provides, keyed by store name (`apiKeys`, `dataKeys`,
 * `totpSteps`, …). Each case calls its factory once, so a factory should return a store that
 * does not share data with earlier calls, or at least tolerates it (cases use random ids).
 */
export type StoreFactories = Readonly<Record<string, () => unknown>>;

/** The subset of a test framework the suite registers itself with (vitest, jest, node:test, mocha). */
export interface TestApi {
  /** Declares a group. */
  describe(name: string, fn: () => void): unknown;
  /** Declares a test, with `it.skip` for stores an adapter does not provide. */
  it: {
    (name: string, fn: () => Promise<void>, timeout?: number): unknown;
    /** Declares a skipped test (its name says why). */
    skip(name: string, fn: () => Promise<void>): unknown;
  };
}

/** Options for {@link describeStoreConformance}. */
export interface ConformanceOptions {
  /** The test framework's `describe` and `it`; default: the globals, if the runner defines them. */
  readonly testApi?: TestApi;
  /** Extra suites to run alongside moatkit's own (for stores of your own). */
  readonly suites?: readonly ConformanceSuite[];
  /**
   * Whether to include moatkit's own suites (default `true`). Set `false` to run only `suites`,
   * e.g. for a store interface of your own.
   */
  readonly builtIn?: boolean;
}

function isTestApi(value: unknown): value is TestApi {
  if (typeof value !== "object" || value === null) return false;
  if (!("describe" in value) || !("it" in value)) return false;
  const { describe, it } = value;
  return typeof describe === "function" && typeof it === "function" && "skip" in it && typeof it.skip === "function";
}

function resolveTestApi(options: ConformanceOptions): TestApi {
  const candidate: unknown = options.testApi ?? globalThis;
  if (!isTestApi(candidate)) {
    throw new MoatError("ERR_CONFIG", {
      message: "describeStoreConformance needs describe and it: pass { testApi: { describe, it } }",
    });
  }
  return candidate;
}

/**
 * Registers moatkit's store conformance suite for one adapter: every behaviour each store
 * interface promises (atomic consume operations included), as test cases of the runner in use.
 * A store the adapter does not provide is reported as a skipped test that says so.
 *
 * Run it against your own store implementations to prove they can stand in for moatkit's.
 *
 * @param name the adapter's name, e.g. `"postgres (pg.Pool)"`.
 * @param makeStores a factory per store the adapter provides.
 * @throws MoatError ERR_CONFIG when a factory's key names no suite (a typo would otherwise
 *   skip every case silently) or no test framework is available.
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { describeStoreConformance } from "moatkit/testing";
 * describeStoreConformance("my-dynamo-adapter", {
 *   apiKeys: () => createDynamoApiKeyStore(table),
 * }, { testApi: { describe, it } });
 * ```
 */
export function describeStoreConformance(
  name: string,
  makeStores: StoreFactories,
  options: ConformanceOptions = {},
): void {
  assertKnownKeys(
    options,
    knownKeys<ConformanceOptions>({ testApi: true, suites: true, builtIn: true }),
    "describeStoreConformance options",
  );
  const api = resolveTestApi(options);
  const suites = [...(options.builtIn === false ? [] : moatkitConformanceSuites), ...(options.suites ?? [])];
  const known = new Set(suites.map((s) => s.store));
  for (const key of Object.keys(makeStores)) {
    if (!known.has(key)) {
      throw new MoatError("ERR_CONFIG", { message: `no conformance suite is defined for store "${key}"` });
    }
  }
  api.describe(`store conformance: ${name}`, () => {
    for (const suite of suites) {
      const make = Object.hasOwn(makeStores, suite.store) ? makeStores[suite.store] : undefined;
      api.describe(suite.store, () => {
        if (make === undefined) {
          // One visible skip per suite, saying why, rather than one per case.
          api.it.skip(
            `${String(suite.cases.length)} cases (skipped: ${name} provides no ${suite.store} store)`,
            async () => {},
          );
          return;
        }
        for (const testCase of suite.cases) {
          api.it(testCase.name, async () => testCase.run(await make(), { clock: fakeClock() }), testCase.timeoutMs);
        }
      });
    }
  });
}
