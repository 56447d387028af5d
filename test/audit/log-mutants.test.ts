import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { type AuditEvent, createAuditLog } from "../../src/audit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const input = { orgId: "org_l", actor: { userId: "u_1" }, action: "key.create", target: { type: "k", id: "k" } };

describe("createAuditLog", () => {
  it("names its options when they are invalid", () => {
    const err = expectMoatError(() => createAuditLog({} as never), "ERR_CONFIG");
    expect(err.message).toBe('invalid createAuditLog options at "store"');
  });

  it("makes event ids with the given random source", async () => {
    const clock = fakeClock();
    const log = createAuditLog({ store: createMemoryAuditStore(), now: clock.now, random: (n) => new Uint8Array(n) });
    const event = await log.record(input);
    expect(event.id).toMatch(/-7000-8000-000000000000$/);
  });

  it("redacts the given sensitive keys", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore(), sensitiveKeys: ["colour"] });
    const event = await log.record({ ...input, metadata: { colour: "red" } });
    expect(event.metadata).toStrictEqual({ colour: "[REDACTED]" });
  });

  it("names the audit event when append is given an invalid one", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const err = await expectMoatErrorAsync(log.append({} as AuditEvent), "ERR_INVALID_INPUT");
    expect(err.message).toMatch(/^invalid audit event at "/);
  });
});
