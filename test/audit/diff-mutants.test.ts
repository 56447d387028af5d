import { describe, expect, it } from "vitest";
import { computeAuditDiff } from "../../src/audit/index.js";

// The values under a sensitive key are compared whole (equalJson), so these tests put arrays and
// objects under `password` to reach every branch of that comparison.
describe("computeAuditDiff (mutation survivors)", () => {
  it("reports nothing for equal arrays under a sensitive key", () => {
    expect(computeAuditDiff({ password: [1, "a", null] }, { password: [1, "a", null] })).toEqual([]);
    expect(computeAuditDiff({ password: [[0], { k: false }] }, { password: [[0], { k: false }] })).toEqual([]);
    expect(computeAuditDiff({ password: [] }, { password: [] })).toEqual([]);
  });

  it("reports a changed array under a sensitive key, without saying where", () => {
    const changed = [{ path: "/password", op: "change", before: "[REDACTED]", after: "[REDACTED]" }];
    // Longer or shorter: a common prefix is not equality.
    expect(computeAuditDiff({ password: [1, 2] }, { password: [1, 2, 3] })).toEqual(changed);
    expect(computeAuditDiff({ password: [1, 2, 3] }, { password: [1, 2] })).toEqual(changed);
    // Same length, one element differs (also the last one).
    expect(computeAuditDiff({ password: [1, 2] }, { password: [1, 3] })).toEqual(changed);
    expect(computeAuditDiff({ password: [0, 2] }, { password: [1, 2] })).toEqual(changed);
    // An element compared with a missing one is not equal to null.
    expect(computeAuditDiff({ password: [null] }, { password: [0] })).toEqual(changed);
  });

  it("tells an array from a string or object with the same contents under a sensitive key", () => {
    const changed = [{ path: "/password", op: "change", before: "[REDACTED]", after: "[REDACTED]" }];
    expect(computeAuditDiff({ password: ["x"] }, { password: "x" })).toEqual(changed);
    expect(computeAuditDiff({ password: "x" }, { password: ["x"] })).toEqual(changed);
    expect(computeAuditDiff({ password: ["x"] }, { password: { 0: "x" } })).toEqual(changed);
    expect(computeAuditDiff({ password: [] }, { password: {} })).toEqual(changed);
  });

  it("tells an empty object from a number and objects with different key counts apart", () => {
    expect(computeAuditDiff({ v: {} }, { v: 0 })).toEqual([{ path: "/v", op: "change", before: {}, after: 0 }]);
    expect(computeAuditDiff({ v: 5 }, { v: {} })).toEqual([{ path: "/v", op: "change", before: 5, after: {} }]);
    const changed = [{ path: "/password", op: "change", before: "[REDACTED]", after: "[REDACTED]" }];
    expect(computeAuditDiff({ password: {} }, { password: 5 })).toEqual(changed);
    expect(computeAuditDiff({ password: { a: 1 } }, { password: { a: 1, b: 2 } })).toEqual(changed);
    expect(computeAuditDiff({ password: { a: 1, b: 2 } }, { password: { a: 1 } })).toEqual(changed);
    expect(computeAuditDiff({ password: { a: 1, b: [2] } }, { password: { b: [2], a: 1 } })).toEqual([]);
  });

  it("returns no entry when both sides are absent", () => {
    expect(computeAuditDiff(undefined, undefined)).toEqual([]);
  });
});
