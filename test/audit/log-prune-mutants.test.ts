import type { CryptoKey } from "jose";
import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { type AuditStore, createAuditLog } from "../../src/audit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { checkpointKeys, recordingScans } from "./tamper.js";

const ORG = "org_p";
const START = Date.UTC(2026, 0, 1);

/** A log over `store` with `n` events one second apart (event i at START + i s). */
async function filledLog(store: AuditStore, n: number, checkpointKey?: CryptoKey) {
  const clock = fakeClock(START);
  const log = createAuditLog({ store, now: clock.now, ...(checkpointKey === undefined ? {} : { checkpointKey }) });
  for (let i = 1; i <= n; i++) {
    clock.advance(1000);
    await log.record({ orgId: ORG, actor: { userId: "u_1" }, action: "key.create", target: { type: "k", id: "k" } });
  }
  return log;
}

describe("prune input checks", () => {
  it("names the prune options when they are invalid", async () => {
    const k = await checkpointKeys();
    const log = await filledLog(createMemoryAuditStore(), 0, k.publicKey);
    const err = await expectMoatErrorAsync(
      log.prune({ orgId: ORG, before: "not a time", signer: k.signer }),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toBe('invalid audit prune options at "before"');
  });

  it("says a log without checkpointKey cannot prune", async () => {
    const k = await checkpointKeys();
    const log = await filledLog(createMemoryAuditStore(), 2);
    const err = await expectMoatErrorAsync(
      log.prune({ orgId: ORG, before: START + 10_000, signer: k.signer }),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toBe("prune needs the log's checkpointKey, so the anchor it leaves can be verified");
  });

  it("says the signer does not match the checkpointKey", async () => {
    const k = await checkpointKeys();
    const other = await checkpointKeys();
    const log = await filledLog(createMemoryAuditStore(), 3, k.publicKey);
    const err = await expectMoatErrorAsync(
      log.prune({ orgId: ORG, before: START + 10_000, signer: other.signer }),
      "ERR_CONFIG",
    );
    expect(err.message).toBe("the prune signer's key does not match the log's checkpointKey");
  });
});

describe("prune integrity", () => {
  it("refuses to build on a stored anchor that does not verify", async () => {
    const k = await checkpointKeys();
    const store: AuditStore = {
      ...createMemoryAuditStore(),
      getLatestAuditAnchor: async () => ({ seq: 1, hash: "a".repeat(64), jws: "x.y.z" }),
    };
    const log = await filledLog(store, 0, k.publicKey);
    const err = await expectMoatErrorAsync(
      log.prune({ orgId: ORG, before: START + 10_000, signer: k.signer }),
      "ERR_INTEGRITY",
    );
    expect(err.message).toBe("prune: the audit chain does not verify");
    expect(err.details?.reason).toBe("anchor_invalid");
  });

  it("checks a given checkpoint at the last event to delete", async () => {
    const k = await checkpointKeys();
    const store = createMemoryAuditStore();
    const log = await filledLog(store, 5, k.publicKey);
    // Another chain of the same org, signed with the same key: its seq 3 has another hash.
    const forged = await (await filledLog(createMemoryAuditStore(), 3, k.publicKey)).checkpoint(ORG, k.signer);
    const err = await expectMoatErrorAsync(
      log.prune({ orgId: ORG, before: START + 4000, signer: k.signer, checkpoints: [forged] }),
      "ERR_INTEGRITY",
    );
    expect(err.message).toBe("prune: the audit chain does not verify");
    expect(err.details).toStrictEqual({ reason: "checkpoint_mismatch", seq: 3 });
    expect((await log.query({ orgId: ORG, limit: 10 })).events).toHaveLength(5);
  });

  it("refuses when the store returns fewer events than its head says", async () => {
    const k = await checkpointKeys();
    const inner = createMemoryAuditStore();
    const store: AuditStore = {
      ...inner,
      async *scanAuditEvents(orgId, range) {
        for await (const page of inner.scanAuditEvents(orgId, range)) yield page.filter((e) => e.seq <= 3);
      },
    };
    const log = await filledLog(store, 5, k.publicKey);
    const err = await expectMoatErrorAsync(
      log.prune({ orgId: ORG, before: START + 60_000, signer: k.signer }),
      "ERR_INTEGRITY",
    );
    expect(err.message).toBe("prune: the audit chain does not verify");
    expect(err.details).toStrictEqual({ reason: "deleted", seq: 4 });
  });
});

describe("prune range", () => {
  it("deletes nothing when no event is older than before", async () => {
    const k = await checkpointKeys();
    const log = await filledLog(createMemoryAuditStore(), 3, k.publicKey);
    await expect(log.prune({ orgId: ORG, before: START, signer: k.signer })).resolves.toStrictEqual({
      pruned: 0,
      anchor: null,
    });
    expect((await log.query({ orgId: ORG, limit: 10 })).events).toHaveLength(3);
  });

  it("scans exactly the events it deletes", async () => {
    const k = await checkpointKeys();
    const { store, ranges } = recordingScans(createMemoryAuditStore());
    const log = await filledLog(store, 5, k.publicKey);
    const result = await log.prune({ orgId: ORG, before: START + 4000, signer: k.signer });
    expect(result.pruned).toBe(3);
    expect(ranges).toStrictEqual([{ fromSeq: 1, toSeq: 3 }]);
    ranges.length = 0;
    const second = await log.prune({ orgId: ORG, before: START + 60_000, signer: k.signer });
    expect(second.pruned).toBe(2);
    expect(ranges).toStrictEqual([{ fromSeq: 4, toSeq: 5 }]);
  });
});
