import { describe, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";

describeStoreConformance("memory", { dataKeys: () => createMemoryDataKeyStore() }, { testApi: { describe, it } });
