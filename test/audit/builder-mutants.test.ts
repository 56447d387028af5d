import { describe, expect, it } from "vitest";
import {
  MAX_METADATA_BYTES,
  buildAuditEvent,
  computeAuditDiff,
  createAuditEventBuilder,
} from "../../src/audit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError } from "../helpers/assertions.js";
import { BASE_EVENT, identityRedactor } from "./tamper.js";

describe("createAuditEventBuilder (mutation survivors)", () => {
  it("refuses a redactor that is null, a primitive or a function with a redact property", () => {
    const fnWithRedact = Object.assign(() => "x", { redact: (t: string) => t });
    for (const redactor of [null, 42, "redact", true, fnWithRedact]) {
      const err = expectMoatError(() => createAuditEventBuilder({ redactor } as never), "ERR_CONFIG");
      expect(err.message).toBe('invalid createAuditEventBuilder options at "redactor"');
      expectMoatError(() => buildAuditEvent({ ...BASE_EVENT, redact: { redactor } } as never), "ERR_INVALID_INPUT");
    }
  });

  it("names the builder options in the message of a configuration error", () => {
    const err = expectMoatError(() => createAuditEventBuilder({ now: 5 } as never), "ERR_CONFIG");
    expect(err.message).toBe('invalid createAuditEventBuilder options at "now"');
    const unknown = expectMoatError(() => createAuditEventBuilder({ extra: true } as never), "ERR_CONFIG");
    expect(unknown.message).toMatch(/^createAuditEventBuilder options: unknown option "extra"/);
  });

  it("names the audit event in the message of an input error", () => {
    const err = expectMoatError(() => buildAuditEvent({ ...BASE_EVENT, orgId: "" }), "ERR_INVALID_INPUT");
    expect(err.message).toBe('invalid audit event at "orgId"');
  });

  it("trims whitespace around the user agent and stores a blank one as null", () => {
    const event = buildAuditEvent({ ...BASE_EVENT, request: { userAgent: "  curl/8.0 \t" } });
    expect(event.userAgent).toBe("curl/8.0");
    expect(buildAuditEvent({ ...BASE_EVENT, request: { userAgent: "   " } }).userAgent).toBeNull();
  });

  it("explains metadata that grows past 64 KiB once redacted", () => {
    const builder = createAuditEventBuilder({ redactor: { redact: (t) => t.repeat(3) } });
    const err = expectMoatError(
      () => builder.build({ ...BASE_EVENT, metadata: { note: "x".repeat(30_000) } }),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toBe('invalid audit event at "metadata"');
    expect(err.details?.issues).toEqual([
      { path: ["metadata"], code: "too_big", message: "must be at most 65536 bytes as JSON once redacted" },
    ]);
  });

  it("accepts redacted metadata of exactly 64 KiB", () => {
    const note = "x".repeat(MAX_METADATA_BYTES - JSON.stringify({ note: "" }).length);
    const event = createAuditEventBuilder({ redactor: identityRedactor }).build({ ...BASE_EVENT, metadata: { note } });
    expect(JSON.stringify(event.metadata)).toHaveLength(MAX_METADATA_BYTES);
    expect(event.metadata).toEqual({ note });
  });

  it("adds no extra sensitive key when a per-event redactor comes without keys", () => {
    const event = createAuditEventBuilder({ sensitiveKeys: ["pin"], redactor: identityRedactor }).build({
      ...BASE_EVENT,
      metadata: { "Stryker was here": "v", pin: "1234" },
      redact: { redactor: identityRedactor },
    });
    expect(event.metadata).toEqual({ "Stryker was here": "v", pin: "[REDACTED]" });
  });

  it("computes a diff when only after (creation) or only before (deletion) is given", () => {
    const builder = createAuditEventBuilder({ redactor: identityRedactor });
    expect(builder.build({ ...BASE_EVENT, after: { role: "admin" } }).diff).toEqual([
      { path: "/role", op: "add", after: "admin" },
    ]);
    expect(builder.build({ ...BASE_EVENT, before: { role: "admin" } }).diff).toEqual([
      { path: "/role", op: "remove", before: "admin" },
    ]);
  });

  it("refuses a clock that returns a non-finite time, saying so", () => {
    for (const t of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const err = expectMoatError(() => createAuditEventBuilder({ now: () => t }).build(BASE_EVENT), "ERR_CONFIG");
      expect(err.message).toBe("the audit clock returned a non-finite time");
    }
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    expect(createAuditEventBuilder({ now: clock.now }).build(BASE_EVENT).at).toBe("2026-01-01T00:00:00.000Z");
  });
});

describe("computeAuditDiff messages (mutation survivors)", () => {
  it("names its options and its input in error messages", () => {
    const opts = expectMoatError(() => computeAuditDiff({}, {}, { extra: 1 } as never), "ERR_CONFIG");
    expect(opts.message).toMatch(/^computeAuditDiff options: unknown option "extra"/);
    const bad = expectMoatError(() => computeAuditDiff({}, {}, { sensitiveKeys: "x" } as never), "ERR_CONFIG");
    expect(bad.message).toBe('invalid computeAuditDiff options at "sensitiveKeys"');
    const input = expectMoatError(() => computeAuditDiff({ n: 10n }, {}), "ERR_INVALID_INPUT");
    expect(input.message).toBe('invalid audit diff input at "before.n"');
  });
});
