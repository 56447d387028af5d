import { describe, expect, it } from "vitest";
import { phoneDetector } from "../../src/redact/detectors.js";
import { loadE164Cases, loadPhoneExamples } from "../vectors/index.js";

const phone = phoneDetector();
const found = (text: string): string[] => [...phone.find(text)].map((s) => text.slice(s.start, s.end));

/** Groups a national number the way people write it: 3-3-4 style blocks from the left. */
function spaced(e164: string, countryCode: number): string {
  const national = e164.slice(1 + String(countryCode).length);
  const groups: string[] = [];
  for (let i = 0; i < national.length; i += i === 0 ? 3 : 4) groups.push(national.slice(i, i === 0 ? 3 : i + 4));
  return `+${String(countryCode)} ${groups.join(" ")}`;
}

describe("phones: libphonenumber example numbers", () => {
  const { valid, invalid } = loadPhoneExamples();

  it.each(valid.map((v) => [v.region, v.type, v.e164] as const))(
    "finds %s %s %s written in E.164",
    (_region, _type, e164) => {
      expect(found(`call ${e164} today`)).toEqual([e164]);
    },
  );

  it.each(valid.map((v) => [v.region, v.type, v.e164, v.countryCode] as const))(
    "finds %s %s %s written with spaces",
    (_r, _t, e164, cc) => {
      const text = spaced(e164, cc);
      expect(found(`tel: ${text}.`)).toEqual([text]);
    },
  );

  // Ten-digit NANP numbers; CA's seven-digit 310-XXXX service numbers have no national format.
  const nanp = valid.filter((v) => v.countryCode === 1 && v.nationalNumber.length === 10);
  it.each(nanp.map((v) => [v.region, v.type, v.nationalNumber] as const))(
    "finds %s %s %s in NANP national formats",
    (_r, _t, n) => {
      const [a, e, l] = [n.slice(0, 3), n.slice(3, 6), n.slice(6)];
      for (const text of [
        `(${a}) ${e}-${l}`,
        `(${a})${e}-${l}`,
        `${a}-${e}-${l}`,
        `${a}.${e}.${l}`,
        `${a} ${e} ${l}`,
        `1-${a}-${e}-${l}`,
        `1 (${a}) ${e}-${l}`,
        `+1 (${a}) ${e}-${l}`,
      ]) {
        expect(found(`reach me at ${text}, thanks`), text).toEqual([text]);
      }
    },
  );

  it("checks that the NANP national examples were all exercised", () => {
    expect(nanp.length).toBeGreaterThanOrEqual(10);
  });

  it.each(invalid.map((v) => [v.region, v.reason.split(":")[0] ?? "", v.e164] as const))(
    "does not find %s %s %s",
    (_r, _reason, e164) => {
      expect(found(`call ${e164} today`)).toEqual([]);
    },
  );
});

describe("phones: e164_format_cases", () => {
  // The question here is "is there a phone number in this text", so a valid number written with
  // separators or a kept trunk 0 counts (libphonenumber normalizes those to a valid number); the
  // strict "canonical E.164 string" flag in the file answers a different question.
  it.each(loadE164Cases().cases.map((c) => [c.input, c.libphonenumberJs.isValid, c.reason] as const))(
    "%j → found: %s (%s)",
    (input, valid) => {
      expect(found(input)).toEqual(valid ? [input] : []);
    },
  );
});

describe("phones: NANP rules", () => {
  it.each([
    ["area code starting with 0", "015-555-0132"],
    ["area code starting with 1", "115-555-0132"],
    ["N11 area code", "411-555-0132"],
    ["N9X area code (reserved)", "296-555-0132"],
    ["exchange starting with 0", "415-055-0132"],
    ["exchange starting with 1", "415-155-0132"],
    ["N11 exchange", "415-911-0132"],
  ])("rejects an %s (%s)", (_why, text) => {
    expect(found(text)).toEqual([]);
  });

  it("accepts a trunk prefix with dots", () => {
    expect(found("1.415.555.0132")).toEqual(["1.415.555.0132"]);
  });

  it("accepts Canada's seven-digit 310-XXXX numbers only in international form", () => {
    expect(found("+1 310 1234")).toEqual(["+1 310 1234"]);
    expect(found("+1 311 1234")).toEqual([]);
  });

  it("accepts the lowest valid area code and exchange", () => {
    expect(found("200-200-0000")).toEqual(["200-200-0000"]);
  });

  it("needs a context word for a bare ten-digit run and for 3-7 groupings", () => {
    expect(found("account 4155550132")).toEqual([]);
    expect(found("phone: 4155550132")).toEqual(["4155550132"]);
    expect(found("mobilePhone=14155550132")).toEqual(["14155550132"]);
    expect(found("tel 425 8829090")).toEqual(["425 8829090"]);
    expect(found("id 425 8829090")).toEqual([]);
  });

  it("does not take a context word from before another number", () => {
    expect(found("phone=(415) 555-0132 account=2345678901")).toEqual(["(415) 555-0132"]);
  });

  it("does not take context from inside other words", () => {
    expect(found("hotel 4155550132")).toEqual([]);
    expect(found("callback 4155550132")).toEqual([]);
  });
});

describe("phones: things that are not phones (Presidio #71, #638)", () => {
  it.each([
    ["ISO date", "2024-01-15"],
    ["US date", "01/15/2024"],
    ["timestamp", "2024-01-15T12:30:45.123Z"],
    ["time", "12:30:45"],
    ["version", "v10.415.5550"],
    ["dotted version", "10.15.7"],
    ["semantic version with build", "2.4.1-beta.3"],
    ["browser version", "Chrome/124.0.6367.91"],
    ["IPv4", "192.168.100.200"],
    ["IPv4 with port", "203.113.255.101:8443"],
    ["GUID", "550e8400-e29b-41d4-a716-446655440000"],
    ["GUID with a digit-only group", "a0b1c2d3-4155-5501-3200-415555013200"],
    ["order id", "ORD-415-555-0132"],
    ["order id (digits)", "order #4155550132"],
    ["card number", "4111 1111 1111 1111"],
    ["13-digit ms timestamp", "1715501723481"],
    ["unix seconds", "1715501723"],
    ["longer digit run", "41555501329"],
    ["phone-shaped run inside a longer one", "9415-555-01321"],
    ["number glued to letters", "x415-555-0132"],
    ["timezone offset", "+05:30"],
    ["percentage", "+12.5%"],
    ["count", "+20 points"],
  ])("%s: %s", (_why, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("phones: international forms", () => {
  it.each([
    "+44 20 7946 0958",
    "+44 (0) 20 7946 0958",
    "(+44) 20 7946 0958",
    "+1 (415) 555-0132",
    "+1-415-555-0132",
    "+1.415.555.0132",
    "+49 30 1234567",
    "+33 1 42 68 53 00",
    "+81 3-1234-5678",
    "+55 11 98456 5666",
    "+91 98765 43210",
    "+353 85 123 4567",
  ])("finds %s", (text) => {
    expect(found(`ring ${text} now`)).toEqual([text]);
  });

  it("stops at the longest plausible prefix when more digit groups follow", () => {
    expect(found("+1 415 555 0132 4111")).toEqual(["+1 415 555 0132"]);
  });

  it("rejects unassigned calling codes and runs longer than any number", () => {
    expect(found("+999 123 4567")).toEqual([]);
    expect(found("+4420794609581234567890")).toEqual([]);
  });
});
