import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currentTenant, impersonate, runWithTenant } from "../../src/tenant/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

const A = { tenantId: "tenant_a", userId: "user_a" };

describe("runWithTenant / currentTenant", () => {
  it("gives the context to code below it, across awaits", async () => {
    const seen = await runWithTenant(A, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentTenant();
    });
    expect(seen).toEqual(A);
  });

  it("keeps concurrent contexts apart", async () => {
    const run = (tenantId: string) =>
      runWithTenant({ tenantId, userId: "u" }, async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        return currentTenant().tenantId;
      });
    const ids = Array.from({ length: 50 }, (_, i) => `t${String(i)}`);
    expect(await Promise.all(ids.map(run))).toEqual(ids);
  });

  it("throws ERR_NO_TENANT outside a context, and after it ends", async () => {
    expectMoatError(() => currentTenant(), "ERR_NO_TENANT");
    await runWithTenant(A, async () => {});
    expectMoatError(() => currentTenant(), "ERR_NO_TENANT");
  });

  it("lets a nested call replace the context for its own callback only", () => {
    runWithTenant(A, () => {
      expect(runWithTenant({ tenantId: "tenant_b", userId: "u" }, () => currentTenant().tenantId)).toBe("tenant_b");
      expect(currentTenant().tenantId).toBe("tenant_a");
    });
  });

  it("stores a frozen copy, so changing the caller's object changes nothing", () => {
    const ctx = { tenantId: "tenant_a", userId: "user_a" };
    runWithTenant(ctx, () => {
      ctx.tenantId = "tenant_b";
      expect(currentTenant().tenantId).toBe("tenant_a");
      expect(Object.isFrozen(currentTenant())).toBe(true);
    });
  });

  it("accepts quotes, semicolons and comment markers in ids (they are only ever bound)", () => {
    const ctx = { tenantId: "a'; DROP TABLE t; --", userId: "*/ u /*", role: "admin", impersonatorId: 'x"y' };
    expect(runWithTenant(ctx, () => currentTenant())).toEqual(ctx);
  });

  it("rejects malformed contexts with ERR_INVALID_INPUT, naming the path but never the value", () => {
    const bad = [
      ...WRONG_TYPES,
      { tenantId: "a" },
      { userId: "u" },
      { tenantId: "", userId: "u" },
      { tenantId: "a", userId: "" },
      { tenantId: "a".repeat(257), userId: "u" },
      { tenantId: "a\u0000", userId: "u" },
      { tenantId: "a\nb", userId: "u" },
      { tenantId: "a", userId: "u", role: 1 },
      { tenantId: "a", userId: "u", impersonatorId: "" },
      { tenantId: "a", userId: "u", tenantID: "b" },
    ];
    for (const ctx of bad) {
      const err = expectMoatError(() => runWithTenant(ctx as never, () => 1), "ERR_INVALID_INPUT");
      expect(err.message).not.toContain("a\nb");
    }
    expectMoatError(() => runWithTenant(A, "not a function" as never), "ERR_INVALID_INPUT");
  });

  it("never throws anything but ERR_INVALID_INPUT on garbage", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          runWithTenant(value as never, () => 1);
        } catch (err) {
          expect(err).toMatchObject({ name: "MoatError", code: "ERR_INVALID_INPUT" });
        }
      }),
    );
  });
});

describe("impersonate", () => {
  it("returns a context carrying the target's ids and the impersonator's", () => {
    const ctx = impersonate({ impersonator: "staff_1", target: { ...A, role: "member" } });
    expect(ctx).toEqual({ ...A, role: "member", impersonatorId: "staff_1" });
    expect(Object.isFrozen(ctx)).toBe(true);
    expect(runWithTenant(ctx, () => currentTenant())).toEqual(ctx);
  });

  it("refuses self-impersonation, nesting and malformed input", () => {
    expectMoatError(() => impersonate({ impersonator: "user_a", target: A }), "ERR_INVALID_INPUT");
    const nested = { impersonator: "staff_2", target: { ...A, impersonatorId: "staff_1" } };
    expectMoatError(() => impersonate(nested), "ERR_INVALID_INPUT");
    for (const input of [
      ...WRONG_TYPES,
      { impersonator: "s" },
      { target: A },
      { impersonator: "", target: A },
      { impersonator: "s", target: { tenantId: "a" } },
      { impersonator: "s\u0007", target: A },
      { impersonator: "s", target: A, reason: "x" },
    ]) {
      expectMoatError(() => impersonate(input as never), "ERR_INVALID_INPUT");
    }
  });
});
