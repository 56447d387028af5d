import { describe, it } from "vitest";
import { createMemoryOneTimeTokenStore, createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";

describeStoreConformance(
  "memory",
  {
    refreshSessions: () => createMemoryRefreshSessionStore(),
    oneTimeTokens: () => createMemoryOneTimeTokenStore(),
  },
  { testApi: { describe, it } },
);
