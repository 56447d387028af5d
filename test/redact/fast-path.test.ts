/**
 * The per-line fast paths of `redact()` (issue 19 item 6) must give exactly what the full path
 * gives: the gate that skips a text without a digit or `@` (`mayHoldBuiltinValue`), and the
 * label rendering that writes `[TYPE]` without calling a replacer per match.
 *
 * The full path is reached through the public API: a redactor with a custom detector that never
 * matches runs every scanner on every text (the gate only applies when no custom detector
 * could match), and a replace function that returns the label goes through the general
 * renderer.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mayHoldBuiltinValue } from "../../src/redact/engine.js";
import { type Detector, createRedactor, regexDetector } from "../../src/redact/index.js";

const never: Detector = { type: "never", find: () => [] };
const fast = createRedactor();
const full = createRedactor({ detectors: ["email", "ssn", "phone", "credit_card", never] });
const fullLabels = createRedactor({ replace: (m) => `[${m.type.toUpperCase()}]` });
const regional = createRedactor({ detectors: ["email", "ssn", { type: "phone", find: () => [] }, "credit_card"] });

/**
 * Characters that never make a value on their own but sit next to values: signs a number may
 * start with (`+`, `(`, `%`), separators, the full-width forms that are folded to ASCII
 * (`（`, `＋`, `－`, the ideographic space) except the digits, letters of several scripts, and
 * lone surrogates.
 */
const NON_TRIGGER = [
  ..."abcxyzXTEL +()%B-./:=_\\n\t\"'{}[]éü用電話".split(""),
  "\n",
  "\u3000",
  "\uFF08",
  "\uFF09",
  "\uFF0B",
  "\uFF0D",
];
const noTrigger = fc.string({
  unit: fc.oneof(fc.constantFrom(...NON_TRIGGER), fc.constantFrom("\uD800", "\uDC00")),
  maxLength: 80,
});

/** Values and near-values, ASCII and full-width, glued into the text above. */
const value = fc.constantFrom(
  "alice@example.com",
  "a@b",
  "@",
  "536-22-4781",
  "ssn 536224781",
  "(415) 555-0132",
  "+44 20 7946 0958",
  "%2B14155550132",
  "4242 4242 4242 4242",
  "＋８１ ９０ １２３４ ５６７８",
  "（４１５）５５５－０１３２",
  "７",
  "1",
  "0",
);
const withTrigger = fc
  .array(fc.oneof(noTrigger, value, fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join(""));
const anyText = fc.oneof(noTrigger, withTrigger, fc.string({ unit: "binary", maxLength: 120 }));

describe("fast paths give the full path's answer", () => {
  it("the gate rejects exactly the texts with no ASCII or full-width digit and no @", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(mayHoldBuiltinValue(text)).toBe(/[0-9@\uFF10-\uFF19]/.test(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("a text the gate rejects holds nothing for the full path either", () => {
    fc.assert(
      fc.property(noTrigger, (text) => {
        expect(mayHoldBuiltinValue(text)).toBe(false);
        expect(full.findAll(text)).toEqual([]);
        expect(fast.redact(text)).toBe(text);
      }),
      { numRuns: 3000 },
    );
  });

  it("findAll and redact agree with the ungated path on any text, with and without digits or @", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(fast.findAll(text)).toEqual(full.findAll(text));
        expect(fast.redact(text)).toBe(full.redact(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("label rendering equals the general renderer with a replace function that writes the label", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(fast.redact(text)).toBe(fullLabels.redact(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("returns the input string itself when nothing is found", () => {
    for (const text of ["", "plain message", "order 12 shipped", "x".repeat(10_000)]) {
      expect(fast.redact(text)).toBe(text);
    }
  });

  it("still scans a text whose only digits are full-width (no ASCII digit at all)", () => {
    expect(fast.redact("電話：（４１５）５５５－０１３２")).toBe("電話：[PHONE]");
    expect(fast.redact("tel ＋８１ ９０ １２３４ ５６７８")).toBe("tel [PHONE]");
  });

  it("a text that starts with a digit is not cut short by the shortcut", () => {
    expect(fast.redact("2024-05-01 mail alice@example.com")).toBe("2024-05-01 mail [EMAIL]");
    expect(fast.redact("7 alice@example.com")).toBe("7 [EMAIL]");
  });

  it("does not gate redactors with a custom detector, which may match text without digits", () => {
    const employee = regexDetector({ type: "employee_id", pattern: /\bEMP-[A-Z]{3}\b/ });
    const withCustom = createRedactor({ detectors: ["email", employee] });
    expect(withCustom.redact("badge EMP-ABC issued")).toBe("badge [EMPLOYEE_ID] issued");
    // A custom detector standing in for phones, without a digit in the text.
    expect(regional.redact("no digits here")).toBe("no digits here");
  });
});
