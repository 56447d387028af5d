import assert from "node:assert/strict";
import { EMPTY_CHAIN_HEAD, GENESIS_HASH, auditEventSchema, sealAuditEvent } from "../../audit/event.js";
import { createAuditLog } from "../../audit/log.js";
import { AUDIT_STORE_METHODS, type AuditSeal, type AuditStore } from "../../audit/store.js";
import { verifyAuditChain } from "../../audit/verify.js";
import { isMoatError } from "../../errors.js";
import { type ConformanceCase, type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { appendN, collect, eventFor, freshOrg, plain, sealAll } from "./audit-fixtures.js";

const cases: ConformanceCase<AuditStore>[] = [
  {
    name: "starts every organisation at seq 0 with the genesis hash and no anchor",
    async run(store) {
      const orgId = freshOrg("empty");
      assert.deepEqual(
        await store.getAuditChainHead(orgId),
        EMPTY_CHAIN_HEAD,
        "an organisation without events must have head seq 0 with the genesis hash",
      );
      assert.equal(await store.getLatestAuditAnchor(orgId), null, "an organisation never pruned must have no anchor");
      assert.deepEqual(await collect(store, orgId), [], "an organisation without events must scan empty");
      assert.deepEqual(
        await store.queryAuditEvents({ orgId, order: "desc", limit: 10 }),
        [],
        "an organisation without events must query empty",
      );
    },
  },
  {
    name: "appends sealed events and returns them exactly as stored",
    async run(store, { clock }) {
      const orgId = freshOrg("append");
      const first = await appendN(store, orgId, clock, 3);
      assert.deepEqual(
        first.map((e) => e.seq),
        [1, 2, 3],
        "the first append must number its events 1, 2, 3",
      );
      assert.equal(first[0]?.prevHash, GENESIS_HASH, "the first event must link to the genesis hash");
      const second = await appendN(store, orgId, clock, 2);
      assert.deepEqual(
        second.map((e) => e.seq),
        [4, 5],
        "a later append must continue the numbering",
      );
      assert.equal(second[0]?.prevHash, first[2]?.hash, "a later append must link to the last event");
      const last = second[1];
      assert.ok(last !== undefined, "appendAuditEvents must return the events it stored");
      assert.deepEqual(
        await store.getAuditChainHead(orgId),
        { seq: 5, hash: last.hash },
        "the head must be the last event's seq and hash",
      );
      const scanned = await collect(store, orgId);
      assert.deepEqual(
        plain(scanned),
        plain([...first, ...second]),
        "scanAuditEvents must return every event exactly as appended, in seq order",
      );
    },
  },
  {
    name: "round-trips awkward JSON (unicode, surrogate pairs, NUL, deep nesting, big numbers) hash-exactly",
    async run(store, { clock }) {
      const orgId = freshOrg("json");
      const event = auditEventSchema.parse({
        ...eventFor(orgId, clock, 1),
        metadata: {
          emoji: "🔐 ünïcödé",
          // Lone surrogates are refused when the event is built (canonical JSON has no form for them).
          astral: "\ud834\udd1e and \ud83d\ude00",
          nul: "a\u0000b",
          quote: '"\\',
          nested: { deep: [[[{ x: [1, 2, { y: null }] }]]] },
          numbers: [0, -1.5, 1e21, 5e-324, Number.MAX_SAFE_INTEGER],
          "key with / and ~": true,
          __proto__key: { ok: true },
        },
      });
      await store.appendAuditEvents(orgId, sealAll([event]));
      const scanned = await collect(store, orgId);
      assert.equal(scanned.length, 1, "the one appended event must scan back");
      assert.deepEqual(
        await verifyAuditChain(scanned, { orgId }),
        {
          ok: true,
          count: 1,
          head: { seq: 1, hash: scanned[0]?.hash },
        },
        "the event as scanned must still hash to its stored hash (the store must not re-encode it)",
      );
      assert.deepEqual(
        scanned[0]?.metadata,
        event.metadata,
        "metadata must round-trip exactly (JSON columns must keep NUL, astral characters and big numbers)",
      );
    },
  },
  {
    name: "refuses sealed events that do not continue the head, storing nothing",
    async run(store, { clock }) {
      const orgId = freshOrg("reject");
      await appendN(store, orgId, clock, 2);
      const skip: AuditSeal = (head) => [
        sealAuditEvent(eventFor(orgId, clock, 9), { seq: head.seq + 1, hash: head.hash }),
      ];
      const wrongLink: AuditSeal = (head) => [
        sealAuditEvent(eventFor(orgId, clock, 9), { seq: head.seq, hash: GENESIS_HASH }),
      ];
      const otherOrg: AuditSeal = (head) => [sealAuditEvent(eventFor(freshOrg("x"), clock, 9), head)];
      for (const seal of [skip, wrongLink, otherOrg, () => []]) {
        await assert.rejects(
          store.appendAuditEvents(orgId, seal),
          (err) => isMoatError(err, "ERR_INVALID_INPUT"),
          "appendAuditEvents must reject events that do not continue the head with ERR_INVALID_INPUT (checkSealed)",
        );
      }
      assert.equal((await collect(store, orgId)).length, 2, "a refused append must store nothing");
      assert.equal((await store.getAuditChainHead(orgId)).seq, 2, "a refused append must not move the head");
    },
  },
  {
    name: "keeps one gapless chain per organisation under 200 concurrent store appends",
    timeoutMs: 120_000,
    // 200 calls queue behind one organisation's lock on purpose.
    operationTimeoutMs: 60_000,
    async run(store, { clock }) {
      const orgId = freshOrg("race");
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.appendAuditEvents(orgId, sealAll([eventFor(orgId, clock, i)]))),
      );
      const seqs = results.map((r) => r[0]?.seq ?? 0).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: 200 }, (_, i) => i + 1),
        "200 concurrent appends must get the seqs 1 to 200, each once",
      );
      const result = await verifyAuditChain(await collect(store, orgId), { orgId });
      assert.equal(result.ok && result.count, 200, "the chain of 200 concurrent appends must verify");
    },
  },
  {
    name: "keeps five organisations' chains gapless and verifying under 500 concurrent log appends each",
    timeoutMs: 300_000,
    // 2500 calls queue behind five organisations' locks on purpose.
    operationTimeoutMs: 120_000,
    async run(store, { clock }) {
      const log = createAuditLog({ store, now: clock.now });
      const orgs = Array.from({ length: 5 }, () => freshOrg("log"));
      const appended = await Promise.all(
        orgs.flatMap((orgId) => Array.from({ length: 500 }, (_, i) => log.append(eventFor(orgId, clock, i)))),
      );
      for (const orgId of orgs) {
        const seqs = appended
          .filter((e) => e.orgId === orgId)
          .map((e) => e.seq)
          .sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: 500 }, (_, i) => i + 1),
          "500 concurrent log appends must get the seqs 1 to 500, each once, per organisation",
        );
        assert.deepEqual(
          await log.verify({ orgId }),
          {
            ok: true,
            count: 500,
            head: await store.getAuditChainHead(orgId),
          },
          "each organisation's chain must verify after the concurrent appends",
        );
      }
    },
  },
  {
    name: "scans in seq order within an inclusive range",
    async run(store, { clock }) {
      const orgId = freshOrg("scan");
      await appendN(store, orgId, clock, 12);
      assert.deepEqual(
        (await collect(store, orgId, { fromSeq: 5, toSeq: 9 })).map((e) => e.seq),
        [5, 6, 7, 8, 9],
        "a scan must return the inclusive range in seq order",
      );
      assert.deepEqual(
        (await collect(store, orgId, { fromSeq: 11 })).map((e) => e.seq),
        [11, 12],
        "a scan from a seq must run to the head",
      );
      assert.deepEqual(
        (await collect(store, orgId, { toSeq: 2 })).map((e) => e.seq),
        [1, 2],
        "a scan to a seq must start at the first event",
      );
      assert.deepEqual(await collect(store, orgId, { fromSeq: 13 }), [], "a range past the head must scan empty");
    },
  },
  {
    name: "queries by actor (or impersonator), action, target and time, in either order, with keyset paging",
    async run(store, { clock }) {
      const orgId = freshOrg("query");
      const start = clock.now();
      const specs = [
        { actorId: "alice", action: "key.create", targetId: "k1" },
        { actorId: "bob", action: "key.create", targetId: "k2" },
        { actorId: "carol", impersonatorId: "alice", action: "key.revoke", targetId: "k1" },
        { actorId: "bob", action: "key.revoke", targetId: "k2" },
        { actorId: "alice", action: "member.invite", targetId: "m1" },
      ];
      const events = specs.map((spec, i) => {
        clock.advance(60_000);
        return eventFor(orgId, clock, i, spec);
      });
      await store.appendAuditEvents(orgId, sealAll(events));
      const seqs = async (q: Partial<Parameters<AuditStore["queryAuditEvents"]>[0]>): Promise<number[]> =>
        (await store.queryAuditEvents({ orgId, order: "desc", limit: 100, ...q })).map((e) => e.seq);
      assert.deepEqual(await seqs({}), [5, 4, 3, 2, 1], "desc must return newest first");
      assert.deepEqual(await seqs({ order: "asc" }), [1, 2, 3, 4, 5], "asc must return oldest first");
      assert.deepEqual(await seqs({ actorId: "alice" }), [5, 3, 1], "actorId must match the actor or the impersonator");
      assert.deepEqual(await seqs({ action: "key.revoke" }), [4, 3], "action must filter exactly");
      assert.deepEqual(await seqs({ targetId: "k2" }), [4, 2], "targetId must filter exactly");
      assert.deepEqual(await seqs({ actorId: "bob", action: "key.create" }), [2], "filters must combine with AND");
      const iso = (ms: number): string => new Date(ms).toISOString();
      assert.deepEqual(
        await seqs({ fromTime: iso(start + 120_000), toTime: iso(start + 240_000) }),
        [3, 2],
        "fromTime is inclusive and toTime exclusive",
      );
      assert.deepEqual(await seqs({ limit: 2 }), [5, 4], "limit must cap the page");
      assert.deepEqual(await seqs({ limit: 2, afterSeq: 4 }), [3, 2], "afterSeq must continue below it when desc");
      assert.deepEqual(
        await seqs({ order: "asc", limit: 2, afterSeq: 2 }),
        [3, 4],
        "afterSeq must continue above it when asc",
      );
      assert.deepEqual(await seqs({ actorId: "nobody" }), [], "an unknown actor matches nothing");
    },
  },
  {
    name: "keeps organisations apart",
    async run(store, { clock }) {
      const a = freshOrg("a");
      const b = freshOrg("b");
      await appendN(store, a, clock, 3);
      await appendN(store, b, clock, 2);
      assert.equal((await store.getAuditChainHead(a)).seq, 3, "each organisation has its own chain head");
      assert.equal((await store.getAuditChainHead(b)).seq, 2, "each organisation has its own chain head");
      for (const other of [a.toUpperCase(), `${a} `]) {
        assert.equal(
          (await store.getAuditChainHead(other)).seq,
          0,
          "organisation ids differing only in case or a trailing space are other organisations",
        );
      }
      assert.ok(
        (await collect(store, b)).every((e) => e.orgId === b),
        "a scan must return only the organisation's events",
      );
      assert.ok(
        (await store.queryAuditEvents({ orgId: b, order: "asc", limit: 10 })).every((e) => e.orgId === b),
        "a query must return only the organisation's events",
      );
    },
  },
  {
    name: "prunes a prefix atomically with its anchor, keeps the head and continues the chain from the anchor",
    async run(store, { clock }) {
      const orgId = freshOrg("prune");
      const events = await appendN(store, orgId, clock, 5);
      const third = events[2];
      const fifth = events[4];
      assert.ok(third !== undefined && fifth !== undefined, "five events were appended");
      assert.equal(
        await store.pruneAuditEvents(orgId, { seq: 3, hash: third.hash, jws: "anchor-3" }),
        3,
        "pruning up to seq 3 must delete and count 3 events",
      );
      assert.deepEqual(
        (await collect(store, orgId)).map((e) => e.seq),
        [4, 5],
        "a prune must delete exactly the events up to its anchor",
      );
      assert.deepEqual(
        await store.getLatestAuditAnchor(orgId),
        { seq: 3, hash: third.hash, jws: "anchor-3" },
        "the prune's anchor must be stored as given",
      );
      assert.deepEqual(
        await store.getAuditChainHead(orgId),
        { seq: 5, hash: fifth.hash },
        "a prune must not move the head",
      );
      assert.equal(
        await store.pruneAuditEvents(orgId, { seq: 5, hash: fifth.hash, jws: "anchor-5" }),
        2,
        "pruning the rest must delete and count 2 events",
      );
      assert.deepEqual(await collect(store, orgId), [], "an organisation without events must scan empty");
      assert.deepEqual(
        await store.getAuditChainHead(orgId),
        { seq: 5, hash: fifth.hash },
        "a prune must not move the head",
      );
      assert.equal(
        (await store.getLatestAuditAnchor(orgId))?.jws,
        "anchor-5",
        "the latest anchor is the one with the highest seq",
      );
      const next = (await appendN(store, orgId, clock, 1))[0];
      assert.ok(next !== undefined, "the append after a full prune must return its event");
      assert.equal(next.seq, 6, "after a full prune the chain must continue from the anchor's seq");
      assert.equal(next.prevHash, fifth.hash, "after a full prune the next event must link to the anchor's hash");
    },
  },
  {
    name: "is not changed by later changes to the caller's objects",
    async run(store, { clock }) {
      const orgId = freshOrg("alias");
      const event = eventFor(orgId, clock, 1);
      // Unfrozen copies, as a store written by someone else might be handed.
      const [stored] = await store.appendAuditEvents(orgId, (head) =>
        sealAll([event])(head).map((e) => structuredClone(e)),
      );
      const snapshot = plain(stored);
      try {
        Reflect.set(stored?.actor ?? {}, "userId", "mallory");
        const diff = stored?.diff?.[0];
        if (diff !== undefined) Reflect.set(diff, "after", "tampered");
      } catch {
        // frozen: the store refused the change, which is one way to pass
      }
      assert.deepEqual(
        plain(await collect(store, orgId)),
        [snapshot],
        "changing a returned event must not change what the store holds",
      );
    },
  },
];

/** The conformance suite of {@link AuditStore} (store name `audit`). */
export const auditStoreSuite: ConformanceSuite = defineConformanceSuite<AuditStore>(
  "audit",
  AUDIT_STORE_METHODS,
  cases,
);
