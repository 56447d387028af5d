/**
 * The upgrade path for logs pruned before moatkit 0.3.0, whose prune anchors are in the
 * checkpoint format. Such an anchor is accepted only when the operator vouches for its exact
 * text (`legacyAnchor`), and the next prune replaces it with an anchor of the new type. The
 * attacks: a published checkpoint planted as the anchor while the operator vouches for their own
 * legacy anchor, and vouching for one anchor to get another accepted.
 * Run on the memory store and on Postgres (PGlite, and the server when DATABASE_URL is set).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { createPostgresAuditStore } from "../../src/adapters/postgres/index.js";
import { AUDIT_ANCHOR_TYPE, type AuditStore, createAuditLog, verifyAuditChain } from "../../src/audit/index.js";
import { signAuditCheckpoint } from "../../src/audit/checkpoint.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";
import { chainWithPublishedCheckpoint, checkpointKeys } from "./tamper.js";

const keys = await checkpointKeys();
const LATER = Date.UTC(2030, 0, 1);

/** What moatkit 0.1/0.2 `prune` stored: a checkpoint-format JWS of the last pruned event. */
async function legacyAnchorFor(orgId: string, seq: number, hash: string, at = "2026-02-01T00:00:00.000Z") {
  return signAuditCheckpoint({ orgId, seq, hash, at }, keys.signer);
}

/** Deletes events 1…seq and stores `jws` as the anchor (an old prune, or the attack). */
async function storeAnchor(store: AuditStore, orgId: string, seq: number, hash: string, jws: string) {
  expect(await store.pruneAuditEvents(orgId, { seq, hash, jws })).toBe(seq);
}

function typOf(jws: string): string {
  return (JSON.parse(Buffer.from(jws.split(".")[0]!, "base64url").toString()) as { typ: string }).typ;
}

function cases(store: () => AuditStore): void {
  it("a legacy anchor verifies only with its exact text vouched for", async () => {
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    const { log, events } = await chainWithPublishedCheckpoint(store(), orgId, keys);
    const legacy = await legacyAnchorFor(orgId, 10, events[9]!.hash);
    await storeAnchor(store(), orgId, 10, events[9]!.hash, legacy);
    expect(await log.verify({ orgId })).toMatchObject({ ok: false, reason: "anchor_invalid", seq: 10 });
    expect(await log.verify({ orgId, legacyAnchor: legacy })).toMatchObject({ ok: true, count: 10 });
    // Not byte-identical (a trailing newline, another anchor of the same key): still refused.
    for (const vouched of [
      `${legacy}\n`,
      await legacyAnchorFor(orgId, 10, events[9]!.hash, "2026-03-01T00:00:00.000Z"),
    ])
      expect(await log.verify({ orgId, legacyAnchor: vouched })).toMatchObject({ ok: false, reason: "anchor_invalid" });
  });

  it("a published checkpoint planted as the anchor is refused although a legacy anchor is vouched for", async () => {
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    const { log, published, events } = await chainWithPublishedCheckpoint(store(), orgId, keys);
    const legacy = await legacyAnchorFor(orgId, 10, events[9]!.hash);
    await storeAnchor(store(), orgId, 10, events[9]!.hash, published);
    const result = await log.verify({ orgId, legacyAnchor: legacy, checkpoints: [published] });
    expect(result).toMatchObject({ ok: false, reason: "anchor_invalid", seq: 10 });
    expect(result.ok ? "" : result.detail).toMatch(/not the legacy anchor vouched for/);
    const err = await expectMoatErrorAsync(
      log.prune({ orgId, before: LATER, signer: keys.signer, legacyAnchor: legacy }),
      "ERR_INTEGRITY",
    );
    expect(err.details).toMatchObject({ reason: "anchor_invalid", seq: 10 });
    expect((await log.query({ orgId, limit: 20 })).events).toHaveLength(10);
  });

  it("vouching for anchor A does not accept anchor B, even one signed by the same key for the same org", async () => {
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    const { log, events } = await chainWithPublishedCheckpoint(store(), orgId, keys);
    const a = await legacyAnchorFor(orgId, 10, events[9]!.hash);
    const b = await legacyAnchorFor(orgId, 15, events[14]!.hash);
    await storeAnchor(store(), orgId, 15, events[14]!.hash, b);
    expect(await log.verify({ orgId, legacyAnchor: a })).toMatchObject({
      ok: false,
      reason: "anchor_invalid",
      seq: 15,
    });
    expect(await log.verify({ orgId, legacyAnchor: b })).toMatchObject({ ok: true, count: 5 });
  });

  it("the next prune replaces a vouched legacy anchor with a new-format one, so the option is not needed after", async () => {
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    const { log, published, events } = await chainWithPublishedCheckpoint(store(), orgId, keys);
    const legacy = await legacyAnchorFor(orgId, 5, events[4]!.hash);
    await storeAnchor(store(), orgId, 5, events[4]!.hash, legacy);
    await expectMoatErrorAsync(log.prune({ orgId, before: events[12]!.at, signer: keys.signer }), "ERR_INTEGRITY");
    const { pruned, anchor } = await log.prune({
      orgId,
      before: events[12]!.at,
      signer: keys.signer,
      legacyAnchor: legacy,
      checkpoints: [published],
    });
    expect(pruned).toBe(7);
    expect(anchor?.seq).toBe(12);
    expect(typOf(anchor!.jws)).toBe(AUDIT_ANCHOR_TYPE);
    expect(await log.verify({ orgId, checkpoints: [published] })).toMatchObject({ ok: true, count: 8 });
  });

  it("the upgrade prune verifies the chain from the legacy anchor: an edited event is refused", async () => {
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    const { log, events } = await chainWithPublishedCheckpoint(store(), orgId, keys);
    // The vouched text is genuine, but claims a hash event 5 never had: the chain does not link to it.
    const legacy = await legacyAnchorFor(orgId, 5, "0".repeat(64));
    await storeAnchor(store(), orgId, 5, "0".repeat(64), legacy);
    expect(await log.verify({ orgId, legacyAnchor: legacy })).toMatchObject({ ok: false, seq: 6 });
    await expectMoatErrorAsync(
      log.prune({ orgId, before: events[12]!.at, signer: keys.signer, legacyAnchor: legacy }),
      "ERR_INTEGRITY",
    );
    expect((await log.query({ orgId, limit: 20 })).events).toHaveLength(15);
  });

  it("a new-format anchor never needs the option, and is not affected by it", async () => {
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    const { log, events } = await chainWithPublishedCheckpoint(store(), orgId, keys);
    const { anchor } = await log.prune({ orgId, before: events[10]!.at, signer: keys.signer });
    expect(await log.verify({ orgId })).toMatchObject({ ok: true, count: 10 });
    const unrelated = await legacyAnchorFor(orgId, 10, events[9]!.hash);
    expect(await log.verify({ orgId, legacyAnchor: unrelated })).toMatchObject({ ok: true, count: 10 });
    expect(await log.verify({ orgId, legacyAnchor: anchor!.jws })).toMatchObject({ ok: true, count: 10 });
  });
}

describe("legacy prune anchors [memory store]", () => {
  const shared = createMemoryAuditStore();
  cases(() => shared);

  it("a vouched legacy anchor of another organisation or another key is still refused", async () => {
    const store = createMemoryAuditStore();
    const { log, events } = await chainWithPublishedCheckpoint(store, "org_a", keys);
    const foreign = await legacyAnchorFor("org_b", 10, events[9]!.hash);
    await storeAnchor(store, "org_a", 10, events[9]!.hash, foreign);
    expect(await log.verify({ orgId: "org_a", legacyAnchor: foreign })).toMatchObject({
      ok: false,
      reason: "anchor_invalid",
    });
    const other = await checkpointKeys();
    const strangers = createAuditLog({ store, checkpointKey: other.publicKey });
    expect(await strangers.verify({ orgId: "org_a", legacyAnchor: foreign })).toMatchObject({
      ok: false,
      reason: "anchor_invalid",
    });
  });

  it("offline: verifyAuditChain accepts a legacy anchor only as the vouched text", async () => {
    const store = createMemoryAuditStore();
    const { log, published, events } = await chainWithPublishedCheckpoint(store, "org_offline", keys);
    const legacy = await legacyAnchorFor("org_offline", 10, events[9]!.hash);
    await storeAnchor(store, "org_offline", 10, events[9]!.hash, legacy);
    const lines = (await new Response(log.exportNdjson("org_offline")).text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    const base = { orgId: "org_offline", checkpointKey: keys.publicKey };
    expect(await verifyAuditChain(lines, { ...base, anchor: legacy })).toMatchObject({ reason: "anchor_invalid" });
    expect(await verifyAuditChain(lines, { ...base, anchor: legacy, legacyAnchor: legacy })).toMatchObject({
      ok: true,
      count: 10,
    });
    expect(await verifyAuditChain(lines, { ...base, anchor: published, legacyAnchor: legacy })).toMatchObject({
      ok: false,
      reason: "anchor_invalid",
    });
  });

  it("legacyAnchor must be a string", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore(), checkpointKey: keys.publicKey });
    await expectMoatErrorAsync(
      log.verify({ orgId: "org_1", legacyAnchor: 1 as unknown as string }),
      "ERR_INVALID_INPUT",
    );
    await expectMoatErrorAsync(
      log.prune({ orgId: "org_1", before: LATER, signer: keys.signer, legacyAnchor: "" }),
      "ERR_INVALID_INPUT",
    );
  });
});

describePostgres("legacy prune anchors", (target) => {
  const db = useMigratedDatabase(target);
  cases(() => createPostgresAuditStore({ client: db(), pageSize: 4 }));
});
