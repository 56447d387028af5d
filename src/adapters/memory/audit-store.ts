import { z } from "zod";
import { parseOptions } from "../../_internal/options.js";
import { deepFreeze } from "../../_internal/deep-freeze.js";
import { settled } from "./settled.js";
import { type AuditChainHead, EMPTY_CHAIN_HEAD, type StoredAuditEvent } from "../../audit/event.js";
import {
  type AuditAnchor,
  type AuditScanOptions,
  type AuditStore,
  type AuditStoreQuery,
  checkSealed,
} from "../../audit/store.js";

/** Options for {@link createMemoryAuditStore}. */
export interface MemoryAuditStoreOptions {
  /** Events per page when scanning; default 1000. */
  readonly pageSize?: number;
}

interface OrgChain {
  /** Events after the latest anchor, in seq order: `events[i].seq === first + i`. */
  readonly events: StoredAuditEvent[];
  readonly anchors: AuditAnchor[];
}

const optionsSchema = z.strictObject({ pageSize: z.int().min(1).max(100_000).optional() });

function matches(event: StoredAuditEvent, q: AuditStoreQuery): boolean {
  if (q.actorId !== undefined && event.actor.userId !== q.actorId && event.actor.impersonatorId !== q.actorId)
    return false;
  if (q.action !== undefined && event.action !== q.action) return false;
  if (q.targetId !== undefined && event.target.id !== q.targetId) return false;
  // ISO 8601 UTC strings of one format compare like the times they name.
  if (q.fromTime !== undefined && event.at < q.fromTime) return false;
  if (q.toTime !== undefined && event.at >= q.toTime) return false;
  return true;
}

/** One page of `events` (one organisation's, in seq order) matching `q`, walked in `q.order` from `q.afterSeq`. */
function queryEvents(events: readonly StoredAuditEvent[], q: AuditStoreQuery): StoredAuditEvent[] {
  const first = events[0]?.seq ?? 1;
  const out: StoredAuditEvent[] = [];
  if (q.order === "asc") {
    for (
      let i = q.afterSeq === undefined ? 0 : Math.max(0, q.afterSeq + 1 - first);
      i < events.length && out.length < q.limit;
      i++
    ) {
      const event = events[i];
      if (event !== undefined && matches(event, q)) out.push(event);
    }
  } else {
    const start = q.afterSeq === undefined ? events.length - 1 : Math.min(events.length - 1, q.afterSeq - 1 - first);
    for (let i = start; i >= 0 && out.length < q.limit; i--) {
      const event = events[i];
      if (event !== undefined && matches(event, q)) out.push(event);
    }
  }
  return out;
}

/**
 * An in-memory audit store, for tests, demos and single-process tools. Appends are atomic
 * because each runs synchronously once it has the chain; stored events are frozen, so nothing
 * handed out can change what is kept.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createAuditLog } from "moatkit/audit";
 * import { createMemoryAuditStore } from "moatkit/adapters/memory";
 * const log = createAuditLog({ store: createMemoryAuditStore() });
 * ```
 */
export function createMemoryAuditStore(options: MemoryAuditStoreOptions = {}): AuditStore {
  const opts = parseOptions(optionsSchema, options, "createMemoryAuditStore options");
  const pageSize = opts.pageSize ?? 1000;
  const chains = new Map<string, OrgChain>();

  const chainOf = (orgId: string): OrgChain => {
    let chain = chains.get(orgId);
    if (chain === undefined) {
      chain = { events: [], anchors: [] };
      chains.set(orgId, chain);
    }
    return chain;
  };

  const headOf = (chain: OrgChain | undefined): AuditChainHead => {
    if (chain === undefined) return EMPTY_CHAIN_HEAD;
    const last = chain.events[chain.events.length - 1] ?? chain.anchors[chain.anchors.length - 1];
    return last === undefined ? EMPTY_CHAIN_HEAD : { seq: last.seq, hash: last.hash };
  };

  return {
    appendAuditEvents(orgId, seal) {
      // Synchronous from reading the head to the push, so no other append can interleave.
      return settled(() => {
        const chain = chainOf(orgId);
        const head = headOf(chain);
        const events = seal(head);
        checkSealed(orgId, head, events);
        for (const event of events) chain.events.push(deepFreeze(event));
        return events;
      });
    },

    getAuditChainHead(orgId) {
      return settled(() => headOf(chains.get(orgId)));
    },

    async *scanAuditEvents(orgId: string, range: AuditScanOptions = {}) {
      const chain = chains.get(orgId);
      if (chain === undefined) return;
      const firstSeq = () => chain.events[0]?.seq ?? Number.POSITIVE_INFINITY;
      let index = Math.max(0, (range.fromSeq ?? 1) - firstSeq());
      for (;;) {
        await Promise.resolve();
        // Recomputed each page: a prune between pages shifts the array.
        const end = Math.min(chain.events.length, index + pageSize);
        const page = chain.events.slice(index, end).filter((e) => range.toSeq === undefined || e.seq <= range.toSeq);
        if (page.length === 0) return;
        const lastSeq = page[page.length - 1]?.seq ?? 0;
        yield page;
        index = lastSeq + 1 - firstSeq();
        if (range.toSeq !== undefined && lastSeq >= range.toSeq) return;
      }
    },

    queryAuditEvents(q) {
      return settled(() => queryEvents(chains.get(q.orgId)?.events ?? [], q));
    },

    getLatestAuditAnchor(orgId) {
      return settled(() => {
        const anchors = chains.get(orgId)?.anchors ?? [];
        return anchors[anchors.length - 1] ?? null;
      });
    },

    pruneAuditEvents(orgId, anchor) {
      return settled(() => {
        const chain = chainOf(orgId);
        const latest = chain.anchors[chain.anchors.length - 1];
        if (latest === undefined || anchor.seq > latest.seq)
          chain.anchors.push(Object.freeze({ seq: anchor.seq, hash: anchor.hash, jws: anchor.jws }));
        const cut = chain.events.findIndex((e) => e.seq > anchor.seq);
        const removed = cut === -1 ? chain.events.length : cut;
        chain.events.splice(0, removed);
        return removed;
      });
    },
  };
}
