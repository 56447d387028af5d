/** The apiKeys conformance suite catches the store bugs it exists for. */
import { describe, expect, it } from "vitest";
import { createMemoryApiKeyStore } from "../../src/adapters/memory/index.js";
import type { ApiKeyStore } from "../../src/apikeys/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { apiKeyStoreSuite } from "../../src/testing/suites/api-keys.js";

async function runCase(name: string, store: ApiKeyStore): Promise<void> {
  const found = apiKeyStoreSuite.cases.find((c) => c.name.startsWith(name));
  if (found === undefined) throw new Error(`no case named ${name}`);
  await found.run(store, { clock: fakeClock(), concurrency: 50, operationTimeoutMs: 5_000, isolationLevel: undefined });
}

const yieldOnce = () => new Promise((resolve) => setImmediate(resolve));

describe("apiKeys conformance suite", () => {
  it("fails a store whose rotate checks, yields, then writes", async () => {
    const inner = createMemoryApiKeyStore();
    const racy: ApiKeyStore = {
      ...inner,
      async rotateApiKey(id, successor) {
        const current = await inner.getApiKey(id);
        await yieldOnce();
        if (current === null || current.successorId !== null) return null;
        await inner.createApiKey(successor);
        return { ...current, successorId: successor.id };
      },
    };
    await expect(runCase("of concurrent rotations", racy)).rejects.toThrow(/exactly one of 50/);
  });

  it("fails a store whose touch writes on every call", async () => {
    const inner = createMemoryApiKeyStore();
    const eager: ApiKeyStore = { ...inner, touchApiKey: (id, at) => inner.touchApiKey(id, at, 0) };
    await expect(runCase("touches lastUsedAt at most once", eager)).rejects.toThrow();
  });

  it("fails a store that lists hashes or matches hashes loosely", async () => {
    const inner = createMemoryApiKeyStore();
    const leaky: ApiKeyStore = {
      ...inner,
      listApiKeysByOwner: async (o) =>
        Promise.all((await inner.listApiKeysByOwner(o)).map(async (k) => (await inner.getApiKey(k.id)) ?? k)),
    };
    await expect(runCase("lists an owner's keys", leaky)).rejects.toThrow(/must not return hashes/);
    const loose: ApiKeyStore = { ...inner, findApiKeyByHash: (h) => inner.findApiKeyByHash(h.toLowerCase()) };
    await expect(runCase("returns null for an unknown hash", loose)).rejects.toThrow();
  });

  it("fails a store that loses milliseconds", async () => {
    const inner = createMemoryApiKeyStore();
    const coarse: ApiKeyStore = {
      ...inner,
      createApiKey: (r) => inner.createApiKey({ ...r, createdAt: Math.floor(r.createdAt / 1000) * 1000 }),
    };
    await expect(runCase("stores a key and returns it", coarse)).rejects.toThrow();
  });
});
