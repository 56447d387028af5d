/**
 * The row facts and the page cursor behind chain verification (`inspect`, `seqOf`, `RowCursor`):
 * what one row is taken to say, and how the cursor walks, ends and closes the store's iteration.
 */
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, type StoredAuditEvent, hashAuditEvent } from "../../src/audit/index.js";
import { END, MORE, RowCursor, inspect, seqOf } from "../../src/audit/verify-rows.js";

type Row = Record<string, unknown>;

function sealed(fields: Row): Row {
  return { ...fields, hash: hashAuditEvent(fields as unknown as Omit<StoredAuditEvent, "hash">) };
}

/** Pages served by a hand-made iterator that counts the calls made to it. */
function countedPages(pages: readonly (readonly unknown[])[], withReturn = true) {
  const calls = { next: 0, return: 0 };
  let i = 0;
  const iterator: Iterator<readonly unknown[]> = {
    next: () => {
      calls.next++;
      const value = pages[i];
      if (value === undefined) return { done: true, value: undefined };
      i++;
      return { done: false, value };
    },
    ...(withReturn
      ? {
          return: () => {
            calls.return++;
            return { done: true, value: undefined };
          },
        }
      : {}),
  };
  return { calls, iterable: { [Symbol.iterator]: () => iterator } };
}

describe("inspect", () => {
  it("reports nothing usable for a row that is not a record", () => {
    for (const row of [null, 42, "row", [1, 2]])
      expect(inspect(row)).toStrictEqual({ seq: null, hashOk: false, orgId: undefined, prevHash: undefined, hash: "" });
  });

  it("reports a sealed row's seq, hash and links", () => {
    const row = sealed({ orgId: "org_1", prevHash: GENESIS_HASH, seq: 4 });
    expect(inspect(row)).toStrictEqual({
      seq: 4,
      hashOk: true,
      orgId: "org_1",
      prevHash: GENESIS_HASH,
      hash: row.hash,
    });
  });

  it("takes only a safe integer from 1 as the seq", () => {
    for (const seq of ["5", 1.5, 0, -3, 2 ** 53]) {
      const facts = inspect(sealed({ orgId: "org_1", prevHash: GENESIS_HASH, seq }));
      expect(facts.hashOk).toBe(true);
      expect(facts.seq).toBeNull();
    }
  });

  it("a hash that is not the row's is not ok, and is not reported", () => {
    for (const hash of [undefined, 7, "short", "a".repeat(64)]) {
      const facts = inspect({ orgId: "org_1", prevHash: GENESIS_HASH, seq: 1, hash });
      expect(facts).toMatchObject({ seq: 1, hashOk: false, hash: "" });
    }
  });

  it("a row JSON cannot represent is not ok, whatever its hash", () => {
    const facts = inspect({ orgId: "org_1", prevHash: GENESIS_HASH, seq: 1, big: 10n, hash: "a".repeat(64) });
    expect(facts).toMatchObject({ seq: 1, hashOk: false, hash: "" });
  });
});

describe("seqOf", () => {
  it("reads a numeric seq of any object, and nothing else", () => {
    expect(seqOf({ seq: 3 })).toBe(3);
    expect(seqOf({ seq: 2.5 })).toBe(2.5);
    for (const row of [null, undefined, 5, "seq", { seq: "3" }, {}]) expect(seqOf(row)).toBeUndefined();
  });
});

describe("RowCursor", () => {
  it("takes the rest of a page synchronously, then fetches the next page after the page hook", async () => {
    const { calls, iterable } = countedPages([["a", "b"], ["c"]]);
    let hooks = 0;
    const cursor = new RowCursor(iterable, async () => {
      hooks++;
    });
    expect(cursor.take()).toBe(MORE);
    expect(await cursor.next()).toBe("a");
    expect(cursor.take()).toBe("b");
    expect(cursor.take()).toBe(MORE);
    expect(await cursor.peek()).toBe("c");
    expect(await cursor.next()).toBe("c");
    expect(await cursor.peek()).toBe(END);
    expect(await cursor.next()).toBe(END);
    // Once the pages ended, nothing more is asked of them or of the hook.
    expect(await cursor.next()).toBe(END);
    expect(await cursor.peek()).toBe(END);
    expect({ hooks, next: calls.next }).toEqual({ hooks: 3, next: 3 });
    await cursor.close();
    expect(calls.return).toBe(0);
  });

  it("close ends an unfinished iteration once, and nothing is read after it", async () => {
    const { calls, iterable } = countedPages([["a"], ["b"], ["c"]]);
    let hooks = 0;
    const cursor = new RowCursor(iterable, async () => {
      hooks++;
    });
    expect(await cursor.next()).toBe("a");
    await cursor.close();
    expect(calls.return).toBe(1);
    await cursor.close();
    expect(calls.return).toBe(1);
    expect(await cursor.next()).toBe(END);
    expect({ hooks, next: calls.next, return: calls.return }).toEqual({ hooks: 1, next: 1, return: 1 });
  });

  it("closes a generator early, running its cleanup", async () => {
    let cleaned = false;
    async function* pages(): AsyncGenerator<readonly unknown[]> {
      try {
        yield ["a"];
        yield ["b"];
      } finally {
        cleaned = true;
      }
    }
    const cursor = new RowCursor(pages(), async () => {});
    expect(await cursor.next()).toBe("a");
    await cursor.close();
    expect(cleaned).toBe(true);
  });

  it("closes pages whose iterator has no return method", async () => {
    const { calls, iterable } = countedPages([["a"], ["b"]], false);
    const cursor = new RowCursor(iterable, async () => {});
    expect(await cursor.next()).toBe("a");
    await expect(cursor.close()).resolves.toBeUndefined();
    expect(calls.next).toBe(1);
  });
});
