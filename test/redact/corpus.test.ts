import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/redactor.js";
import { formatScores, generateCorpus, scoreSpans } from "./corpus.js";

describe("labelled corpus", () => {
  const corpus = generateCorpus();

  it("is deterministic and large enough", () => {
    expect(corpus.lines.length).toBeGreaterThanOrEqual(5000);
    expect(generateCorpus().text).toBe(corpus.text);
    for (const kind of ["access", "app", "json", "chat", "noise"])
      expect(corpus.lines.some((l) => l.kind === kind)).toBe(true);
    for (const type of ["email", "ssn", "phone", "credit_card"])
      expect(corpus.spans.filter((s) => s.type === type).length).toBeGreaterThan(500);
  });

  it("scores precision and recall of at least 0.98 per type (exact spans)", () => {
    const scores = scoreSpans(corpus.spans, createRedactor().findAll(corpus.text));
    console.log(
      formatScores(`moatkit/redact on ${String(corpus.lines.length)} generated lines (exact span match)`, scores),
    );
    for (const [type, s] of Object.entries(scores)) {
      expect(s.precision, `${type} precision`).toBeGreaterThanOrEqual(0.98);
      expect(s.recall, `${type} recall`).toBeGreaterThanOrEqual(0.98);
    }
  });

  it("gives the same spans line by line as on the whole text", () => {
    const redactor = createRedactor();
    let offset = 0;
    const perLine: { type: string; start: number; end: number }[] = [];
    for (const line of corpus.lines) {
      for (const s of redactor.findAll(line.text))
        perLine.push({ type: s.type, start: s.start + offset, end: s.end + offset });
      offset += line.text.length + 1;
    }
    expect(perLine).toEqual(redactor.findAll(corpus.text));
  });
});
