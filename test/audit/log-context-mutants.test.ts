import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import type { AuditChainHead, AuditStore, StoredAuditEvent } from "../../src/audit/index.js";
import { checkHead, createAuditLogContext, integrityFailure } from "../../src/audit/log-context.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const HASH = "a".repeat(64);

/** A memory store whose scan is `scan`. */
function storeWithScan(scan: AuditStore["scanAuditEvents"]): AuditStore {
  return { ...createMemoryAuditStore(), scanAuditEvents: scan };
}

describe("createAuditLogContext scan", () => {
  it("returns the store's page iterator and reports done, even before the first page", async () => {
    let closed = false;
    const ctx = createAuditLogContext(
      storeWithScan(async function* () {
        try {
          yield [];
          yield [];
        } finally {
          closed = true;
        }
      }),
      undefined,
      fakeClock().now,
    );
    const early = ctx.scan("org_1")[Symbol.asyncIterator]();
    await expect(early.return?.()).resolves.toStrictEqual({ done: true, value: undefined });

    const pages = ctx.scan("org_1")[Symbol.asyncIterator]();
    await pages.next();
    await expect(pages.return?.()).resolves.toStrictEqual({ done: true, value: undefined });
    expect(closed).toBe(true);
  });

  it("returns early from a page iterator that has no return method", async () => {
    const ctx = createAuditLogContext(
      storeWithScan(() => ({
        [Symbol.asyncIterator]: () => ({ next: async () => ({ done: false, value: [] as StoredAuditEvent[] }) }),
      })),
      undefined,
      fakeClock().now,
    );
    const pages = ctx.scan("org_1")[Symbol.asyncIterator]();
    await pages.next();
    await expect(pages.return?.()).resolves.toStrictEqual({ done: true, value: undefined });
  });

  it("names scanAuditEvents when a page fails", async () => {
    const ctx = createAuditLogContext(
      storeWithScan(async function* () {
        yield await Promise.reject(new Error("driver down"));
      }),
      undefined,
      fakeClock().now,
    );
    const err = await expectMoatErrorAsync(ctx.scan("org_1")[Symbol.asyncIterator]().next(), "ERR_STORE");
    expect(err.message).toBe("audit store failed during scanAuditEvents");
  });
});

describe("createAuditLogContext columns", () => {
  it("treats a non-string answer of checkAuditEventColumns as no mismatch", () => {
    const answers: unknown[] = [undefined, 42, { column: "x" }, "actor_id"];
    const store = { ...createMemoryAuditStore(), checkAuditEventColumns: () => answers.shift() } as AuditStore;
    const ctx = createAuditLogContext(store, undefined, fakeClock().now);
    expect(ctx.columns?.({})).toBeNull();
    expect(ctx.columns?.({})).toBeNull();
    expect(ctx.columns?.({})).toBeNull();
    expect(ctx.columns?.({})).toBe("actor_id");
  });
});

describe("createAuditLogContext nowIso", () => {
  it("refuses a clock that returns a non-finite time", () => {
    const ctx = createAuditLogContext(createMemoryAuditStore(), undefined, () => Number.NaN);
    const err = expectMoatError(() => ctx.nowIso(), "ERR_CONFIG");
    expect(err.message).toBe("the audit clock returned a non-finite time");
  });
});

describe("checkHead", () => {
  it("accepts a valid head", () => {
    const head = { seq: 3, hash: HASH };
    expect(checkHead(head)).toBe(head);
  });

  it("refuses what is not a head as ERR_STORE", () => {
    for (const bad of [undefined, "head", { seq: -1, hash: HASH }, { seq: 1.5, hash: HASH }, { seq: 1, hash: "x" }]) {
      const err = expectMoatError(() => checkHead(bad as unknown as AuditChainHead), "ERR_STORE");
      expect(err.message).toBe("audit store returned an invalid chain head");
    }
  });
});

describe("integrityFailure", () => {
  it("names what was refused and where the chain failed, with the column when there is one", () => {
    const withColumn = integrityFailure("prune", { ok: false, reason: "column_mismatch", seq: 4, column: "actor_id" });
    expect(withColumn.code).toBe("ERR_INTEGRITY");
    expect(withColumn.message).toBe("prune: the audit chain does not verify");
    expect(withColumn.details).toStrictEqual({ reason: "column_mismatch", seq: 4, column: "actor_id" });
    const without = integrityFailure("checkpoint", { ok: false, reason: "modified", seq: 2 });
    expect(without.message).toBe("checkpoint: the audit chain does not verify");
    expect(without.details).toStrictEqual({ reason: "modified", seq: 2 });
  });
});
