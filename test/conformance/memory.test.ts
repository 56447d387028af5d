import { describe, it } from "vitest";
import { createMemoryRecoveryCodeStore, createMemoryTotpStepStore } from "../../src/adapters/memory/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";

describeStoreConformance(
  "memory",
  {
    totpSteps: () => createMemoryTotpStepStore(),
    recoveryCodes: () => createMemoryRecoveryCodeStore(),
  },
  { testApi: { describe, it } },
);
