import { describe, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";

describeStoreConformance(
  "memory",
  {
    audit: () => createMemoryAuditStore(),
  },
  { testApi: { describe, it } },
);
