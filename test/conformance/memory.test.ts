import { describe, it } from "vitest";
import {
  createMemoryApiKeyStore,
  createMemoryAuditStore,
  createMemoryOneTimeTokenStore,
  createMemoryRecoveryCodeStore,
  createMemoryRefreshSessionStore,
  createMemoryTotpStepStore,
} from "../../src/adapters/memory/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";

describeStoreConformance(
  "memory",
  {
    apiKeys: () => createMemoryApiKeyStore(),
    refreshSessions: () => createMemoryRefreshSessionStore(),
    oneTimeTokens: () => createMemoryOneTimeTokenStore(),
    totpSteps: () => createMemoryTotpStepStore(),
    recoveryCodes: () => createMemoryRecoveryCodeStore(),
    audit: () => createMemoryAuditStore(),
  },
  { testApi: { describe, it } },
);
