/**
 * Appends to the store in batches: appends made for one organisation while a write is in
 * flight (or in the same tick) wait and go in together, so a busy organisation costs one store
 * call per batch rather than one per event, and the chain is never raced by this process.
 */
import { MoatError } from "../errors.js";
import { type AuditEvent, type StoredAuditEvent, sealAuditEvent } from "./event.js";
import { checkHead } from "./log-context.js";
import type { AuditStore } from "./store.js";

/** Events appended together for one org are written in batches of at most this many. */
const MAX_BATCH = 64;

interface PendingAppend {
  readonly event: AuditEvent;
  readonly resolve: (event: StoredAuditEvent) => void;
  readonly reject: (err: unknown) => void;
}

/** Writes one batch and settles each of its appends. */
async function writeBatch(store: AuditStore, orgId: string, batch: readonly PendingAppend[]): Promise<void> {
  try {
    const stored = await store.appendAuditEvents(orgId, (head) => {
      let previous = checkHead(head);
      return batch.map((p) => {
        const sealed = sealAuditEvent(p.event, previous);
        previous = sealed;
        return sealed;
      });
    });
    if (stored.length !== batch.length)
      throw new MoatError("ERR_STORE", { message: "audit store stored a different number of events" });
    batch.forEach((p, i) => {
      const event = stored[i];
      if (event === undefined) p.reject(new MoatError("ERR_STORE", { message: "audit store lost an event" }));
      else p.resolve(event);
    });
  } catch (err) {
    for (const p of batch) p.reject(err);
  }
}

/**
 * A function that appends one validated event to its organisation's chain through `store`
 * and resolves with it as stored.
 */
export function createAppendQueue(store: AuditStore): (event: AuditEvent) => Promise<StoredAuditEvent> {
  const queues = new Map<string, PendingAppend[]>();

  async function drain(orgId: string, queue: PendingAppend[]): Promise<void> {
    while (queue.length > 0) await writeBatch(store, orgId, queue.splice(0, MAX_BATCH));
    queues.delete(orgId);
  }

  return (event) =>
    new Promise<StoredAuditEvent>((resolve, reject) => {
      const queue = queues.get(event.orgId);
      if (queue !== undefined) {
        queue.push({ event, resolve, reject });
        return;
      }
      const fresh: PendingAppend[] = [{ event, resolve, reject }];
      queues.set(event.orgId, fresh);
      // Start on the next microtask, so appends made in the same tick share the first batch.
      queueMicrotask(() => void drain(event.orgId, fresh));
    });
}
