/** Organisations, events and seals shared by the audit store cases. */
import { createAuditEventBuilder } from "../../audit/builder.js";
import { type AuditChainHead, type AuditEvent, type StoredAuditEvent, sealAuditEvent } from "../../audit/event.js";
import type { AuditSeal, AuditStore } from "../../audit/store.js";
import type { FakeClock } from "../fake-clock.js";

let orgCounter = 0;

/** A fresh organisation id per case, so stores shared between cases never mix chains. */
export function freshOrg(label: string): string {
  orgCounter++;
  return `conf_${label}_${String(Date.now())}_${String(orgCounter)}_${Math.random().toString(36).slice(2, 8)}`;
}

export function eventFor(
  orgId: string,
  clock: FakeClock,
  i: number,
  extra: Partial<Record<"actorId" | "impersonatorId" | "action" | "targetId", string>> = {},
): AuditEvent {
  const builder = createAuditEventBuilder({ now: clock.now });
  return builder.build({
    orgId,
    actor: {
      userId: extra.actorId ?? `user_${String(i % 3)}`,
      ...(extra.impersonatorId === undefined ? {} : { impersonatorId: extra.impersonatorId }),
    },
    action: extra.action ?? "thing.update",
    target: { type: "thing", id: extra.targetId ?? `thing_${String(i)}` },
    request: { id: `req_${String(i)}`, ip: "203.0.113.7", userAgent: "conformance" },
    before: { n: i - 1 },
    after: { n: i },
  });
}

/** A seal that chains `events` onto whatever head the store gives it. */
export function sealAll(events: readonly AuditEvent[]): AuditSeal {
  return (head) => {
    let previous: AuditChainHead = head;
    return events.map((e) => {
      const sealed = sealAuditEvent(e, previous);
      previous = sealed;
      return sealed;
    });
  };
}

export async function collect(
  store: AuditStore,
  orgId: string,
  range?: { fromSeq?: number; toSeq?: number },
): Promise<StoredAuditEvent[]> {
  const out: StoredAuditEvent[] = [];
  for await (const page of store.scanAuditEvents(orgId, range)) out.push(...page);
  return out;
}

export async function appendN(
  store: AuditStore,
  orgId: string,
  clock: FakeClock,
  n: number,
): Promise<StoredAuditEvent[]> {
  const events = Array.from({ length: n }, (_, i) => {
    clock.advance(1000);
    return eventFor(orgId, clock, i + 1);
  });
  return [...(await store.appendAuditEvents(orgId, sealAll(events)))];
}

export const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
