/**
 * Microsoft Presidio's recognizer cases for the four entity types. moatkit agrees with Presidio
 * except where the table below says otherwise, and every difference has a reason.
 */
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/redactor.js";
import { loadPresidioCases } from "../vectors/index.js";

const TYPE = { CREDIT_CARD: "credit_card", EMAIL_ADDRESS: "email", US_SSN: "ssn", PHONE_NUMBER: "phone" } as const;

/** Cases (entity, text, leniency) where moatkit deliberately differs, with what it finds instead. */
const DIFFERENCES: readonly {
  entity: string;
  text: string;
  leniency?: number;
  expected: readonly string[];
  reason: string;
}[] = [
  {
    entity: "CREDIT_CARD",
    text: "122000000000003",
    expected: [],
    reason:
      "UATP (prefix 1) is not one of the networks moatkit recognises; Presidio's regex accepts any 15-digit Luhn number",
  },
  {
    entity: "CREDIT_CARD",
    text: "my credit card: 122000000000003",
    expected: [],
    reason: "as above: UATP prefix 1",
  },
  {
    entity: "US_SSN",
    text: "078-051121 07805-1121",
    expected: [],
    reason:
      "partial groupings (AAA-GGSSSS, AAAGG-SSSS) count only after a context word such as 'ssn'; here there is none",
  },
  {
    entity: "US_SSN",
    text: "078051121",
    expected: [],
    reason: "a bare nine-digit run is an SSN only after a context word (ids of nine digits are common in logs)",
  },
  {
    entity: "PHONE_NUMBER",
    text: "My Israeli number is 09-7625400",
    expected: [],
    reason: "national formats are recognised for NANP only; other countries need +<calling code>",
  },
  {
    entity: "PHONE_NUMBER",
    text: "My Japanese number is 090-1234-5678",
    expected: [],
    reason: "national format outside NANP (its area code starts with 0); +81 90-1234-5678 is found",
  },
  {
    entity: "PHONE_NUMBER",
    text: "My CN number is 13812345678",
    expected: [],
    reason:
      "national format outside NANP; as NANP (1-381-234-5678) a bare run needs a context word, and 'number' is too generic to be one",
  },
  {
    entity: "PHONE_NUMBER",
    text: "My US number is (415) 555-0132, and my international one is415-555-0132",
    leniency: 0,
    expected: ["(415) 555-0132"],
    reason:
      "Presidio's leniency 0 (POSSIBLE) accepts a number glued to a word ('is415-…'); moatkit never cuts a value out of a word (its default leniency 1 agrees)",
  },
  {
    entity: "PHONE_NUMBER",
    text: "My US number is (415) 555-0132, and my international one is 91-415-555-0132",
    leniency: 1,
    expected: ["(415) 555-0132"],
    reason:
      "'91-415-555-0132' is not a NANP number (a 91- prefix) and has no '+'; moatkit matches Presidio's stricter leniency 2",
  },
  {
    entity: "PHONE_NUMBER",
    text: "My US number is (415) 555-0132, and my international one is +91 4155 550132",
    leniency: 3,
    expected: ["(415) 555-0132", "+91 4155 550132"],
    reason:
      "leniency 3 (EXACT_GROUPING) wants India's canonical grouping; moatkit checks the calling code and length, not how digits are grouped (as at leniency 2)",
  },
];

const redactor = createRedactor();

describe("Presidio recognizer cases", () => {
  const { cases } = loadPresidioCases();

  it.each(cases.map((c) => [c.entity, c.text, c.leniency ?? null, c] as const))(
    "%s %j (leniency %s)",
    (entity, text, leniency, c) => {
      const type = TYPE[entity];
      const got = redactor
        .findAll(text)
        .filter((s) => s.type === type)
        .map((s) => text.slice(s.start, s.end));
      const difference = DIFFERENCES.find(
        (d) => d.entity === entity && d.text === text && (d.leniency ?? null) === leniency,
      );
      if (difference !== undefined) {
        expect(got, difference.reason).toEqual(difference.expected);
        expect(got).not.toEqual(c.spans.map((s) => s.text));
      } else {
        expect(got).toEqual(c.spans.map((s) => s.text));
      }
    },
  );

  it("lists only differences that exist in the vector file", () => {
    for (const d of DIFFERENCES) {
      expect(
        cases.some((c) => c.entity === d.entity && c.text === d.text && (c.leniency ?? undefined) === d.leniency),
        d.text,
      ).toBe(true);
    }
  });

  describe("context sentences", () => {
    const { context_cases: contextCases } = loadPresidioCases();
    const EXPECTED: Readonly<Record<string, readonly string[]>> = {
      "my ssn is 078-051121": ["078-051121"],
      // 078-05-1120 is Woolworth's wallet number: Presidio invalidates it as well.
      "my social security number is 078051120": [],
      "my social security number is 078-05-1121": ["078-05-1121"],
      "my social security number is 078051121": ["078051121"],
      "my ssns is 078-05-1121": ["078-05-1121"],
      "my ssid is 078-05-1121": ["078-05-1121"],
      "my phone number is (425) 882-9090": ["(425) 882-9090"],
      "my phone number is:(425) 882-9090": ["(425) 882-9090"],
      "my phone number is 425 8829090": ["425 8829090"],
      // Difference: Israeli national numbers (052/074 prefixes) are not NANP and carry no '+'.
      "try one of these phones 052 5552606 074-7111234": [],
      "my phone number is 4258829090": ["4258829090"],
    };
    it.each(contextCases.map((c) => [c.entity, c.text] as const))("%s %j", (entity, text) => {
      const type = TYPE[entity as keyof typeof TYPE];
      const got = redactor
        .findAll(text)
        .filter((s) => s.type === type)
        .map((s) => text.slice(s.start, s.end));
      expect(EXPECTED[text], "missing expectation").toBeDefined();
      expect(got).toEqual(EXPECTED[text]);
    });
  });
});
