import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/index.js";

const redactor = createRedactor();
const masked = createRedactor({ replace: "mask" });

/** Strings biased towards the characters the detectors care about. */
const pii = fc.constantFrom(
  "alice@example.com",
  "4242424242424242",
  "5555 5555 5555 4444",
  "536-22-4781",
  "(415) 555-0132",
  "+44 20 7946 0958",
  "ssn 536224781",
  "phone 4155550132",
);
const junk = fc.string({ unit: fc.constantFrom(..."0123456789 -.@+()/:_\\nabcXYZé用\n".split("")), maxLength: 40 });
const mixed = fc
  .array(fc.oneof(pii, junk, fc.string({ maxLength: 8 }), fc.string({ unit: "binary", maxLength: 8 })), {
    maxLength: 12,
  })
  .map((p) => p.join(""));

describe("properties", () => {
  it("redact never throws, whatever the string (including lone surrogates)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), mixed), (text) => {
        expect(typeof redactor.redact(text)).toBe("string");
        expect(typeof masked.redact(text)).toBe("string");
      }),
      { numRuns: 2000 },
    );
  });

  it("the output contains none of the values found", () => {
    // A found value may also occur where it is not a value (glued into a word: "536224781ssn"),
    // so the output may contain it only as often as the text outside the found spans does.
    const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;
    fc.assert(
      fc.property(mixed, (text) => {
        const out = redactor.redact(text);
        const spans = redactor.findAll(text);
        let outside = "";
        let last = 0;
        for (const s of spans) {
          outside += `${text.slice(last, s.start)}\u0000`;
          last = s.end;
        }
        outside += text.slice(last);
        for (const s of spans) {
          const value = text.slice(s.start, s.end);
          expect(count(out, value), value).toBeLessThanOrEqual(count(outside, value));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("the output contains no found value when values stand apart", () => {
    const apart = fc.array(fc.oneof(pii, junk), { maxLength: 10 }).map((p) => p.join(" \n "));
    fc.assert(
      fc.property(apart, (text) => {
        const out = redactor.redact(text);
        for (const s of redactor.findAll(text)) expect(out).not.toContain(text.slice(s.start, s.end));
      }),
      { numRuns: 1000 },
    );
  });

  it("findAll is sorted, non-overlapping and inside the text", () => {
    fc.assert(
      fc.property(mixed, (text) => {
        let last = 0;
        for (const s of redactor.findAll(text)) {
          expect(s.start).toBeGreaterThanOrEqual(last);
          expect(s.end).toBeGreaterThan(s.start);
          expect(s.end).toBeLessThanOrEqual(text.length);
          last = s.end;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("pseudonymize then restore gives the text back", () => {
    fc.assert(
      fc.property(mixed, (text) => {
        const p = redactor.pseudonymize(text);
        expect(p.restore(p.text)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
