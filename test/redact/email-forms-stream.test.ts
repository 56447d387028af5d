/**
 * The new address forms (atext, quoted local parts, address literals, single-label domains) keep
 * the redactor's guarantees: no throw on any string, and a stream equals `redact` for every split.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRedactor, emailDetector } from "../../src/redact/index.js";
import { expectMoatError } from "../helpers/assertions.js";
import { splitAt, viaNodeStream as viaStream } from "./stream-helpers.js";

const piece = fc.constantFrom(
  "!#$%&'*+-/=?^_`{|}~@example.org",
  '"john doe"@example.com',
  '\\"john\\"@example.com',
  "j_9@[129.126.118.1]",
  "u@[IPv6:2001:db8::1]",
  "root@localhost",
  "key=alice@example.com",
  "a..b@x.com",
  '"',
  "[",
  "]",
  "@",
  "=",
  "/",
  "'",
  "\\",
  " ",
);
const atext = fc.string({ unit: fc.constantFrom(..."!#$%&'*+-/=?^_`{|}~a1.@\"[]\\ :".split("")), maxLength: 60 });
const text = fc.oneof(
  fc.array(fc.oneof(piece, atext, fc.string({ maxLength: 6 })), { maxLength: 20 }).map((p) => p.join("")),
  fc.string({ maxLength: 200 }),
);

describe("email forms: redactor guarantees", () => {
  const redactors = [
    createRedactor(),
    createRedactor({ detectors: [emailDetector({ singleLabelDomains: true }), "phone"] }),
  ];

  it("never throws and the stream equals redact for any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 6 }), fc.nat(1), async (input, cuts, which) => {
        const redactor = redactors[which] ?? createRedactor();
        expect(await viaStream(redactor, splitAt(input, cuts))).toBe(redactor.redact(input));
      }),
      { numRuns: 400 },
    );
  });

  it("stream equals redact for every two-chunk split of the labelled forms", async () => {
    const redactor = redactors[1] ?? createRedactor();
    const sample = 'to "john doe"@example.com, j_9@[129.126.118.1] key=o\'brien@example.com root@localhost.';
    const expected = redactor.redact(sample);
    expect(expected).toBe("to [EMAIL], [EMAIL] key=[EMAIL] [EMAIL].");
    for (let cut = 0; cut <= sample.length; cut++) {
      expect(await viaStream(redactor, [sample.slice(0, cut), sample.slice(cut)]), `split at ${String(cut)}`).toBe(
        expected,
      );
    }
  });
});

describe("emailDetector({ singleLabelDomains })", () => {
  const found = (detector: ReturnType<typeof emailDetector>, t: string): string[] =>
    [...detector.find(t)].map((s) => t.slice(s.start, s.end));

  it("RFC 5321 §4.1.2: single-label domains only when configured", () => {
    const lenient = emailDetector({ singleLabelDomains: true });
    expect(found(lenient, "mail root@localhost now")).toEqual(["root@localhost"]);
    expect(found(lenient, "ops@mailhub, a@b.example.com")).toEqual(["ops@mailhub", "a@b.example.com"]);
    expect(found(emailDetector(), "mail root@localhost now")).toEqual([]);
    expect(found(emailDetector({ singleLabelDomains: false }), "root@localhost")).toEqual([]);
  });

  it("still refuses versions, asset names and numbers as single labels", () => {
    const lenient = emailDetector({ singleLabelDomains: true });
    for (const t of ["lodash@4.17.21", "icon@2x.png", "x@123", "logo@svg", "@types/node@20"]) {
      expect(found(lenient, t), t).toEqual([]);
    }
  });

  it("refuses bad options", () => {
    expectMoatError(() => emailDetector({ singleLabelDomain: true } as never), "ERR_CONFIG");
    expectMoatError(() => emailDetector({ singleLabelDomains: "yes" } as never), "ERR_CONFIG");
    expectMoatError(() => emailDetector(null as never), "ERR_CONFIG");
  });
});
