import { MoatError } from "../errors.js";
import type { AuditChainHead, StoredAuditEvent } from "./event.js";

/**
 * Seals events onto a chain head: given the organisation's current head, returns the next
 * events (seq `head.seq + 1`, `head.seq + 2` …), each linked to the one before. It is pure, so a
 * store may call it again with a newer head when another writer got there first.
 */
export type AuditSeal = (head: AuditChainHead) => readonly StoredAuditEvent[];

/** A signed anchor left by a prune: the last pruned event's seq and hash, and the JWS over them. */
export interface AuditAnchor {
  /** The last pruned sequence number. */
  readonly seq: number;
  /** Its hash. */
  readonly hash: string;
  /**
   * The anchor JWS (`typ` `moatkit-audit-anchor`, docs/format.md); verifiers trust only this, not
   * `seq` and `hash`. A checkpoint stored here is refused.
   */
  readonly jws: string;
}

/** A range of an organisation's chain, by the store's sequence numbers (inclusive). */
export interface AuditScanOptions {
  /** First seq to return; default: the first stored. */
  readonly fromSeq?: number | undefined;
  /** Last seq to return; default: the last stored. */
  readonly toSeq?: number | undefined;
}

/** A page request for {@link AuditStore.queryAuditEvents}. */
export interface AuditStoreQuery {
  /** The organisation. */
  readonly orgId: string;
  /** Only events whose `actor.userId` or `actor.impersonatorId` is this. */
  readonly actorId?: string;
  /** Only events with this action. */
  readonly action?: string;
  /** Only events whose `target.id` is this. */
  readonly targetId?: string;
  /** Only events at or after this time (ISO 8601 UTC, as events store it). */
  readonly fromTime?: string;
  /** Only events strictly before this time. */
  readonly toTime?: string;
  /** `desc`: newest first; `asc`: oldest first. */
  readonly order: "asc" | "desc";
  /** Continue after this seq (exclusive; below it when `desc`). */
  readonly afterSeq?: number;
  /** At most this many events. */
  readonly limit: number;
}

/**
 * Where audit events live. Implement it to keep the log in your own database; the conformance
 * suite in `moatkit/testing` (store name `audit`) checks an implementation behaves like
 * moatkit's memory and Postgres stores.
 *
 * A store is trusted to write, never to judge: the log's verifier recomputes every hash from
 * what the store returns. A store must therefore return events exactly as they were stored,
 * without repairing, re-sorting by its own judgement, or dropping anything.
 */
export interface AuditStore {
  /**
   * Appends to one organisation's chain: calls `seal(head)` with the current head and stores
   * the returned events atomically, all or none, provided no other event was appended since
   * that head was read; otherwise it calls `seal` again with the new head. Of any number of
   * concurrent appends, each event gets its own seq and the chain stays gapless. Returns the
   * events stored.
   *
   * @throws MoatError ERR_INVALID_INPUT when `seal` returns events that do not continue the head.
   */
  appendAuditEvents(orgId: string, seal: AuditSeal): Promise<readonly StoredAuditEvent[]>;

  /** The organisation's head: its last event, else the latest anchor, else seq 0. */
  getAuditChainHead(orgId: string): Promise<AuditChainHead>;

  /**
   * The organisation's events in ascending stored seq order, in pages, within the range. A row
   * that cannot be decoded at all makes the iteration throw MoatError ERR_INTEGRITY with the
   * row's seq in `details.seq`.
   */
  scanAuditEvents(orgId: string, options?: AuditScanOptions): AsyncIterable<readonly StoredAuditEvent[]>;

  /** One page of events matching the filters, in the given order. */
  queryAuditEvents(query: AuditStoreQuery): Promise<readonly StoredAuditEvent[]>;

  /** The anchor of the latest prune (highest seq), or `null` if the chain was never pruned. */
  getLatestAuditAnchor(orgId: string): Promise<AuditAnchor | null>;

  /**
   * Records `anchor` and deletes the organisation's events with seq ≤ `anchor.seq`, atomically.
   * Returns how many events were deleted.
   */
  pruneAuditEvents(orgId: string, anchor: AuditAnchor): Promise<number>;

  /**
   * For stores that copy members of each event into columns of their own that
   * `queryAuditEvents` filters on (organisation, seq, id, time, actor, action, target), as the
   * Postgres store does: given an event this store's `scanAuditEvents` returned, the name of the
   * first such column whose stored value disagrees with the event, else `null`. Verification
   * reports it as `column_mismatch`: an edited column hides an intact event from queries.
   * Stores that filter on the events themselves (the memory store) leave it out.
   */
  checkAuditEventColumns?(event: StoredAuditEvent): string | null;
}

/** The methods every {@link AuditStore} has (checked at construction and by the suite). */
export const AUDIT_STORE_METHODS: readonly (keyof AuditStore)[] = [
  "appendAuditEvents",
  "getAuditChainHead",
  "scanAuditEvents",
  "queryAuditEvents",
  "getLatestAuditAnchor",
  "pruneAuditEvents",
];

/**
 * Checks what a seal returned against the head it was given: at least one event, this
 * organisation's, with consecutive seqs from `head.seq + 1`, each linked to the one before.
 * Part of the store contract: `appendAuditEvents` calls it with the head it read (under the
 * organisation's lock) before writing anything, so a seal that does not continue the chain
 * fails as ERR_INVALID_INPUT in every store.
 *
 * @throws MoatError ERR_INVALID_INPUT for an empty or discontinuous list.
 * @example
 * ```ts
 * import { checkSealed } from "moatkit/stores";
 * const head = await readHeadForUpdate(tx, orgId);
 * const events = seal(head);
 * checkSealed(orgId, head, events);
 * await insertEvents(tx, events);
 * ```
 */
export function checkSealed(orgId: string, head: AuditChainHead, events: readonly StoredAuditEvent[]): void {
  let prev = head;
  for (const event of events) {
    if (event.orgId !== orgId || event.seq !== prev.seq + 1 || event.prevHash !== prev.hash) {
      throw new MoatError("ERR_INVALID_INPUT", { message: "sealed audit events must continue the chain head" });
    }
    prev = event;
  }
  if (events.length === 0)
    throw new MoatError("ERR_INVALID_INPUT", { message: "sealed audit events must not be empty" });
}
