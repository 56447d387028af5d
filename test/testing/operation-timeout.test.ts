import { describe, expect, it } from "vitest";
import { withOperationTimeout } from "../../src/testing/operation-timeout.js";

const target = { store: "audit", caseName: "scans", timeoutMs: 40 };

describe("withOperationTimeout", () => {
  it("passes results, errors, plain values and `this` through", async () => {
    const store = {
      n: 3,
      async twice(x: number) {
        return 2 * x * (this.n / 3);
      },
      fail: () => Promise.reject(new TypeError("boom")),
      sync: () => 5,
    };
    const timed = withOperationTimeout(store, target);
    expect(await timed.twice(4)).toBe(8);
    await expect(timed.fail()).rejects.toThrow(TypeError);
    expect(timed.sync()).toBe(5);
    expect(timed.n).toBe(3);
  });

  it("gives each page of an async iterable the deadline, naming the method", async () => {
    const store = {
      async *scanAuditEvents() {
        yield [1];
        await new Promise(() => {});
      },
    };
    const pages: unknown[] = [];
    const read = async () => {
      for await (const page of withOperationTimeout(store, target).scanAuditEvents()) pages.push(page);
    };
    await expect(read()).rejects.toThrow(/audit\.scanAuditEvents did not settle within 40 ms .* in "scans"/);
    expect(pages).toEqual([[1]]);
  });

  it("works for methods on a class prototype", async () => {
    class Store {
      private readonly value = 7;
      async get() {
        return this.value;
      }
    }
    expect(await withOperationTimeout(new Store(), target).get()).toBe(7);
  });
});
