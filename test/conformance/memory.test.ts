import { describe, it } from "vitest";
import {
  createMemoryApiKeyStore,
  createMemoryOneTimeTokenStore,
  createMemoryRefreshSessionStore,
} from "../../src/adapters/memory/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";

describeStoreConformance(
  "memory",
  {
    apiKeys: () => createMemoryApiKeyStore(),
    refreshSessions: () => createMemoryRefreshSessionStore(),
    oneTimeTokens: () => createMemoryOneTimeTokenStore(),
  },
  { testApi: { describe, it } },
);
