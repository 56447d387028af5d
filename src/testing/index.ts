/**
 * Test helpers for code that uses moatkit, and for store adapters: a fake clock, a race helper
 * for single-use operations, TOTP codes at a given time, and the store conformance suite every
 * adapter must pass.
 *
 * @example
 * ```ts
 * import { fakeClock, raceExactlyOne } from "moatkit/testing";
 * const clock = fakeClock();
 * clock.advance(60_000);
 * await raceExactlyOne(50, () => tokens.consume(token));
 * ```
 *
 * @module
 */
export { fakeClock, type FakeClock } from "./fake-clock.js";
export { raceExactlyOne, type RaceOptions, type RaceOutcome } from "./race.js";
export { totpCode, totpStep, type TotpCodeOptions } from "./totp.js";
export {
  describeStoreConformance,
  defineConformanceSuite,
  type ConformanceCase,
  type ConformanceContext,
  type ConformanceOptions,
  type ConformanceSuite,
  type StoreFactories,
  type StoreFactoryContext,
  type TestApi,
  DEFAULT_CONFORMANCE_CONCURRENCY,
  DEFAULT_OPERATION_TIMEOUT_MS,
} from "./conformance.js";
export { moatkitConformanceSuites } from "./suites.js";
export { testKeyring, testMasterKeysValue } from "./test-keyring.js";
