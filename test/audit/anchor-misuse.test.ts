/**
 * Prune anchors and checkpoints are different signed objects. The attack: someone holding a
 * published checkpoint and the retention role deletes the events up to it and stores the
 * checkpoint as the prune anchor. Before anchors had a type of their own, `verify` said intact.
 * Run on the memory store and on Postgres (PGlite, and the server when DATABASE_URL is set).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { createPostgresAuditStore } from "../../src/adapters/postgres/index.js";
import {
  AUDIT_ANCHOR_TYPE,
  type AuditStore,
  createAuditLog,
  verifyAuditChain,
  verifyAuditCheckpoint,
} from "../../src/audit/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";
import { chainWithPublishedCheckpoint, checkpointKeys } from "./tamper.js";

const keys = await checkpointKeys();

/** What the retention role can do: delete events 1…10 and store `jws` as the anchor. */
async function eraseWithCheckpointAsAnchor(store: AuditStore, orgId: string, jws: string): Promise<void> {
  const checkpoint = await verifyAuditCheckpoint(jws, keys.publicKey);
  expect(await store.pruneAuditEvents(orgId, { seq: checkpoint.seq, hash: checkpoint.hash, jws })).toBe(10);
}

function attackCases(store: () => AuditStore): void {
  it("a checkpoint stored as the prune anchor does not verify: erased events are reported", async () => {
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    const { log, published } = await chainWithPublishedCheckpoint(store(), orgId, keys);
    await eraseWithCheckpointAsAnchor(store(), orgId, published);
    const result = await log.verify({ orgId });
    expect(result).toMatchObject({ ok: false, reason: "anchor_invalid", seq: 10 });
    expect(result.ok ? "" : result.detail).toMatch(/checkpoint.*not a prune anchor/);
    // Passing the same checkpoint as a checkpoint does not launder it.
    expect(await log.verify({ orgId, checkpoints: [published] })).toMatchObject({
      ok: false,
      reason: "anchor_invalid",
    });
    // And a prune on top of it refuses instead of replacing the planted anchor.
    const err = await expectMoatErrorAsync(
      log.prune({ orgId, before: Date.UTC(2030, 0, 1), signer: keys.signer }),
      "ERR_INTEGRITY",
    );
    expect(err.details).toMatchObject({ reason: "anchor_invalid", seq: 10 });
  });

  it("a real prune leaves an anchor of its own type, which verifies and is refused as a checkpoint", async () => {
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    const { log, published } = await chainWithPublishedCheckpoint(store(), orgId, keys);
    const events = await log.query({ orgId, limit: 20, order: "asc" });
    const { pruned, anchor } = await log.prune({
      orgId,
      before: events.events[10]!.at,
      signer: keys.signer,
      checkpoints: [published],
    });
    expect(pruned).toBe(10);
    const header = JSON.parse(Buffer.from(anchor!.jws.split(".")[0]!, "base64url").toString()) as { typ: string };
    expect(header.typ).toBe(AUDIT_ANCHOR_TYPE);
    expect(await log.verify({ orgId, checkpoints: [published] })).toMatchObject({ ok: true, count: 10 });
    const err = await expectMoatErrorAsync(verifyAuditCheckpoint(anchor!.jws, keys.publicKey), "ERR_INTEGRITY");
    expect(err.message).toMatch(/prune anchor, not a checkpoint/);
    await expectMoatErrorAsync(log.verify({ orgId, checkpoints: [anchor!.jws] }), "ERR_INTEGRITY");
  });
}

describe("anchor misuse [memory store]", () => {
  const shared = createMemoryAuditStore();
  attackCases(() => shared);

  it("offline: a checkpoint given as the anchor of an export is refused", async () => {
    const orgId = "org_offline";
    const store = createMemoryAuditStore();
    const { log, published } = await chainWithPublishedCheckpoint(store, orgId, keys);
    await eraseWithCheckpointAsAnchor(store, orgId, published);
    const lines = (await new Response(log.exportNdjson(orgId)).text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    expect(await verifyAuditChain(lines, { orgId, anchor: published, checkpointKey: keys.publicKey })).toMatchObject({
      ok: false,
      reason: "anchor_invalid",
      seq: 10,
    });
  });

  it("an anchor signed by another key, or for another organisation, is reported the same way", async () => {
    const store = createMemoryAuditStore();
    const { log } = await chainWithPublishedCheckpoint(store, "org_a", keys);
    await chainWithPublishedCheckpoint(store, "org_b", keys);
    const other = createAuditLog({ store, checkpointKey: keys.publicKey });
    const events = await other.query({ orgId: "org_b", limit: 20, order: "asc" });
    const { anchor } = await other.prune({ orgId: "org_b", before: events.events[5]!.at, signer: keys.signer });
    await store.pruneAuditEvents("org_a", { ...anchor!, seq: 5 });
    expect(await log.verify({ orgId: "org_a" })).toMatchObject({ ok: false, reason: "anchor_invalid", seq: 5 });
  });
});

describePostgres("anchor misuse", (target) => {
  const db = useMigratedDatabase(target);
  attackCases(() => createPostgresAuditStore({ client: db(), pageSize: 4 }));
});
