import assert from "node:assert/strict";
import { describe, expect, it } from "vitest";
import {
  defineConformanceSuite,
  describeStoreConformance,
  moatkitConformanceSuites,
  raceExactlyOne,
  type TestApi,
} from "../../src/testing/index.js";
import { expectMoatError } from "../helpers/assertions.js";

interface TicketStore {
  issue(id: string): Promise<void>;
  consume(id: string): Promise<boolean>;
}

function memoryTicketStore(): TicketStore {
  const live = new Set<string>();
  return {
    async issue(id) {
      live.add(id);
    },
    async consume(id) {
      return live.delete(id);
    },
  };
}

/** Broken on purpose: checks, yields, then deletes. */
function racyTicketStore(): TicketStore {
  const live = new Set<string>();
  return {
    async issue(id) {
      live.add(id);
    },
    async consume(id) {
      const had = live.has(id);
      await new Promise((r) => setImmediate(r));
      live.delete(id);
      return had;
    },
  };
}

const ticketSuite = defineConformanceSuite<TicketStore>(
  "tickets",
  ["issue", "consume"],
  [
    {
      name: "consumes an issued ticket once",
      async run(store) {
        await store.issue("t1");
        assert.equal(await store.consume("t1"), true);
        assert.equal(await store.consume("t1"), false);
      },
    },
    {
      name: "of 20 concurrent consumers exactly one wins",
      async run(store) {
        await store.issue("t2");
        await raceExactlyOne(20, () => store.consume("t2"));
      },
    },
  ],
);

/** A fake runner that records what the suite registers, so outcomes can be checked. */
function recordingApi() {
  const tests: { name: string; skipped: boolean; fn: () => Promise<void> }[] = [];
  const path: string[] = [];
  const it = Object.assign(
    (name: string, fn: () => Promise<void>) => {
      tests.push({ name: [...path, name].join(" > "), skipped: false, fn });
    },
    {
      skip: (name: string, fn: () => Promise<void>) => {
        tests.push({ name: [...path, name].join(" > "), skipped: true, fn });
      },
    },
  );
  const api: TestApi = {
    describe(name, fn) {
      path.push(name);
      fn();
      path.pop();
    },
    it,
  };
  return { api, tests };
}

describe("describeStoreConformance", () => {
  it("registers every case of every suite for a provided store", async () => {
    const { api, tests } = recordingApi();
    describeStoreConformance("memory", { tickets: memoryTicketStore }, { testApi: api, suites: [ticketSuite] });
    const mine = tests.filter((t) => t.name.includes("tickets"));
    expect(mine.map((t) => t.name)).toEqual([
      "store conformance: memory > tickets > consumes an issued ticket once",
      "store conformance: memory > tickets > of 20 concurrent consumers exactly one wins",
    ]);
    for (const t of mine) await t.fn();
  });

  it("catches a store that is not atomic", async () => {
    const { api, tests } = recordingApi();
    describeStoreConformance("racy", { tickets: racyTicketStore }, { testApi: api, suites: [ticketSuite] });
    const race = tests.find((t) => t.name.endsWith("exactly one wins"));
    await expect(race?.fn()).rejects.toThrow(/exactly one of 20/);
  });

  it("reports a store the adapter does not provide as a skip with the reason", () => {
    const { api, tests } = recordingApi();
    describeStoreConformance("redis", {}, { testApi: api, suites: [ticketSuite] });
    const skipped = tests.filter((t) => t.name.includes("tickets"));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.skipped).toBe(true);
    expect(skipped[0]?.name).toContain("2 cases (skipped: redis provides no tickets store)");
  });

  it("fails every case with a clear message when the factory returns the wrong shape", async () => {
    const { api, tests } = recordingApi();
    describeStoreConformance(
      "broken",
      { tickets: () => ({ issue: async () => {} }) },
      { testApi: api, suites: [ticketSuite] },
    );
    await expect(tests[tests.length - 1]?.fn()).rejects.toThrow(/did not return a store with methods issue, consume/);
  });

  it("rejects factory keys that name no suite (a typo would skip everything)", () => {
    const { api } = recordingApi();
    expectMoatError(() => {
      describeStoreConformance("memory", { tikets: memoryTicketStore }, { testApi: api, suites: [ticketSuite] });
    }, "ERR_CONFIG");
  });

  it("needs a test API when the runner has no globals", () => {
    expectMoatError(() => {
      describeStoreConformance("memory", {}, {});
    }, "ERR_CONFIG");
  });

  it("runs only the given suites with builtIn: false", () => {
    const { api, tests } = recordingApi();
    describeStoreConformance(
      "mine",
      { tickets: memoryTicketStore },
      { testApi: api, suites: [ticketSuite], builtIn: false },
    );
    expect(tests.map((t) => t.name.split(" > ")[1])).toEqual(["tickets", "tickets"]);
  });

  it("exposes moatkit's own suites as data", () => {
    expect(Array.isArray(moatkitConformanceSuites)).toBe(true);
  });
});

// The same suite registered with vitest itself, as a user would.
describeStoreConformance(
  "memory tickets (vitest)",
  { tickets: memoryTicketStore },
  { testApi: { describe, it }, suites: [ticketSuite], builtIn: false },
);
