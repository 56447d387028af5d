import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { type AuditStore, type StoredAuditEvent, createAuditLog } from "../../src/audit/index.js";
import type { AuditStoreQuery } from "../../src/audit/store.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const ORG = "org_q";

async function filledLog(store: AuditStore, n: number) {
  const clock = fakeClock();
  const log = createAuditLog({ store, now: clock.now });
  for (let i = 1; i <= n; i++) {
    clock.advance(1000);
    await log.record({ orgId: ORG, actor: { userId: "u_1" }, action: "key.create", target: { type: "k", id: "k" } });
  }
  return log;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

describe("query input checks", () => {
  it("accepts times up to the largest Date and refuses one beyond it", async () => {
    const log = await filledLog(createMemoryAuditStore(), 1);
    await expect(log.query({ orgId: ORG, limit: 5, from: -8.64e15, to: 8.64e15 })).resolves.toMatchObject({
      nextCursor: null,
    });
    const err = await expectMoatErrorAsync(log.query({ orgId: ORG, limit: 5, from: 8.64e15 + 1 }), "ERR_INVALID_INPUT");
    expect(err.message).toBe('invalid audit query at "from"');
    expect(err.details?.issues).toStrictEqual([{ path: ["from"], code: "custom", message: "expected a valid time" }]);
  });

  it("names the cursor when it is not one", async () => {
    const log = await filledLog(createMemoryAuditStore(), 1);
    const err = await expectMoatErrorAsync(log.query({ orgId: ORG, limit: 5, cursor: "garbage" }), "ERR_INVALID_INPUT");
    expect(err.message).toBe("invalid audit query cursor");
  });

  it("names the query when a filter is invalid", async () => {
    const log = await filledLog(createMemoryAuditStore(), 0);
    const err = await expectMoatErrorAsync(log.query({ orgId: ORG, limit: 0 }), "ERR_INVALID_INPUT");
    expect(err.message).toBe('invalid audit query at "limit"');
  });
});

describe("query", () => {
  it("lists newest first by default, page by page", async () => {
    const log = await filledLog(createMemoryAuditStore(), 3);
    const first = await log.query({ orgId: ORG, limit: 2 });
    expect(first.events.map((e) => e.seq)).toEqual([3, 2]);
    expect(first.nextCursor).not.toBeNull();
    const second = await log.query({ orgId: ORG, limit: 2, cursor: first.nextCursor ?? "" });
    expect(second.events.map((e) => e.seq)).toEqual([1]);
    expect(second.nextCursor).toBeNull();
  });

  it("passes the store only the filters given", async () => {
    const inner = createMemoryAuditStore();
    const calls: AuditStoreQuery[] = [];
    const store: AuditStore = {
      ...inner,
      queryAuditEvents: (q) => {
        calls.push(q);
        return inner.queryAuditEvents(q);
      },
    };
    const log = await filledLog(store, 0);
    await log.query({ orgId: ORG, limit: 2 });
    expect(calls).toStrictEqual([{ orgId: ORG, order: "desc", limit: 3 }]);
    calls.length = 0;
    await log.query({ orgId: ORG, limit: 2, actorId: "u_1", action: "key.create", targetId: "k", from: 0, to: 1000 });
    expect(calls).toStrictEqual([
      {
        orgId: ORG,
        order: "desc",
        limit: 3,
        actorId: "u_1",
        action: "key.create",
        targetId: "k",
        fromTime: "1970-01-01T00:00:00.000Z",
        toTime: "1970-01-01T00:00:01.000Z",
      },
    ]);
  });

  it("gives no cursor after a page whose last entry the store left empty", async () => {
    const store: AuditStore = {
      ...createMemoryAuditStore(),
      queryAuditEvents: async () => [undefined, undefined] as unknown as StoredAuditEvent[],
    };
    const log = createAuditLog({ store });
    const page = await log.query({ orgId: ORG, limit: 1 });
    expect(page.nextCursor).toBeNull();
  });
});

describe("exportNdjson", () => {
  it("names the org id and the options when they are invalid", async () => {
    const log = await filledLog(createMemoryAuditStore(), 0);
    expect(expectMoatError(() => log.exportNdjson(""), "ERR_INVALID_INPUT").message).toBe("invalid audit org id");
    expect(expectMoatError(() => log.exportNdjson(ORG, { fromSeq: 0 }), "ERR_INVALID_INPUT").message).toBe(
      'invalid audit export options at "fromSeq"',
    );
  });

  it("skips empty pages", async () => {
    const inner = createMemoryAuditStore({ pageSize: 1 });
    const store: AuditStore = {
      ...inner,
      async *scanAuditEvents(orgId, range) {
        for await (const page of inner.scanAuditEvents(orgId, range)) {
          yield [];
          yield page;
        }
        yield [];
      },
    };
    const log = await filledLog(store, 2);
    const chunks = await readAll(log.exportNdjson(ORG));
    expect(chunks).toHaveLength(2);
    expect(chunks.every((c) => c.length > 0)).toBe(true);
  });

  it("closes the store's scan when cancelled, and cancels before the first read", async () => {
    let closed = false;
    const inner = createMemoryAuditStore({ pageSize: 1 });
    const store: AuditStore = {
      ...inner,
      async *scanAuditEvents(orgId, range) {
        try {
          yield* inner.scanAuditEvents(orgId, range);
        } finally {
          closed = true;
        }
      },
    };
    const log = await filledLog(store, 4);
    await expect(log.exportNdjson(ORG).cancel()).resolves.toBeUndefined();
    const reader = log.exportNdjson(ORG).getReader();
    expect((await reader.read()).done).toBe(false);
    expect(closed).toBe(false);
    await reader.cancel();
    expect(closed).toBe(true);
  });
});
