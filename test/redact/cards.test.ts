import { describe, expect, it } from "vitest";
import { cardBrand, isCardNumber, luhnValid } from "../../src/redact/card.js";
import { creditCardDetector } from "../../src/redact/detectors.js";
import { IIN_RANGES } from "../../src/redact/data/iin-ranges.js";
import { loadCards, loadProviderCards } from "../vectors/index.js";

const cards = creditCardDetector();
const found = (text: string): string[] => [...cards.find(text)].map((s) => text.slice(s.start, s.end));
const digitsOf = (s: string): number[] => Array.from(s, Number);

/** `body` completed with the Luhn check digit that makes it valid. */
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(digitsOf(body + String(d)), body.length + 1)) return body + String(d);
  throw new Error("unreachable");
}

function grouped(number: string, sep: string): string {
  return number.match(/.{1,4}/g)!.join(sep);
}

/**
 * Luhn-valid numbers in cards_combined.json that are deliberately not cards, with the reason.
 */
const NOT_CARDS: Readonly<Record<string, string>> = {
  "34343434343434":
    "Amex numbers are 15 digits; credit-card-type uses this 14-digit string only as a brand-prefix fixture, and card-validator rejects it",
  "50000000000000000009":
    "20 digits: ISO/IEC 7812 numbers have at most 19, and card-validator's own expectation is isValid: false",
};

describe("cards: cards_combined.json", () => {
  const vectors = loadCards();
  const valid = vectors.luhnValid.filter((c) => !(c.number in NOT_CARDS));

  it.each(valid.map((c) => [c.brand, c.number] as const))(
    "finds %s %s plain, spaced 4-4-4-4 and dashed",
    (_brand, number) => {
      for (const text of [number, grouped(number, " "), grouped(number, "-")]) {
        expect(found(`paid with ${text}.`), text).toEqual([text]);
      }
    },
  );

  it.each(Object.entries(NOT_CARDS))("does not find %s (%s)", (number) => {
    expect(vectors.luhnValid.some((c) => c.number === number)).toBe(true);
    expect(found(number)).toEqual([]);
  });

  // Plain and dashed only: with spaces, a valid card followed by more groups is still found
  // (its CVV or expiry often follows it), so "4111 1111 1111 1111 1111" yields its first 16.
  it.each(vectors.invalidFromSources.map((c) => [c.brand, c.number] as const))(
    "does not find invalid %s %s",
    (_brand, number) => {
      expect(found(number)).toEqual([]);
      expect(found(grouped(number, "-"))).toEqual([]);
    },
  );

  it.each(vectors.derivedInvalid.map((c) => [c.brand, c.number] as const))(
    "does not find derived-invalid %s %s",
    (_brand, number) => {
      expect(found(number)).toEqual([]);
      expect(found(grouped(number, "-"))).toEqual([]);
    },
  );

  it("UnionPay is Luhn-checked: the non-Luhn UnionPay numbers in the sources are not found", () => {
    const unionPayInvalid = vectors.invalidFromSources.filter((c) => c.brand === "unionpay");
    expect(unionPayInvalid.length).toBeGreaterThan(5);
    for (const c of unionPayInvalid) expect(found(c.number), c.number).toEqual([]);
  });

  it("handles the malformed inputs from card-validator", () => {
    for (const m of vectors.malformed) {
      const expected = m.expectedValidAfterNormalising === true && !/ {2}|\d \d /.test(m.input) ? [m.input] : [];
      expect(found(m.input), m.input).toEqual(expected);
    }
  });
});

describe("cards: provider test numbers", () => {
  it.each(loadProviderCards().cards.map((c) => [c.provider, c.label, c.number, c.expectedValid] as const))(
    "%s %s %s → %s",
    (_p, _l, number, valid) => {
      expect(found(number)).toEqual(valid ? [number] : []);
    },
  );
});

describe("cards: IIN table at its boundaries", () => {
  const cases: readonly [string, string, number, boolean][] = [
    ["Mastercard 2-series low edge", "2221", 16, true],
    ["just below the 2-series", "2220", 16, false],
    ["Mastercard 2-series high edge", "2720", 16, true],
    ["just above the 2-series", "2721", 16, false],
    ["Mastercard 51", "51", 16, true],
    ["Mastercard 55", "55", 16, true],
    ["Mastercard at 15 digits", "51", 15, false],
    ["Amex 34", "34", 15, true],
    ["Amex 37", "37", 15, true],
    ["Amex at 16 digits", "37", 16, false],
    ["35 is not Amex", "35", 15, false],
    ["JCB 3528", "3528", 16, true],
    ["JCB below 3528", "3527", 16, false],
    ["JCB 3589", "3589", 16, true],
    ["JCB above 3589", "3590", 16, false],
    ["JCB 19 digits", "3530", 19, true],
    ["Discover 6011", "6011", 16, true],
    // credit-card-type gives Maestro the whole of 6 (ISO/IEC 7812 MII 6: banking), 12–19 digits.
    ["6012 is Maestro (catch-all 6)", "6012", 16, true],
    ["Discover 644", "644", 16, true],
    ["643 is Maestro (catch-all 6)", "643", 16, true],
    ["Discover 649", "649", 19, true],
    ["Discover 65", "65", 16, true],
    ["Diners 300", "300", 14, true],
    ["Diners 305", "305", 14, true],
    ["306 is nothing", "306", 14, false],
    ["Diners 36 at 14", "36", 14, true],
    ["Diners 36 at 15", "36", 15, false],
    ["UnionPay 62 at 19", "62", 19, true],
    ["UnionPay 8100", "8100", 16, true],
    ["UnionPay 8171", "8171", 16, true],
    ["8172 at 16 is RuPay (81)", "8172", 16, true],
    ["8172 at 14 is nothing (UnionPay ends at 8171, RuPay is 16 digits)", "8172", 14, false],
    ["83 is nothing", "83", 16, false],
    ["Visa 13", "4", 13, true],
    ["Visa 14", "4", 14, false],
    ["Visa 19", "4", 19, true],
    ["Maestro 6759", "6759", 16, true],
    ["61 is Maestro (catch-all 6)", "61", 16, true],
    ["7 is nothing", "7", 16, false],
    ["0 is nothing", "0", 16, false],
    ["1 is nothing (timestamps)", "1", 13, false],
    ["9 is nothing", "9", 16, false],
  ];
  it.each(cases)("%s: %s… at %i digits → %s", (_why, prefix, length, expected) => {
    const number = withCheckDigit(prefix + "0".repeat(length - prefix.length - 1));
    expect(number).toHaveLength(length);
    expect(isCardNumber(digitsOf(number), length)).toBe(expected);
    expect(found(number)).toEqual(expected ? [number] : []);
  });

  it("every range is well formed", () => {
    for (const r of IIN_RANGES) {
      expect(String(r.from).length, r.brand).toBe(String(r.to).length);
      expect(r.from).toBeLessThanOrEqual(r.to);
      for (const l of r.lengths) expect(l >= 12 && l <= 19, `${r.brand} ${String(l)}`).toBe(true);
    }
  });

  it("names the brand", () => {
    expect(cardBrand(digitsOf("4111111111111111"), 16)).toBe("visa");
    expect(cardBrand(digitsOf("2223003122003222"), 16)).toBe("mastercard");
    expect(cardBrand(digitsOf("6200000000000005"), 16)).toBe("unionpay");
  });
});

describe("cards: Luhn alone is not a card (pii-shield#209)", () => {
  it("13-digit millisecond timestamps are never cards, Luhn-valid or not", () => {
    for (let ts = 1_715_501_723_480; ts < 1_715_501_723_500; ts++) expect(found(`ts=${String(ts)}`)).toEqual([]);
  });

  it("a non-Luhn 16-digit number is not a card", () => {
    expect(found("4111111111111112")).toEqual([]);
    expect(found("order 1234567890123456")).toEqual([]);
  });

  it("never takes a card out of a longer digit run", () => {
    expect(found("94111111111111111")).toEqual([]);
    expect(found("41111111111111119")).toEqual([]);
    expect(found("x4111111111111111")).toEqual([]);
    expect(found("4111111111111111.00")).toEqual([]);
    expect(found("v1.4111111111111111")).toEqual([]);
  });

  it("accepts the common groupings and refuses mixed or doubled separators", () => {
    expect(found("3782 822463 10005")).toEqual(["3782 822463 10005"]);
    expect(found("3056 930902 5904")).toEqual(["3056 930902 5904"]);
    expect(found("4111-1111 1111-1111")).toEqual([]);
    expect(found("4111  1111  1111  1111")).toEqual([]);
  });

  it("takes the longest valid grouping when more space-separated groups follow", () => {
    expect(found("4111 1111 1111 1111 2")).toEqual(["4111 1111 1111 1111"]);
    expect(found("card 4111 1111 1111 1111 123 12/25")).toEqual(["4111 1111 1111 1111"]);
    expect(found("4111 1111 1111 1111 1111")).toEqual(["4111 1111 1111 1111"]);
  });

  it("starts a card in a space-separated chain only where no earlier group's card reaches", () => {
    // Decided from the text, not from where the chain begins: what a stream needs to equal redact.
    const chain = "3637 ".repeat(12).trim();
    expect(found(chain)).toEqual(["3637 3637 3637 3637"]);
    expect(found(`x ${chain}`)).toEqual(found(chain));
    // Cards written one after the other, and a card after an unrelated group, still count.
    expect(found("4111 1111 1111 1111 5500 0000 0000 0004 4012 8888 8888 1881")).toEqual([
      "4111 1111 1111 1111",
      "5500 0000 0000 0004",
      "4012 8888 8888 1881",
    ]);
    expect(found("ref 2024 4111 1111 1111 1111")).toEqual(["4111 1111 1111 1111"]);
    expect(found("order 123456 4111 1111 1111 1111")).toEqual(["4111 1111 1111 1111"]);
  });

  it("does not cut a card out of a longer dashed number", () => {
    expect(found("4111-1111-1111-1111-2")).toEqual([]);
    expect(found("4111-1111-1111-1111-1111")).toEqual([]);
  });

  it("finds cards in JSON, after escapes and next to punctuation", () => {
    expect(found('{"pan":"4111111111111111"}')).toEqual(["4111111111111111"]);
    expect(found("line\\n4111111111111111")).toEqual(["4111111111111111"]);
    expect(found("(4111 1111 1111 1111)")).toEqual(["4111 1111 1111 1111"]);
    expect(found("4111111111111111,5555555555554444")).toEqual(["4111111111111111", "5555555555554444"]);
  });
});
