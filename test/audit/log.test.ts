import fc from "fast-check";
import { type CryptoKey, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import {
  type AuditCheckpointSigner,
  type AuditEventInput,
  type AuditLog,
  type AuditStore,
  type StoredAuditEvent,
  buildAuditEvent,
  createAuditLog,
  verifyAuditChain,
} from "../../src/audit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { arrayStore, baseChain } from "./tamper.js";

const input = (orgId: string, i: number, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  orgId,
  actor: { userId: `user_${String(i % 2)}` },
  action: i % 3 === 0 ? "key.revoke" : "key.create",
  target: { type: "key", id: `key_${String(i % 5)}` },
  ...extra,
});

async function fill(
  log: AuditLog,
  orgId: string,
  n: number,
  clock?: { advance(ms: number): number },
): Promise<StoredAuditEvent[]> {
  const out: StoredAuditEvent[] = [];
  for (let i = 1; i <= n; i++) {
    clock?.advance(1000);
    out.push(await log.record(input(orgId, i)));
  }
  return out;
}

let signer: AuditCheckpointSigner;
let publicKey: CryptoKey;
beforeAll(async () => {
  const pair = await generateKeyPair("EdDSA");
  signer = { alg: "EdDSA", privateKey: pair.privateKey };
  publicKey = pair.publicKey;
});

describe("createAuditLog", () => {
  it("validates its options once", () => {
    for (const bad of WRONG_TYPES) expectMoatError(() => createAuditLog(bad as never), "ERR_CONFIG");
    expectMoatError(() => createAuditLog({ store: { appendAuditEvents: () => 1 } as never }), "ERR_CONFIG");
    expectMoatError(() => createAuditLog({ store: createMemoryAuditStore(), now: "now" } as never), "ERR_CONFIG");
    expectMoatError(
      () => createAuditLog({ store: createMemoryAuditStore(), checkpointKey: new Uint8Array(32) } as never),
      "ERR_CONFIG",
    );
    expectMoatError(() => createAuditLog({ store: createMemoryAuditStore(), sensitiveKeys: ["x"] }), "ERR_CONFIG");
  });
});

describe("append", () => {
  it("chains events per organisation from the genesis hash", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const a1 = await log.append(buildAuditEvent(input("org_a", 1)));
    const b1 = await log.append(buildAuditEvent(input("org_b", 1)));
    const a2 = await log.append(buildAuditEvent(input("org_a", 2)));
    expect([a1.seq, b1.seq, a2.seq]).toEqual([1, 1, 2]);
    expect(a1.prevHash).toBe("0".repeat(64));
    expect(a2.prevHash).toBe(a1.hash);
    expect(a1.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("rejects malformed events without touching the store, and keeps working", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const good = buildAuditEvent(input("org_v", 1));
    for (const bad of [
      ...WRONG_TYPES,
      { ...good, seq: 3 },
      { ...good, hash: "x" },
      { ...good, orgId: "" },
      { ...good, ip: "nope" },
    ]) {
      await expectMoatErrorAsync(log.append(bad as never), "ERR_INVALID_INPUT");
    }
    await expectMoatErrorAsync(log.record({ ...input("org_v", 1), orgId: undefined } as never), "ERR_INVALID_INPUT");
    expect((await log.append(good)).seq).toBe(1);
  });

  it("batches appends made together and rejects a whole batch when the store fails, then recovers", async () => {
    const inner = createMemoryAuditStore();
    let calls = 0;
    let failNext = true;
    const flaky: AuditStore = {
      ...inner,
      async appendAuditEvents(orgId, seal) {
        calls++;
        if (failNext) {
          failNext = false;
          throw new Error("connection reset");
        }
        return inner.appendAuditEvents(orgId, seal);
      },
    };
    const log = createAuditLog({ store: flaky });
    const first = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => log.record(input("org_f", i))));
    expect(first.every((r) => r.status === "rejected" && (r.reason as { code?: string }).code === "ERR_STORE")).toBe(
      true,
    );
    expect(calls).toBe(1);
    const second = await Promise.all(Array.from({ length: 100 }, (_, i) => log.record(input("org_f", i))));
    expect(second.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(calls).toBeLessThan(6);
  });

  it("refuses a store that reports a broken head", async () => {
    const inner = createMemoryAuditStore();
    const liar: AuditStore = {
      ...inner,
      appendAuditEvents: (_orgId, seal) => Promise.resolve(seal({ seq: -1, hash: "x" })),
    };
    await expectMoatErrorAsync(createAuditLog({ store: liar }).record(input("org_l", 1)), "ERR_STORE");
  });
});

describe("store failures", () => {
  it("become ERR_STORE in every operation, including a scan that fails between pages", async () => {
    const inner = createMemoryAuditStore({ pageSize: 2 });
    const seeded = createAuditLog({ store: inner });
    await fill(seeded, "org_s", 5);
    const fail = (): never => {
      throw new Error("connection reset");
    };
    const broken: AuditStore = {
      ...inner,
      getAuditChainHead: fail,
      queryAuditEvents: () => Promise.reject(new Error("connection reset")),
      async *scanAuditEvents(orgId, range) {
        let pages = 0;
        for await (const page of inner.scanAuditEvents(orgId, range)) {
          if (++pages > 1) throw new Error("connection reset");
          yield page;
        }
      },
    };
    const log = createAuditLog({ store: broken });
    await expectMoatErrorAsync(log.verify({ orgId: "org_s" }), "ERR_STORE");
    await expectMoatErrorAsync(log.query({ orgId: "org_s", limit: 10 }), "ERR_STORE");
    await expectMoatErrorAsync(log.checkpoint("org_s", signer), "ERR_STORE");
    await expectMoatErrorAsync(new Response(log.exportNdjson("org_s")).text(), "ERR_STORE");
  });
});

describe("verify", () => {
  it("verifies ranges, reporting the last verified event", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore({ pageSize: 4 }) });
    const events = await fill(log, "org_r", 12);
    expect(await log.verify({ orgId: "org_r", from: 4, to: 7 })).toEqual({
      ok: true,
      count: 4,
      head: { seq: 7, hash: events[6]!.hash },
    });
    expect(await log.verify({ orgId: "org_r", from: 11 })).toEqual({
      ok: true,
      count: 2,
      head: { seq: 12, hash: events[11]!.hash },
    });
    expect(await log.verify({ orgId: "org_r", from: 20 })).toEqual({ ok: true, count: 0, head: null });
    expect(await log.verify({ orgId: "org_unknown" })).toEqual({
      ok: true,
      count: 0,
      head: { seq: 0, hash: "0".repeat(64) },
    });
  });

  it("only judges the range asked for", async () => {
    const rows = await baseChain("org_range");
    (rows[1]!.actor as Record<string, unknown>).userId = "mallory";
    const log = createAuditLog({ store: arrayStore(rows) });
    expect(await log.verify({ orgId: "org_range", from: 3 })).toMatchObject({ ok: true, count: 8 });
    expect(await log.verify({ orgId: "org_range", to: 1 })).toMatchObject({ ok: true, count: 1 });
    expect(await log.verify({ orgId: "org_range", to: 2 })).toEqual({ ok: false, reason: "modified", seq: 2 });
  });

  it("reports progress per page and stops when aborted", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore({ pageSize: 10 }) });
    await Promise.all(Array.from({ length: 95 }, (_, i) => log.record(input("org_p", i))));
    const seen: number[] = [];
    await log.verify({ orgId: "org_p", onProgress: (p) => seen.push(p.seq) });
    expect(seen).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
    const controller = new AbortController();
    await expectMoatErrorAsync(
      log.verify({
        orgId: "org_p",
        signal: controller.signal,
        onProgress: (p) => {
          if (p.verified >= 30) controller.abort();
        },
      }),
      "ERR_ABORTED",
    );
  });

  it("validates its options", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    for (const bad of [
      ...WRONG_TYPES,
      { orgId: "" },
      { orgId: "o", from: 0 },
      { orgId: "o", from: 5, to: 4 },
      { orgId: "o", to: 1.5 },
      { orgId: "o", checkpoints: "jws" },
      { orgId: "o", onProgress: 1 },
      { orgId: "o", extra: 1 },
    ]) {
      await expectMoatErrorAsync(log.verify(bad as never), "ERR_INVALID_INPUT");
    }
    await expectMoatErrorAsync(log.verify({ orgId: "o", checkpoints: ["a.b.c"] }), "ERR_INVALID_INPUT"); // no key
  });

  it("refuses a checkpoint of another organisation, and a forged one", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore(), checkpointKey: publicKey });
    await fill(log, "org_x", 2);
    await fill(log, "org_y", 2);
    const other = await log.checkpoint("org_y", signer);
    await expectMoatErrorAsync(log.verify({ orgId: "org_x", checkpoints: [other] }), "ERR_INVALID_INPUT");
    const forged = await log.checkpoint("org_x", {
      alg: "EdDSA",
      privateKey: (await generateKeyPair("EdDSA")).privateKey,
    });
    await expectMoatErrorAsync(log.verify({ orgId: "org_x", checkpoints: [forged] }), "ERR_INTEGRITY");
  });

  it("never throws on garbage rows: any content is a result", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.anything(),
            fc.record({ seq: fc.integer(), hash: fc.string(), prevHash: fc.string(), orgId: fc.constant("o") }),
          ),
        ),
        async (rows) => {
          const result = await verifyAuditChain(rows, { orgId: "o" });
          expect(result.ok).toBe(rows.length === 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("verifyAuditChain (offline)", () => {
  it("verifies an NDJSON export, and catches an edited line", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    await fill(log, "org_o", 20);
    const lines = (await new Response(log.exportNdjson("org_o")).text()).trimEnd().split("\n");
    expect(lines).toHaveLength(20);
    const parse = (ls: string[]) => ls.map((l) => JSON.parse(l) as unknown);
    expect(await verifyAuditChain(parse(lines), { orgId: "org_o" })).toMatchObject({ ok: true, count: 20 });
    const edited = [...lines];
    edited[7] = edited[7]!.replace('"key.create"', '"key.read"').replace('"key.revoke"', '"key.read"');
    expect(await verifyAuditChain(parse(edited), { orgId: "org_o" })).toEqual({
      ok: false,
      reason: "modified",
      seq: 8,
    });
    async function* lazily() {
      for (const l of lines) yield JSON.parse(l) as unknown;
    }
    expect(await verifyAuditChain(lazily(), { orgId: "org_o" })).toMatchObject({ ok: true, count: 20 });
  });

  it("rejects bad arguments", async () => {
    for (const bad of WRONG_TYPES.filter((v) => !Array.isArray(v)))
      await expectMoatErrorAsync(verifyAuditChain(bad as never, { orgId: "o" }), "ERR_INVALID_INPUT");
    await expectMoatErrorAsync(verifyAuditChain([], {} as never), "ERR_INVALID_INPUT");
    await expectMoatErrorAsync(verifyAuditChain([], { orgId: "o", anchor: "a.b.c" }), "ERR_INVALID_INPUT");
  });
});

describe("query", () => {
  it("pages through every matching event exactly once, newest or oldest first", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    await fill(log, "org_q", 23);
    for (const order of ["desc", "asc"] as const) {
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await log.query({ orgId: "org_q", limit: 5, order, ...(cursor === undefined ? {} : { cursor }) });
        expect(page.events.length).toBeLessThanOrEqual(5);
        seen.push(...page.events.map((e) => e.seq));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      const all = Array.from({ length: 23 }, (_, i) => i + 1);
      expect(seen).toEqual(order === "asc" ? all : all.reverse());
    }
    const exact = await log.query({ orgId: "org_q", limit: 23 });
    expect(exact.nextCursor).toBeNull();
  });

  it("filters by actor, action, target and time (Date, ms or ISO)", async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const log = createAuditLog({ store: createMemoryAuditStore(), now: clock.now });
    await fill(log, "org_f", 10, clock);
    const seqs = async (q: object) => (await log.query({ orgId: "org_f", limit: 100, ...q })).events.map((e) => e.seq);
    expect(await seqs({ actorId: "user_1" })).toEqual([9, 7, 5, 3, 1]);
    expect(await seqs({ action: "key.revoke" })).toEqual([9, 6, 3]);
    expect(await seqs({ targetId: "key_2" })).toEqual([7, 2]);
    const t = (s: number) => Date.UTC(2026, 0, 1) + s * 1000;
    expect(await seqs({ from: new Date(t(3)), to: t(6) })).toEqual([5, 4, 3]);
    expect(await seqs({ from: new Date(t(8)).toISOString() })).toEqual([10, 9, 8]);
  });

  it("rejects bad filters and cursors", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    await fill(log, "org_c", 3);
    const page = await log.query({ orgId: "org_c", limit: 1 });
    for (const bad of [
      ...WRONG_TYPES,
      { orgId: "org_c" },
      { orgId: "org_c", limit: 0 },
      { orgId: "org_c", limit: 1001 },
      { orgId: "org_c", limit: 1, from: "not a time" },
      { orgId: "org_c", limit: 1, from: Number.NaN },
      { orgId: "org_c", limit: 1, cursor: "garbage!" },
      { orgId: "org_c", limit: 1, cursor: Buffer.from('{"v":1,"o":"desc","s":-1}').toString("base64url") },
      { orgId: "org_c", limit: 1, cursor: page.nextCursor, order: "asc" },
      { orgId: "org_c", limit: 1, order: "sideways" },
    ]) {
      await expectMoatErrorAsync(log.query(bad as never), "ERR_INVALID_INPUT");
    }
  });
});

describe("exportNdjson", () => {
  it("streams one canonical JSON event per line, oldest first, within a range", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore({ pageSize: 3 }) });
    const events = await fill(log, "org_e", 8);
    const text = await new Response(log.exportNdjson("org_e", { fromSeq: 2, toSeq: 6 })).text();
    const lines = text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((l) => (JSON.parse(l) as StoredAuditEvent).seq)).toEqual([2, 3, 4, 5, 6]);
    expect(JSON.parse(lines[0]!)).toEqual(JSON.parse(JSON.stringify(events[1])));
    expect(lines[0]!.startsWith('{"action":')).toBe(true);
    expect(await new Response(log.exportNdjson("org_none")).text()).toBe("");
  });

  it("can be cancelled part-way", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore({ pageSize: 2 }) });
    await fill(log, "org_k", 10);
    const reader = log.exportNdjson("org_k").getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
  });

  it("rejects a bad org id at once", () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    for (const bad of WRONG_TYPES) expectMoatError(() => log.exportNdjson(bad as never), "ERR_INVALID_INPUT");
    expectMoatError(() => log.exportNdjson("o", { fromSeq: 0 }), "ERR_INVALID_INPUT");
  });
});

describe("prune", () => {
  it("deletes the prefix older than `before` and leaves a chain that still verifies, checkpoints included", async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const log = createAuditLog({ store: createMemoryAuditStore(), now: clock.now, checkpointKey: publicKey });
    const events = await fill(log, "org_pr", 10, clock);
    const early = await log.checkpoint("org_pr", signer);
    const result = await log.prune({ orgId: "org_pr", before: events[6]!.at, signer, checkpoints: [early] });
    expect(result.pruned).toBe(6);
    expect(result.anchor).toMatchObject({ seq: 6, hash: events[5]!.hash });
    expect(await log.verify({ orgId: "org_pr", checkpoints: [early] })).toEqual({
      ok: true,
      count: 4,
      head: { seq: 10, hash: events[9]!.hash },
    });
    expect((await log.record(input("org_pr", 11))).seq).toBe(11);
    // Pruning again with nothing older does nothing.
    expect(await log.prune({ orgId: "org_pr", before: events[3]!.at, signer })).toEqual({
      pruned: 0,
      anchor: result.anchor,
    });
    // The export after a prune verifies offline from the anchor.
    const lines = (await new Response(log.exportNdjson("org_pr")).text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    expect(
      await verifyAuditChain(lines, { orgId: "org_pr", anchor: result.anchor!.jws, checkpointKey: publicKey }),
    ).toMatchObject({ ok: true, count: 5 });
  });

  it("refuses to prune events that do not verify, deleting nothing", async () => {
    const rows = await baseChain("org_bad");
    (rows[2]!.metadata as Record<string, unknown>).reason = "edited";
    const inner = arrayStore(rows);
    let pruned = false;
    const store: AuditStore = {
      ...inner,
      async queryAuditEvents() {
        return [];
      },
      async pruneAuditEvents() {
        pruned = true;
        return 0;
      },
    };
    const log = createAuditLog({ store, checkpointKey: publicKey });
    const err = await expectMoatErrorAsync(
      log.prune({ orgId: "org_bad", before: Date.now() + 1e9, signer }),
      "ERR_INTEGRITY",
    );
    expect(err.details).toEqual({ reason: "modified", seq: 3 });
    expect(pruned).toBe(false);
  });

  it("needs the log's checkpoint key, and a signer that matches it", async () => {
    const noKey = createAuditLog({ store: createMemoryAuditStore() });
    await fill(noKey, "org_n", 2);
    await expectMoatErrorAsync(noKey.prune({ orgId: "org_n", before: Date.now() + 1e9, signer }), "ERR_INVALID_INPUT");
    const store = createMemoryAuditStore();
    const log = createAuditLog({ store, checkpointKey: publicKey });
    await fill(log, "org_n", 2);
    const stranger = { alg: "EdDSA" as const, privateKey: (await generateKeyPair("EdDSA")).privateKey };
    await expectMoatErrorAsync(log.prune({ orgId: "org_n", before: Date.now() + 1e9, signer: stranger }), "ERR_CONFIG");
    expect(await log.verify({ orgId: "org_n" })).toMatchObject({ ok: true, count: 2 });
    await log.prune({ orgId: "org_n", before: Date.now() + 1e9, signer });
    await expectMoatErrorAsync(createAuditLog({ store }).verify({ orgId: "org_n" }), "ERR_INVALID_INPUT");
    for (const bad of [
      ...WRONG_TYPES,
      { orgId: "org_n", before: "soon", signer },
      { orgId: "org_n", before: 1, signer: {} },
    ]) {
      await expectMoatErrorAsync(log.prune(bad as never), "ERR_INVALID_INPUT");
    }
  });

  it("detects a forged anchor", async () => {
    const store = createMemoryAuditStore();
    const log = createAuditLog({ store, checkpointKey: publicKey });
    await fill(log, "org_fa", 4);
    const stranger = { alg: "EdDSA" as const, privateKey: (await generateKeyPair("EdDSA")).privateKey };
    const forger = createAuditLog({ store, checkpointKey: publicKey });
    await expectMoatErrorAsync(
      forger.prune({ orgId: "org_fa", before: Date.now() + 1e9, signer: stranger }),
      "ERR_CONFIG",
    );
    const head = await store.getAuditChainHead("org_fa");
    await store.pruneAuditEvents("org_fa", {
      seq: head.seq,
      hash: head.hash,
      jws: await createAuditLog({ store: createMemoryAuditStore() }).checkpoint("org_fa", stranger),
    });
    expect(await log.verify({ orgId: "org_fa" })).toMatchObject({ ok: false, reason: "anchor_invalid", seq: 4 });
  });
});
