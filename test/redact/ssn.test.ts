import { describe, expect, it } from "vitest";
import { ssnDetector } from "../../src/redact/detectors.js";
import { SSN_DENY_LIST, SSN_INVALID_AREAS } from "../../src/redact/data/ssn-rules.js";
import { expectMoatError, WRONG_TYPES } from "../helpers/assertions.js";

const ssn = ssnDetector();
const found = (text: string, detector = ssn): string[] =>
  [...detector.find(text)].map((s) => text.slice(s.start, s.end));

describe("ssn: formats", () => {
  it.each(["536-22-4781", "536 22 4781", "536.22.4781"])("finds %s anywhere", (text) => {
    expect(found(`applicant ${text} approved`)).toEqual([text]);
  });

  it("needs a context word for a bare nine-digit run", () => {
    expect(found("id 536224781")).toEqual([]);
    expect(found("SSN: 536224781")).toEqual(["536224781"]);
    expect(found("my social security number is 536224781")).toEqual(["536224781"]);
    expect(found('{"ssn":"536224781"}')).toEqual(["536224781"]);
    expect(found("ssn_last_update 2024, id 536224781")).toEqual([]);
  });

  it("needs a context word for mixed separators and partial groupings", () => {
    expect(found("ref 536-224781")).toEqual([]);
    expect(found("ssn 536-224781")).toEqual(["536-224781"]);
    expect(found("ssn 53622-4781")).toEqual(["53622-4781"]);
    expect(found("ssn 536-22.4781")).toEqual(["536-22.4781"]);
    expect(found("ref 536-22.4781")).toEqual([]);
  });

  it("is never part of a longer number or list of numbers", () => {
    expect(found("1536-22-4781")).toEqual([]);
    expect(found("536-22-47811")).toEqual([]);
    expect(found("536-22-4781-2")).toEqual([]);
    expect(found("totals 7 536 22 4781")).toEqual([]);
    expect(found("totals 536 22 4781 9")).toEqual([]);
    expect(found("ssn 5362247810")).toEqual([]);
  });
});

describe("ssn: rules as data, tested at their boundaries", () => {
  it.each([
    ["area 000", "000-12-3456", false],
    ["area 001", "001-12-3456", true],
    ["area 665", "665-12-3456", true],
    ["area 666", "666-12-3456", false],
    ["area 667", "667-12-3456", true],
    ["area 899", "899-12-3456", true],
    ["area 900 (presidio#2275)", "900-12-3456", false],
    ["area 999", "999-12-3456", false],
    ["group 00", "536-00-4781", false],
    ["group 01", "536-01-4781", true],
    ["serial 0000", "536-22-0000", false],
    ["serial 0001", "536-22-0001", true],
    ["Woolworth's wallet card", "078-05-1120", false],
    ["one digit above Woolworth's", "078-05-1121", true],
    ["SSA pamphlet", "219-09-9999", false],
    ["the textbook sample", "123-45-6789", false],
    ["one repeated digit", "111-11-1111", false],
  ] as const)("%s: %s → %s", (_why, text, expected) => {
    expect(found(text)).toEqual(expected ? [text] : []);
  });

  it("rejects the advertising range 987-65-4320…4329 and its neighbours (area 987 is never issued)", () => {
    for (let serial = 4319; serial <= 4330; serial++) expect(found(`987-65-${String(serial)}`)).toEqual([]);
    for (let serial = 4320; serial <= 4329; serial++) expect(SSN_DENY_LIST).toContain(`987-65-${String(serial)}`);
  });

  it("keeps the invalid areas as inclusive ranges", () => {
    expect(SSN_INVALID_AREAS).toEqual([
      [0, 0],
      [666, 666],
      [900, 999],
    ]);
  });

  it("takes a replacement deny list", () => {
    const lenient = ssnDetector({ denyList: [] });
    expect(found("123-45-6789", lenient)).toEqual(["123-45-6789"]);
    const strict = ssnDetector({ denyList: ["536 22 4781"] });
    expect(found("536-22-4781", strict)).toEqual([]);
    expect(found("078-05-1120", strict)).toEqual(["078-05-1120"]);
  });

  it("rejects bad options", () => {
    for (const bad of [null, 42, "x", { denyList: "123-45-6789" }, { denyList: [1] }]) {
      expectMoatError(() => ssnDetector(bad as never), "ERR_CONFIG");
    }
  });

  it("rejects non-string text", () => {
    for (const bad of WRONG_TYPES) expectMoatError(() => ssn.find(bad as never), "ERR_INVALID_INPUT");
  });
});
