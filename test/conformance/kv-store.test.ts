/**
 * A store for a compare-and-set key-value engine, written from docs/writing-a-store.md alone
 * (test/conformance/kv-store/), passes the conformance suite for the five interfaces it
 * implements.
 */
import { describe, it } from "vitest";
import { describeStoreConformance } from "../../src/testing/index.js";
import { createMapCasKv } from "./kv-store/cas-kv.js";
import { createKvRefreshSessionStore } from "./kv-store/refresh-session-store.js";
import {
  createKvOneTimeTokenStore,
  createKvRateLimitStore,
  createKvRecoveryCodeStore,
  createKvTotpStepStore,
} from "./kv-store/simple-stores.js";

const kv = createMapCasKv();

describeStoreConformance(
  "key-value (compare-and-set only)",
  {
    totpSteps: () => createKvTotpStepStore(kv),
    recoveryCodes: () => createKvRecoveryCodeStore(kv),
    oneTimeTokens: () => createKvOneTimeTokenStore(kv),
    refreshSessions: () => createKvRefreshSessionStore(kv),
    rateLimits: () => createKvRateLimitStore(kv),
  },
  { testApi: { describe, it } },
);
