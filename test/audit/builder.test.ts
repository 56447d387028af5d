import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import {
  type AuditEventInput,
  DEFAULT_SENSITIVE_KEY_SUBSTRINGS,
  buildAuditEvent,
  createAuditEventBuilder,
  createAuditLog,
} from "../../src/audit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { BASE_EVENT, PLANTED, SECRET_VALUES, eventWithSecrets, piiRedactor } from "./tamper.js";

describe("buildAuditEvent", () => {
  it("builds an event with id, time, request fields and a redacted diff", () => {
    const clock = fakeClock(Date.UTC(2026, 2, 1, 12));
    const event = createAuditEventBuilder({ now: clock.now }).build({
      ...BASE_EVENT,
      actor: { userId: "user_1", impersonatorId: "staff_7" },
      request: { id: "req_1", ip: "::ffff:203.0.113.7", userAgent: "Mozilla/5.0\u0000 (X11)" },
      before: { role: "member", password: "a" },
      after: { role: "admin", password: "b" },
      metadata: { reason: "promotion", sessionId: "sess_123" },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event).toEqual({
      id: event.id,
      at: "2026-03-01T12:00:00.000Z",
      orgId: "org_1",
      actor: { userId: "user_1", impersonatorId: "staff_7" },
      action: "member.role_change",
      target: { type: "member", id: "mem_9" },
      requestId: "req_1",
      ip: "203.0.113.7",
      userAgent: "Mozilla/5.0 (X11)",
      diff: [
        { path: "/password", op: "change", before: "[REDACTED]", after: "[REDACTED]" },
        { path: "/role", op: "change", before: "member", after: "admin" },
      ],
      metadata: { reason: "promotion", sessionId: "[REDACTED]" },
    });
  });

  it("fills absent request fields with null and leaves out diff and metadata when not given", () => {
    const event = buildAuditEvent(BASE_EVENT);
    expect(event).toMatchObject({ requestId: null, ip: null, userAgent: null });
    expect("diff" in event || "metadata" in event || "impersonatorId" in event.actor).toBe(false);
    expect(buildAuditEvent({ ...BASE_EVENT, before: { a: 1 }, after: { a: 1 } }).diff).toEqual([]);
  });

  it("gives every event a fresh id", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => buildAuditEvent(BASE_EVENT).id));
    expect(ids.size).toBe(1000);
  });

  it("cuts a long user agent instead of refusing the event", () => {
    const event = buildAuditEvent({ ...BASE_EVENT, request: { userAgent: "x".repeat(10_000) } });
    expect(event.userAgent).toHaveLength(512);
  });

  it.each([
    ["missing org", { ...BASE_EVENT, orgId: undefined }, ["orgId"]],
    ["empty org", { ...BASE_EVENT, orgId: "" }, ["orgId"]],
    ["oversized org", { ...BASE_EVENT, orgId: "o".repeat(257) }, ["orgId"]],
    ["org with a newline", { ...BASE_EVENT, orgId: "org\n1" }, ["orgId"]],
    ["missing actor", { ...BASE_EVENT, actor: undefined }, ["actor"]],
    ["actor without user", { ...BASE_EVENT, actor: {} }, ["actor", "userId"]],
    ["unknown actor key", { ...BASE_EVENT, actor: { userId: "u", name: "x" } }, ["actor"]],
    ["missing action", { ...BASE_EVENT, action: undefined }, ["action"]],
    ["oversized action", { ...BASE_EVENT, action: "a".repeat(129) }, ["action"]],
    ["target without id", { ...BASE_EVENT, target: { type: "x" } }, ["target", "id"]],
    ["bad ip", { ...BASE_EVENT, request: { ip: "10.0.0.256" } }, ["request", "ip"]],
    ["ip that is a hostname", { ...BASE_EVENT, request: { ip: "example.com" } }, ["request", "ip"]],
    ["oversized request id", { ...BASE_EVENT, request: { id: "r".repeat(257) } }, ["request", "id"]],
    ["metadata over 64 KiB", { ...BASE_EVENT, metadata: { blob: "x".repeat(64 * 1024) } }, ["metadata"]],
    ["metadata that is not an object", { ...BASE_EVENT, metadata: "note" }, ["metadata"]],
    ["metadata holding a BigInt", { ...BASE_EVENT, metadata: { n: { m: 10n } } }, ["metadata", "n", "m"]],
    ["a before that is not JSON", { ...BASE_EVENT, before: { f: () => 1 } }, ["before", "f"]],
    ["an after over 128 KiB", { ...BASE_EVENT, after: { blob: "x".repeat(128 * 1024) } }, ["after"]],
    ["a typo in a field name", { ...BASE_EVENT, orgID: "x" }, []],
  ])("rejects %s with ERR_INVALID_INPUT and the zod issues", (_name, input, path) => {
    const err = expectMoatError(() => buildAuditEvent(input as AuditEventInput), "ERR_INVALID_INPUT");
    const issues = err.details?.issues as { path: unknown[]; code: string; message: string }[];
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.map((i) => i.path)).toContainEqual(path);
    // Issues never echo the offending value.
    expect(JSON.stringify(err.details)).not.toContain("xxxxxxxx");
  });

  it("rejects wrong types", () => {
    for (const value of WRONG_TYPES)
      expectMoatError(() => buildAuditEvent(value as AuditEventInput), "ERR_INVALID_INPUT");
  });

  it("rejects metadata that grows past 64 KiB once redacted", () => {
    const builder = createAuditEventBuilder({ redactor: { redact: (t) => t.repeat(3) } });
    const err = expectMoatError(
      () => builder.build({ ...BASE_EVENT, metadata: { note: "x".repeat(30_000) } }),
      "ERR_INVALID_INPUT",
    );
    expect(err.details?.issues).toEqual([expect.objectContaining({ path: ["metadata"], code: "too_big" })]);
  });

  it("validates builder options once, at construction", () => {
    expectMoatError(() => createAuditEventBuilder({ now: 5 } as never), "ERR_CONFIG");
    expectMoatError(() => createAuditEventBuilder({ sensitiveKeys: ["ok_key", "__"] }), "ERR_CONFIG");
    expectMoatError(() => createAuditEventBuilder({ redactor: (t: string) => t } as never), "ERR_CONFIG");
    expectMoatError(() => createAuditEventBuilder({ extra: true } as never), "ERR_CONFIG");
    expectMoatError(() => createAuditEventBuilder({ now: () => Number.NaN }).build(BASE_EVENT), "ERR_CONFIG");
  });

  it("replaces the sensitive key list when given one, and per-event keys add to it", () => {
    const builder = createAuditEventBuilder({ sensitiveKeys: ["pin"] });
    expect(builder.build({ ...BASE_EVENT, metadata: { pin: "1234", password: "shown" } }).metadata).toEqual({
      pin: "[REDACTED]",
      password: "shown",
    });
    const extended = createAuditEventBuilder({ sensitiveKeys: [...DEFAULT_SENSITIVE_KEY_SUBSTRINGS, "pin"] });
    expect(
      extended.build({
        ...BASE_EVENT,
        metadata: { pin: "1", password: "2", dob: "3" },
        redact: { sensitiveKeys: ["dob"] },
      }).metadata,
    ).toEqual({
      pin: "[REDACTED]",
      password: "[REDACTED]",
      dob: "[REDACTED]",
    });
  });
});

describe("PII and secrets never reach the stored event", () => {
  it("redacts them in the diff, the metadata and object keys, as stored and exported", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore(), redactor: piiRedactor });
    await log.record(eventWithSecrets("org_1"));
    const exported = await new Response(log.exportNdjson("org_1")).text();
    for (const value of SECRET_VALUES) expect(exported, value).not.toContain(value);
    for (const marker of ["[EMAIL]", "[SSN]", "[CARD]", "[REDACTED]"]) expect(exported).toContain(marker);
    // Still a valid chain.
    expect(await log.verify({ orgId: "org_1" })).toMatchObject({ ok: true, count: 1 });
  });

  it("masks with the default (key-only) redaction all secrets under sensitive keys", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    await log.record(eventWithSecrets("org_1"));
    const exported = await new Response(log.exportNdjson("org_1")).text();
    for (const value of [
      PLANTED.password,
      PLANTED.token,
      PLANTED.apiKey,
      PLANTED.totp,
      PLANTED.cookie,
      "another-secret-value",
      "tok_other_value",
    ]) {
      expect(exported, value).not.toContain(value);
    }
  });

  it("strips PII from free text by default, with moatkit/redact's detectors", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const pii = ["alice.smith@example.com", "536-22-1842", "+1 415 555 0132", "4111 1111 1111 1111"];
    await log.record({
      ...BASE_EVENT,
      orgId: "org_pii",
      before: { note: "call me" },
      after: { note: `mail ${pii[0] ?? ""}, ssn ${pii[1] ?? ""}, phone ${pii[2] ?? ""}` },
      metadata: { comment: `card ${pii[3] ?? ""} on file` },
    });
    const exported = await new Response(log.exportNdjson("org_pii")).text();
    for (const value of pii) expect(exported, value).not.toContain(value);
    for (const label of ["[EMAIL]", "[SSN]", "[PHONE]", "[CREDIT_CARD]"]) expect(exported).toContain(label);
    expect(await log.verify({ orgId: "org_pii" })).toMatchObject({ ok: true, count: 1 });
  });

  it("keeps free text as is with an identity redactor (key-based redaction still applies)", () => {
    const event = createAuditEventBuilder({ redactor: { redact: (t) => t } }).build({
      ...BASE_EVENT,
      metadata: { note: PLANTED.email, password: PLANTED.password },
    });
    expect(event.metadata).toEqual({ note: PLANTED.email, password: "[REDACTED]" });
  });

  it("uses a per-event redactor instead of the builder's", () => {
    const event = createAuditEventBuilder({ redactor: piiRedactor }).build({
      ...BASE_EVENT,
      metadata: { note: PLANTED.email },
      redact: { redactor: { redact: (t) => (t.includes("@") ? "[GONE]" : t) } },
    });
    expect(event.metadata).toEqual({ note: "[GONE]" });
  });

  it("keeps both values when masking makes two keys equal", () => {
    const event = createAuditEventBuilder({ redactor: piiRedactor }).build({
      ...BASE_EVENT,
      metadata: { "a@example.com": 1, "b@example.com": 2 },
    });
    expect(event.metadata).toEqual({ "[EMAIL]": 1, "[EMAIL] (2)": 2 });
  });
});
