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

  it("runs the suites once per isolation level, handing each factory its level", async () => {
    const { api, tests } = recordingApi();
    const seen: (string | undefined)[] = [];
    describeStoreConformance(
      "mysql",
      {
        tickets: ({ isolationLevel }) => {
          seen.push(isolationLevel);
          return memoryTicketStore();
        },
      },
      { testApi: api, suites: [ticketSuite], builtIn: false, isolationLevels: ["repeatable read", "read committed"] },
    );
    expect(tests.map((t) => t.name)).toEqual([
      "store conformance: mysql > isolation level repeatable read > tickets > consumes an issued ticket once",
      "store conformance: mysql > isolation level repeatable read > tickets > of 20 concurrent consumers exactly one wins",
      "store conformance: mysql > isolation level read committed > tickets > consumes an issued ticket once",
      "store conformance: mysql > isolation level read committed > tickets > of 20 concurrent consumers exactly one wins",
    ]);
    for (const t of tests) await t.fn();
    expect(seen).toEqual(["repeatable read", "repeatable read", "read committed", "read committed"]);
  });

  it("hands each case the configured concurrency and no isolation level by default", async () => {
    const { api, tests } = recordingApi();
    const contexts: unknown[] = [];
    const probe = defineConformanceSuite<TicketStore>(
      "tickets",
      ["issue", "consume"],
      [
        {
          name: "records its context",
          async run(_store, context) {
            contexts.push({
              concurrency: context.concurrency,
              level: context.isolationLevel,
              ms: context.operationTimeoutMs,
            });
          },
        },
      ],
    );
    describeStoreConformance(
      "m",
      { tickets: memoryTicketStore },
      { testApi: api, suites: [probe], builtIn: false, concurrency: 33, operationTimeoutMs: 1234 },
    );
    describeStoreConformance("m", { tickets: memoryTicketStore }, { testApi: api, suites: [probe], builtIn: false });
    for (const t of tests) await t.fn();
    expect(contexts).toEqual([
      { concurrency: 33, level: undefined, ms: 1234 },
      { concurrency: 64, level: undefined, ms: 5000 },
    ]);
  });

  it("fails a case fast, naming the store method that hung, instead of waiting out a lock", async () => {
    const { api, tests } = recordingApi();
    const hanging: TicketStore = {
      issue: async () => {},
      consume: () => new Promise<boolean>(() => {}),
    };
    describeStoreConformance(
      "hung",
      { tickets: () => hanging },
      { testApi: api, suites: [ticketSuite], builtIn: false, operationTimeoutMs: 50 },
    );
    await expect(tests[0]?.fn()).rejects.toThrow(
      /tickets\.consume did not settle within 50 ms \(1 call\(s\) of it pending\) in "consumes an issued ticket once"/,
    );
    await expect(tests[1]?.fn()).rejects.toThrow(
      /tickets\.consume did not settle within 50 ms \(20 call\(s\) of it pending\)/,
    );
  });

  it("gives a case's own operation deadline precedence, and passes a store's errors through unchanged", async () => {
    const { api, tests } = recordingApi();
    const slow: TicketStore = {
      issue: async () => {},
      consume: () =>
        new Promise<boolean>((resolve) =>
          setTimeout(() => {
            resolve(true);
          }, 80),
        ),
    };
    const failing: TicketStore = {
      issue: () => Promise.reject(new Error("driver down")),
      consume: async () => true,
    };
    const suite = defineConformanceSuite<TicketStore>(
      "tickets",
      ["issue", "consume"],
      [
        {
          name: "waits for a slow call",
          operationTimeoutMs: 1_000,
          run: async (store) => {
            await store.consume("x");
          },
        },
      ],
    );
    describeStoreConformance(
      "slow",
      { tickets: () => slow },
      { testApi: api, suites: [suite], builtIn: false, operationTimeoutMs: 10 },
    );
    describeStoreConformance(
      "failing",
      { tickets: () => failing },
      { testApi: api, suites: [ticketSuite], builtIn: false },
    );
    await tests[0]?.fn();
    await expect(tests[1]?.fn()).rejects.toThrow("driver down");
  });

  it("refuses a concurrency, deadline or isolation list it cannot honour", () => {
    const { api } = recordingApi();
    const bad: Record<string, unknown>[] = [
      { concurrency: 1 },
      { concurrency: 1025 },
      { concurrency: 2.5 },
      { concurrency: "64" },
      { operationTimeoutMs: 0 },
      { operationTimeoutMs: Number.POSITIVE_INFINITY },
      { isolationLevels: [] },
      { isolationLevels: [""] },
      { isolationLevels: ["read committed", "read committed"] },
      { isolationLevels: "read committed" },
    ];
    for (const options of bad) {
      expectMoatError(() => {
        describeStoreConformance(
          "m",
          { tickets: memoryTicketStore },
          { testApi: api, suites: [ticketSuite], builtIn: false, ...options },
        );
      }, "ERR_CONFIG");
    }
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
