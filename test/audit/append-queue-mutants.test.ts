import { describe, expect, it } from "vitest";
import { type AuditStore, type StoredAuditEvent, buildAuditEvent } from "../../src/audit/index.js";
import { createAppendQueue } from "../../src/audit/append-queue.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const event = () =>
  buildAuditEvent({ orgId: "org_q", actor: { userId: "u_1" }, action: "key.create", target: { type: "key", id: "k" } });

/** A store whose append seals the batch, then answers with `answer(sealed)`. */
function storeAnswering(answer: (sealed: readonly StoredAuditEvent[]) => readonly unknown[]): AuditStore {
  return {
    appendAuditEvents: async (_orgId, seal) =>
      answer(seal({ seq: 0, hash: "0".repeat(64) })) as readonly StoredAuditEvent[],
  } as AuditStore;
}

describe("createAppendQueue", () => {
  it("refuses a store that stores fewer or more events than it was given", async () => {
    for (const answer of [() => [], (sealed: readonly StoredAuditEvent[]) => [...sealed, ...sealed]]) {
      const append = createAppendQueue(storeAnswering(answer));
      const err = await expectMoatErrorAsync(append(event()), "ERR_STORE");
      expect(err.message).toBe("audit store stored a different number of events");
    }
  });

  it("refuses a store that answers with a missing event", async () => {
    const append = createAppendQueue(storeAnswering(() => [undefined]));
    const err = await expectMoatErrorAsync(append(event()), "ERR_STORE");
    expect(err.message).toBe("audit store lost an event");
  });
});
