import { describe, expect, it } from "vitest";
import { forLlm, resolveRedactionPolicy, type LlmMessage } from "../../src/redact/index.js";
import { expectMoatError } from "../helpers/assertions.js";

describe("resolveRedactionPolicy", () => {
  const ALL = ["email", "ssn", "phone", "credit_card"];
  it.each([
    [true, undefined, true, "org"],
    [true, "inherit", true, "org"],
    [false, undefined, false, "org"],
    [false, "inherit", false, "org"],
    [true, "on", true, "api_key"],
    [false, "on", true, "api_key"],
    [true, "off", false, "api_key"],
    [false, "off", false, "api_key"],
  ] as const)(
    "org.enabled=%s, apiKey.redaction=%s → enabled=%s (decided by %s)",
    (orgEnabled, keySetting, enabled, decidedBy) => {
      const policy = resolveRedactionPolicy({
        org: { enabled: orgEnabled },
        apiKey: keySetting === undefined ? undefined : { redaction: keySetting },
      });
      expect(policy).toEqual({ enabled, detectors: enabled ? ALL : [], decidedBy });
    },
  );

  it("uses the org's detectors, also when a key forces redaction on", () => {
    expect(resolveRedactionPolicy({ org: { enabled: true, detectors: ["email", "email"] } }).detectors).toEqual([
      "email",
    ]);
    expect(
      resolveRedactionPolicy({ org: { enabled: false, detectors: ["ssn"] }, apiKey: { redaction: "on" } }).detectors,
    ).toEqual(["ssn"]);
  });

  it("accepts an API-key record as stored (extra fields, missing or null setting)", () => {
    const keyRecord = { id: "key_1", prefix: "acme_live_4Fh2", scopes: ["read"], redaction: "off" as const };
    expect(resolveRedactionPolicy({ org: { enabled: true }, apiKey: keyRecord }).enabled).toBe(false);
    expect(resolveRedactionPolicy({ org: { enabled: true }, apiKey: { id: "old key" } as never }).enabled).toBe(true);
    expect(resolveRedactionPolicy({ org: { enabled: true }, apiKey: null }).enabled).toBe(true);
  });

  it("rejects malformed input", () => {
    for (const bad of [
      undefined,
      null,
      {},
      { org: {} },
      { org: { enabled: "yes" } },
      { org: { enabled: true, detectors: ["iban"] } },
      { org: { enabled: true }, apiKey: { redaction: "maybe" } },
    ]) {
      expectMoatError(() => resolveRedactionPolicy(bad as never), "ERR_INVALID_INPUT");
    }
  });
});

describe("forLlm", () => {
  const on = resolveRedactionPolicy({ org: { enabled: true } });
  const messages: LlmMessage[] = [
    { role: "system", content: "You are a support agent." },
    { role: "user", content: "I'm alice@example.com, card 4242 4242 4242 4242 was charged twice." },
    { role: "user", content: [{ type: "text", text: "Reply to alice@example.com" }, { type: "image_url" }] },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ function: { arguments: '{"email":"alice@example.com","phone":"+1 415 555 0132"}' } }],
    },
  ];

  it("pseudonymizes consistently across messages and restores the answer", () => {
    const snapshot = structuredClone(messages);
    const { messages: out, restore } = forLlm(messages, on);
    expect(out).toEqual([
      { role: "system", content: "You are a support agent." },
      { role: "user", content: "I'm <EMAIL_1>, card <CREDIT_CARD_1> was charged twice." },
      { role: "user", content: [{ type: "text", text: "Reply to <EMAIL_1>" }, { type: "image_url" }] },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ function: { arguments: '{"email":"<EMAIL_1>","phone":"<PHONE_1>"}' } }],
      },
    ]);
    expect(restore("Refund sent to <EMAIL_1> for <CREDIT_CARD_1>.")).toBe(
      "Refund sent to alice@example.com for 4242 4242 4242 4242.",
    );
    expect(messages).toEqual(snapshot);
  });

  it("labels in redact mode, with an identity restore", () => {
    const { messages: out, restore } = forLlm(messages.slice(1, 2), on, { mode: "redact" });
    expect(out[0]?.content).toBe("I'm [EMAIL], card [CREDIT_CARD] was charged twice.");
    expect(restore("<EMAIL_1>")).toBe("<EMAIL_1>");
  });

  it("runs only the policy's detectors, and nothing when the policy is off", () => {
    const emailOnly = resolveRedactionPolicy({ org: { enabled: true, detectors: ["email"] } });
    expect(forLlm(messages.slice(1, 2), emailOnly).messages[0]?.content).toBe(
      "I'm <EMAIL_1>, card 4242 4242 4242 4242 was charged twice.",
    );
    const off = resolveRedactionPolicy({ org: { enabled: true }, apiKey: { redaction: "off" } });
    const result = forLlm(messages, off);
    expect(result.messages).toEqual(messages);
    expect(result.messages).not.toBe(messages);
  });

  it("rejects malformed messages and policies", () => {
    for (const bad of [
      null,
      "hi",
      [{ content: "x" }],
      [{ role: "user", content: 42 }],
      [{ role: "user", tool_calls: "x" }],
    ]) {
      expectMoatError(() => forLlm(bad as never, on), "ERR_INVALID_INPUT");
    }
    expectMoatError(() => forLlm([], { enabled: true } as never), "ERR_INVALID_INPUT");
  });
});
