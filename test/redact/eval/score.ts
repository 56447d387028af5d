/**
 * Span-level scoring for the redaction evaluation (issue 19, "Must show").
 *
 * - A label is recalled when one redaction of its type covers it completely.
 * - A redaction is correct when it overlaps a label of its own type; one that overlaps no label
 *   of its type (none at all, or only another type's) is a false positive.
 */

export type EvalType = "email" | "ssn" | "phone" | "credit_card";
export const EVAL_TYPES: readonly EvalType[] = ["email", "ssn", "phone", "credit_card"];

/** A labelled value or a redaction: `[start, end)` in the text it belongs to. */
export interface Span {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

/** One labelled line. */
export interface EvalCase {
  readonly text: string;
  readonly labels: readonly Span[];
}

export interface TypeScore {
  readonly labels: number;
  readonly recalled: number;
  readonly predicted: number;
  readonly correct: number;
  readonly precision: number;
  readonly recall: number;
}

/** The misses and false positives behind a score, for reading. */
export interface Mistake {
  readonly kind: "missed" | "false positive";
  readonly type: string;
  readonly value: string;
  readonly text: string;
}

/** Scores `find` on `cases`: per type, and the mistakes. */
export function scoreCases(
  cases: readonly EvalCase[],
  find: (text: string) => readonly Span[],
): { scores: Record<EvalType, TypeScore>; mistakes: Mistake[] } {
  const counts = Object.fromEntries(
    EVAL_TYPES.map((t) => [t, { labels: 0, recalled: 0, predicted: 0, correct: 0 }]),
  ) as Record<EvalType, { labels: number; recalled: number; predicted: number; correct: number }>;
  const mistakes: Mistake[] = [];
  for (const c of cases) {
    const predicted = find(c.text);
    for (const label of c.labels) {
      const count = counts[label.type as EvalType];
      count.labels++;
      const covered = predicted.some((p) => p.type === label.type && p.start <= label.start && p.end >= label.end);
      if (covered) count.recalled++;
      else
        mistakes.push({ kind: "missed", type: label.type, value: c.text.slice(label.start, label.end), text: c.text });
    }
    for (const p of predicted) {
      const count = counts[p.type as EvalType] as (typeof counts)[EvalType] | undefined;
      if (count === undefined) continue;
      count.predicted++;
      const overlaps = c.labels.some((l) => l.type === p.type && l.start < p.end && p.start < l.end);
      if (overlaps) count.correct++;
      else mistakes.push({ kind: "false positive", type: p.type, value: c.text.slice(p.start, p.end), text: c.text });
    }
  }
  const scores = Object.fromEntries(
    EVAL_TYPES.map((t) => {
      const k = counts[t];
      return [
        t,
        {
          ...k,
          precision: k.predicted === 0 ? 1 : k.correct / k.predicted,
          recall: k.labels === 0 ? 1 : k.recalled / k.labels,
        },
      ];
    }),
  ) as Record<EvalType, TypeScore>;
  return { scores, mistakes };
}

/** The per-type table as Markdown. */
export function formatTable(title: string, scores: Record<EvalType, TypeScore>): string {
  const rows = EVAL_TYPES.map((t) => {
    const s = scores[t];
    return `| ${t} | ${String(s.labels)} | ${String(s.recalled)} | ${String(s.predicted)} | ${String(s.predicted - s.correct)} | ${s.precision.toFixed(4)} | ${s.recall.toFixed(4)} |`;
  });
  return [
    `### ${title}`,
    "",
    "| type | labels | recalled | redactions | false positives | precision | recall |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}

/**
 * Parses inline-labelled text: `⟦phone|+44 20 7946 0958⟧` is the value `+44 20 7946 0958`
 * labelled phone. Everything else is plain text.
 */
export function parseLabelled(line: string): EvalCase {
  let text = "";
  const labels: Span[] = [];
  let i = 0;
  while (i < line.length) {
    const open = line.indexOf("⟦", i);
    if (open === -1) {
      text += line.slice(i);
      break;
    }
    text += line.slice(i, open);
    const bar = line.indexOf("|", open);
    const close = line.indexOf("⟧", open);
    if (bar === -1 || close === -1 || bar > close) throw new Error(`bad label in: ${line}`);
    const type = line.slice(open + 1, bar);
    if (!EVAL_TYPES.includes(type as EvalType)) throw new Error(`unknown label type ${type} in: ${line}`);
    const value = line.slice(bar + 1, close);
    labels.push({ type, start: text.length, end: text.length + value.length });
    text += value;
    i = close + 1;
  }
  return { text, labels };
}
