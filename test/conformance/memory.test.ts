import { describe, it } from "vitest";
import {
  createMemoryApiKeyStore,
  createMemoryAuditStore,
  createMemoryDataKeyStore,
  createMemoryOneTimeTokenStore,
  createMemoryServerSessionStore,
  createMemoryRateLimitStore,
  createMemoryRecoveryCodeStore,
  createMemoryRefreshSessionStore,
  createMemoryTotpStepStore,
} from "../../src/adapters/memory/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";

describeStoreConformance(
  "memory",
  {
    apiKeys: () => createMemoryApiKeyStore(),
    dataKeys: () => createMemoryDataKeyStore(),
    refreshSessions: () => createMemoryRefreshSessionStore(),
    oneTimeTokens: () => createMemoryOneTimeTokenStore(),
    serverSessions: () => createMemoryServerSessionStore(),
    totpSteps: () => createMemoryTotpStepStore(),
    recoveryCodes: () => createMemoryRecoveryCodeStore(),
    audit: () => createMemoryAuditStore(),
    rateLimits: () => createMemoryRateLimitStore(),
  },
  { testApi: { describe, it } },
);
