import { describe, expect, it } from "vitest";
import { checkSealed } from "../../src/audit/store.js";
import type { StoredAuditEvent } from "../../src/audit/index.js";
import { expectMoatError } from "../helpers/assertions.js";

const head = { seq: 2, hash: "a".repeat(64) };
const event = (seq: number, prevHash: string, hash: string) =>
  ({ orgId: "org_s", seq, prevHash, hash }) as unknown as StoredAuditEvent;

describe("checkSealed", () => {
  it("accepts events that continue the head", () => {
    expect(() => {
      checkSealed("org_s", head, [event(3, head.hash, "c".repeat(64)), event(4, "c".repeat(64), "d".repeat(64))]);
    }).not.toThrow();
  });

  it("refuses events that do not continue the head, saying so", () => {
    for (const events of [
      [event(4, head.hash, "c".repeat(64))],
      [event(3, "f".repeat(64), "c".repeat(64))],
      [{ ...event(3, head.hash, "c".repeat(64)), orgId: "org_other" }],
    ]) {
      const err = expectMoatError(() => {
        checkSealed("org_s", head, events);
      }, "ERR_INVALID_INPUT");
      expect(err.message).toBe("sealed audit events must continue the chain head");
    }
  });

  it("refuses an empty list, saying so", () => {
    const err = expectMoatError(() => {
      checkSealed("org_s", head, []);
    }, "ERR_INVALID_INPUT");
    expect(err.message).toBe("sealed audit events must not be empty");
  });
});
