// define-suite.js first: suite files (loaded through suites.js) use it while this module loads.
import { type ConformanceCase, type ConformanceSuite, defineConformanceSuite } from "./define-suite.js";
import { MoatError } from "../errors.js";
import { fakeClock } from "./fake-clock.js";
import { moatkitConformanceSuites } from "./suites.js";
import { assertKnownKeys, knownKeys } from "../_internal/options.js";

export { defineConformanceSuite };
export type { ConformanceCase, ConformanceContext, ConformanceSuite } from "./define-suite.js";

/** What a store factory is told about the run it makes a store for. */
export interface StoreFactoryContext {
  /**
   * The isolation level the store must run its transactions at, one of the adapter's
   * `isolationLevels` option; `undefined` when the option was not given.
   */
  readonly isolationLevel: string | undefined;
}

/**
 * Factories for the stores an adapter provides, keyed by store name (`apiKeys`, `dataKeys`,
 * `totpSteps`, …). Each case calls its factory once (it may return a promise), so a factory
 * should return a store that does not share data with earlier calls, or at least tolerates it
 * (cases use random ids). With `isolationLevels`, the factory receives the level to configure
 * the store (or its connection pool) for.
 */
export type StoreFactories = Readonly<Record<string, (context: StoreFactoryContext) => unknown>>;

/** Races start this many callers unless {@link ConformanceOptions.concurrency} says otherwise. */
export const DEFAULT_CONFORMANCE_CONCURRENCY = 64;
/** A store call fails the case after this long unless {@link ConformanceOptions.operationTimeoutMs} says otherwise. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 5_000;

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
  /**
   * How many callers each race case starts at once (2 to 1024; default 64). Exactly one of them
   * must win; more callers make a lost update or a stale read likelier to show. A database store
   * needs a connection pool that can queue this many calls within `operationTimeoutMs`.
   */
  readonly concurrency?: number;
  /**
   * The deadline of each store call in milliseconds (default 5000). A call that overruns fails
   * its case naming the store and the method, instead of waiting out the database's lock wait
   * (InnoDB's is 50 s) and dragging the later cases down with it.
   */
  readonly operationTimeoutMs?: number;
  /**
   * Every transaction isolation level the adapter claims to work at, e.g.
   * `["repeatable read", "read committed"]`. The suite then runs once per level, in a group
   * named after it, and passes the level to each factory, which configures the store for it.
   * The names are the adapter's own; the suite only hands them back.
   */
  readonly isolationLevels?: readonly string[];
}

function checkBounds(options: ConformanceOptions): { concurrency: number; operationTimeoutMs: number } {
  const concurrency = options.concurrency ?? DEFAULT_CONFORMANCE_CONCURRENCY;
  const operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  if (!Number.isSafeInteger(concurrency) || concurrency < 2 || concurrency > 1024) {
    throw new MoatError("ERR_CONFIG", {
      message: "describeStoreConformance concurrency must be an integer from 2 to 1024",
    });
  }
  if (!Number.isSafeInteger(operationTimeoutMs) || operationTimeoutMs < 1 || operationTimeoutMs > 600_000) {
    throw new MoatError("ERR_CONFIG", {
      message: "describeStoreConformance operationTimeoutMs must be an integer from 1 to 600000",
    });
  }
  const levels = options.isolationLevels;
  if (levels !== undefined) {
    const valid = Array.isArray(levels) && levels.length > 0 && levels.every((l) => typeof l === "string" && l !== "");
    if (!valid || new Set(levels).size !== levels.length) {
      throw new MoatError("ERR_CONFIG", {
        message: "describeStoreConformance isolationLevels must be distinct non-empty strings",
      });
    }
  }
  return { concurrency, operationTimeoutMs };
}

/** A case's own timeout, or one long enough for several calls to overrun before the runner's fires. */
function caseTimeout(testCase: ConformanceCase<unknown>, operationTimeoutMs: number): number {
  return testCase.timeoutMs ?? Math.max(30_000, 4 * (testCase.operationTimeoutMs ?? operationTimeoutMs));
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
 * Every store call has a deadline (`operationTimeoutMs`), races start `concurrency` callers,
 * and with `isolationLevels` the whole suite runs once per level. docs/writing-a-store.md
 * explains each store's contract and how to run this against your own.
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { describeStoreConformance } from "moatkit/testing";
 * describeStoreConformance("my-dynamo-adapter", {
 *   apiKeys: () => createDynamoApiKeyStore(table),
 * }, { testApi: { describe, it } });
 *
 * // A SQL adapter that claims two isolation levels: one pool per level.
 * describeStoreConformance("my-mysql-adapter", {
 *   totpSteps: ({ isolationLevel }) => createMyTotpStepStore({ pool: poolAt(isolationLevel) }),
 * }, { testApi: { describe, it }, isolationLevels: ["repeatable read", "read committed"], concurrency: 48 });
 * ```
 */
export function describeStoreConformance(
  name: string,
  makeStores: StoreFactories,
  options: ConformanceOptions = {},
): void {
  assertKnownKeys(
    options,
    knownKeys<ConformanceOptions>({
      testApi: true,
      suites: true,
      builtIn: true,
      concurrency: true,
      operationTimeoutMs: true,
      isolationLevels: true,
    }),
    "describeStoreConformance options",
  );
  const { concurrency, operationTimeoutMs } = checkBounds(options);
  const api = resolveTestApi(options);
  const suites = [...(options.builtIn === false ? [] : moatkitConformanceSuites), ...(options.suites ?? [])];
  const known = new Set(suites.map((s) => s.store));
  for (const key of Object.keys(makeStores)) {
    if (!known.has(key)) {
      throw new MoatError("ERR_CONFIG", { message: `no conformance suite is defined for store "${key}"` });
    }
  }
  const registerLevel = (isolationLevel: string | undefined): void => {
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
          api.it(
            testCase.name,
            async () =>
              testCase.run(await make({ isolationLevel }), {
                clock: fakeClock(),
                concurrency,
                operationTimeoutMs,
                isolationLevel,
              }),
            caseTimeout(testCase, operationTimeoutMs),
          );
        }
      });
    }
  };
  api.describe(`store conformance: ${name}`, () => {
    const levels = options.isolationLevels;
    if (levels === undefined) {
      registerLevel(undefined);
      return;
    }
    for (const level of levels) {
      api.describe(`isolation level ${level}`, () => {
        registerLevel(level);
      });
    }
  });
}
