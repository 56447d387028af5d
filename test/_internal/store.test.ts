import { describe, expect, it } from "vitest";
import { MoatError, isMoatError } from "../../src/errors.js";
import { hasStoreMethods, storeSchema, wrapStore } from "../../src/_internal/store.js";

interface ThingStore {
  getThing(id: string): Promise<string | null>;
  listThings(): AsyncIterable<string>;
}
const METHODS = ["getThing", "listThings"] as const;

describe("store helpers", () => {
  it("accept an object with every method and refuse one that lacks any", () => {
    expect(hasStoreMethods<ThingStore>({ getThing: async () => null, listThings: () => [] }, METHODS)).toBe(true);
    expect(hasStoreMethods<ThingStore>({ getThing: async () => null }, METHODS)).toBe(false);
    expect(hasStoreMethods<ThingStore>(null, METHODS)).toBe(false);
    const result = storeSchema<ThingStore>(METHODS).safeParse({ getThing: 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("expected a store with methods getThing, listThings");
  });

  it("turns a driver failure into ERR_STORE naming the store and operation, never the driver's message", async () => {
    const store = wrapStore<ThingStore>(
      "things",
      {
        getThing: () => Promise.reject(new Error("duplicate key value (secret-value)")),
        async *listThings() {
          yield "a";
        },
      },
      METHODS,
    );
    const err: unknown = await store.getThing("x").catch((e: unknown) => e);
    expect(isMoatError(err, "ERR_STORE")).toBe(true);
    expect((err as Error).message).toBe("things store failed during getThing");
    expect((err as Error).message).not.toContain("secret-value");
  });

  it("passes MoatErrors through, wraps synchronous throws, and leaves non-promise results alone", async () => {
    const integrity = new MoatError("ERR_INTEGRITY");
    const store = wrapStore<ThingStore>(
      "things",
      {
        getThing: (id) =>
          id === "sync"
            ? (() => {
                throw new TypeError("boom");
              })()
            : Promise.reject(integrity),
        listThings: () => ({
          async *[Symbol.asyncIterator]() {
            yield "a";
          },
        }),
      },
      METHODS,
    );
    await expect(store.getThing("x")).rejects.toBe(integrity);
    await expect(store.getThing("sync")).rejects.toMatchObject({ code: "ERR_STORE" });
    const seen: string[] = [];
    for await (const item of store.listThings()) seen.push(item);
    expect(seen).toEqual(["a"]);
  });

  it("wraps a frozen store and a store whose methods live on its prototype", async () => {
    const frozen = Object.freeze({
      getThing: () => Promise.reject(new Error("down")),
      listThings: async function* () {},
    });
    await expect(wrapStore<ThingStore>("things", frozen, METHODS).getThing("a")).rejects.toMatchObject({
      code: "ERR_STORE",
    });
    class Things implements ThingStore {
      readonly #name = "x";
      getThing(): Promise<string | null> {
        return Promise.resolve(this.#name);
      }
      async *listThings(): AsyncIterable<string> {}
    }
    expect(await wrapStore<ThingStore>("things", new Things(), METHODS).getThing("a")).toBe("x");
  });
});

describe("wrapStore with thenables", () => {
  it("wraps a failure delivered through a thenable that is not a native Promise", async () => {
    const thenable: PromiseLike<string | null> = {
      then: (_ok, fail) => Promise.reject(new Error("driver said: secret-value")).then(undefined, fail),
    };
    const store = wrapStore<ThingStore>(
      "things",
      { getThing: () => thenable as Promise<string | null>, listThings: () => [] as unknown as AsyncIterable<string> },
      METHODS,
    );
    const err: unknown = await store.getThing("x").catch((e: unknown) => e);
    expect(isMoatError(err, "ERR_STORE")).toBe(true);
    expect(err instanceof Error ? err.message : "").toBe("things store failed during getThing");
  });
});
