import type { ConformanceSuite } from "./define-suite.js";
import { apiKeyStoreSuite } from "./suites/api-keys.js";
import { oneTimeTokensSuite } from "./suites/one-time-tokens.js";
import { serverSessionsSuite } from "./suites/server-sessions.js";
import { refreshSessionsSuite } from "./suites/refresh-sessions.js";
import { recoveryCodesSuite } from "./suites/recovery-codes.js";
import { totpStepsSuite } from "./suites/totp-steps.js";
import { dataKeysSuite } from "./suites/data-keys.js";
import { auditStoreSuite } from "./suites/audit.js";
import { rateLimitsSuite } from "./suites/rate-limits.js";

/**
 * moatkit's own conformance suites, one per store interface. Each capability that defines a
 * store interface adds its suite here when it lands.
 */
export const moatkitConformanceSuites: readonly ConformanceSuite[] = [
  refreshSessionsSuite,
  oneTimeTokensSuite,
  serverSessionsSuite,
  apiKeyStoreSuite,
  totpStepsSuite,
  recoveryCodesSuite,
  dataKeysSuite,
  auditStoreSuite,
  rateLimitsSuite,
];
