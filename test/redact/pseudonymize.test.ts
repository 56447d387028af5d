import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/index.js";
import { expectMoatError, WRONG_TYPES } from "../helpers/assertions.js";

const redactor = createRedactor();

describe("pseudonymize", () => {
  it("replaces values with stable numbered placeholders and restores the model's answer", () => {
    const prompt =
      "Draft a reply to alice@example.com (phone (415) 555-0132); cc bob@example.org and alice@example.com.";
    const p = redactor.pseudonymize(prompt);
    expect(p.text).toBe("Draft a reply to <EMAIL_1> (phone <PHONE_1>); cc <EMAIL_2> and <EMAIL_1>.");
    const answer = "Dear <EMAIL_1>, I will call <PHONE_1>. Copying <EMAIL_2>.";
    expect(p.restore(answer)).toBe("Dear alice@example.com, I will call (415) 555-0132. Copying bob@example.org.");
  });

  it("gives back exactly the input", () => {
    const text = "call (415) 555-0132 or 415-555-0132; card 4242 4242 4242 4242";
    const p = redactor.pseudonymize(text);
    expect(p.text).toBe("call <PHONE_1> or <PHONE_2>; card <CREDIT_CARD_1>");
    expect(p.restore(p.text)).toBe(text);
  });

  it("leaves unknown placeholders alone and never hands out one the user typed", () => {
    const p = redactor.pseudonymize("I am <EMAIL_1>, real address carol@example.com");
    expect(p.text).toBe("I am <EMAIL_1>, real address <EMAIL_2>");
    expect(p.restore("<EMAIL_1> / <EMAIL_2> / <EMAIL_3> / <PHONE_1>")).toBe(
      "<EMAIL_1> / carol@example.com / <EMAIL_3> / <PHONE_1>",
    );
  });

  it("keeps mappings separate between calls", () => {
    const a = redactor.pseudonymize("alice@example.com");
    const b = redactor.pseudonymize("bob@example.com");
    expect(a.text).toBe("<EMAIL_1>");
    expect(b.text).toBe("<EMAIL_1>");
    expect(a.restore("<EMAIL_1>")).toBe("alice@example.com");
    expect(b.restore("<EMAIL_1>")).toBe("bob@example.com");
  });

  it("uses custom detector types in placeholders", () => {
    const r = createRedactor({ detectors: [{ type: "employee_id", pattern: /EMP-\d{6}/ }] });
    const p = r.pseudonymize("ask EMP-123456");
    expect(p.text).toBe("ask <EMPLOYEE_ID_1>");
    expect(p.restore(p.text)).toBe("ask EMP-123456");
  });

  it("rejects non-string input and output", () => {
    for (const bad of WRONG_TYPES) expectMoatError(() => redactor.pseudonymize(bad as never), "ERR_INVALID_INPUT");
    const p = redactor.pseudonymize("x");
    for (const bad of WRONG_TYPES) expectMoatError(() => p.restore(bad as never), "ERR_INVALID_INPUT");
  });
});
