import { describe, it } from "vitest";
import { createMemoryApiKeyStore } from "../../src/adapters/memory/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";

describeStoreConformance(
  "memory",
  {
    apiKeys: () => createMemoryApiKeyStore(),
  },
  { testApi: { describe, it } },
);
