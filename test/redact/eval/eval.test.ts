/**
 * Precision and recall per type on the two labelled evaluation sets (issue 19, "Must show"):
 * precision ≥ 0.99 and recall ≥ 0.98 for email, SSN, phone and card, span-level (see score.ts).
 * `npx tsx test/redact/eval/report.ts` prints the tables.
 */
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../../src/redact/index.js";
import { generateEvalCases } from "./generator.js";
import { OUTSIDE_CASES } from "./outside.js";
import { EVAL_TYPES, parseLabelled, scoreCases } from "./score.js";

const redactor = createRedactor();
const find = (text: string) => redactor.findAll(text);

describe("labelled evaluation sets", () => {
  it.each([
    ["generated", generateEvalCases()],
    ["outside-style", OUTSIDE_CASES],
  ] as const)("%s set: precision ≥ 0.99 and recall ≥ 0.98 per type", (_name, cases) => {
    const { scores, mistakes } = scoreCases(cases, find);
    for (const type of EVAL_TYPES) {
      const s = scores[type];
      expect(s.labels, `${type} labels`).toBeGreaterThanOrEqual(8);
      const seen = mistakes.filter((m) => m.type === type).map((m) => `${m.kind}: ${m.value}`);
      expect(s.precision, `${type} precision; ${seen.join(", ")}`).toBeGreaterThanOrEqual(0.99);
      expect(s.recall, `${type} recall; ${seen.join(", ")}`).toBeGreaterThanOrEqual(0.98);
    }
  });

  it("the generated set is deterministic and covers every type", () => {
    const a = generateEvalCases(500);
    expect(generateEvalCases(500)).toEqual(a);
    for (const type of EVAL_TYPES) expect(a.some((c) => c.labels.some((l) => l.type === type))).toBe(true);
  });

  it("labels are exact: each labelled span is the value written", () => {
    const c = parseLabelled("call ⟦phone|+44 20 7946 0958⟧ or ⟦email|a@example.com⟧.");
    expect(c.text).toBe("call +44 20 7946 0958 or a@example.com.");
    expect(c.labels.map((l) => c.text.slice(l.start, l.end))).toEqual(["+44 20 7946 0958", "a@example.com"]);
    expect(() => parseLabelled("⟦fax|1⟧")).toThrow();
  });

  it("the scorer counts a partial redaction as a miss and an unlabelled one as a false positive", () => {
    const cases = [parseLabelled("x ⟦phone|415-555-0132⟧ y")];
    const partial = scoreCases(cases, () => [{ type: "phone", start: 2, end: 9 }]);
    expect(partial.scores.phone.recall).toBe(0);
    expect(partial.scores.phone.precision).toBe(1);
    const wrong = scoreCases(cases, () => [{ type: "phone", start: 0, end: 1 }]);
    expect(wrong.scores.phone.precision).toBe(0);
  });
});
