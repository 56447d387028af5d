import type { ConformanceSuite } from "./conformance.js";
import { dataKeysSuite } from "./suites/data-keys.js";

/**
 * moatkit's own conformance suites, one per store interface. Each capability that defines a
 * store interface adds its suite here when it lands.
 */
export const moatkitConformanceSuites: readonly ConformanceSuite[] = [dataKeysSuite];
