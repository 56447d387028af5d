import type { CryptoKey } from "jose";
import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { type AuditCheckpointSigner, type AuditStore, createAuditLog } from "../../src/audit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { checkpointKeys, recordingScans } from "./tamper.js";

const ORG = "org_v";

/**
 * A log over `store` with `n` events and a checkpoint after each event whose seq is in
 * `checkpointAt`; returns the log and the checkpoints by seq.
 */
async function filledLog(
  store: AuditStore,
  n: number,
  k: { signer: AuditCheckpointSigner; publicKey: CryptoKey },
  checkpointAt: readonly number[] = [],
) {
  const clock = fakeClock();
  const log = createAuditLog({ store, now: clock.now, checkpointKey: k.publicKey });
  const checkpoints = new Map<number, string>();
  for (let i = 1; i <= n; i++) {
    clock.advance(1000);
    await log.record({ orgId: ORG, actor: { userId: "u_1" }, action: "key.create", target: { type: "k", id: "k" } });
    if (checkpointAt.includes(i)) checkpoints.set(i, await log.checkpoint(ORG, k.signer));
  }
  return { log, checkpoints };
}

describe("verify options", () => {
  it("names the verify options when they are invalid, and allows from equal to to", async () => {
    const k = await checkpointKeys();
    const { log } = await filledLog(createMemoryAuditStore(), 3, k);
    const err = await expectMoatErrorAsync(log.verify({ orgId: ORG, from: 0 }), "ERR_INVALID_INPUT");
    expect(err.message).toBe('invalid audit verify options at "from"');
    await expect(log.verify({ orgId: ORG, from: 2, to: 2 })).resolves.toStrictEqual({
      ok: true,
      count: 1,
      head: expect.objectContaining({ seq: 2 }) as unknown,
    });
  });
});

describe("verify range", () => {
  it("links from the checkpoint just before from", async () => {
    const k = await checkpointKeys();
    const { log, checkpoints } = await filledLog(createMemoryAuditStore(), 5, k, [2, 4]);
    const result = await log.verify({ orgId: ORG, from: 3, checkpoints: [...checkpoints.values()] });
    expect(result).toMatchObject({ ok: true, count: 3 });
  });

  it("ignores checkpoints after to", async () => {
    const k = await checkpointKeys();
    const { log, checkpoints } = await filledLog(createMemoryAuditStore(), 5, k, [4]);
    const result = await log.verify({ orgId: ORG, to: 2, checkpoints: [...checkpoints.values()] });
    expect(result).toMatchObject({ ok: true, count: 2 });
  });

  it("checks a checkpoint at to", async () => {
    const k = await checkpointKeys();
    const { log } = await filledLog(createMemoryAuditStore(), 5, k);
    // Another chain of the same org, signed with the same key: its seq 2 has another hash.
    const forged = (await filledLog(createMemoryAuditStore(), 2, k, [2])).checkpoints.get(2) ?? "";
    await expect(log.verify({ orgId: ORG, to: 2, checkpoints: [forged] })).resolves.toStrictEqual({
      ok: false,
      reason: "checkpoint_mismatch",
      seq: 2,
    });
  });

  it("scans only the range asked for", async () => {
    const k = await checkpointKeys();
    const { store, ranges } = recordingScans(createMemoryAuditStore());
    const { log } = await filledLog(store, 5, k);
    await log.verify({ orgId: ORG, from: 2, to: 3 });
    expect(ranges).toStrictEqual([{ fromSeq: 2, toSeq: 3 }]);
    ranges.length = 0;
    await log.verify({ orgId: ORG });
    expect(ranges).toEqual([{ fromSeq: 1 }]);
  });
});
