/**
 * `npx tsx test/redact/eval/report.ts [--mistakes]`: precision and recall of moatkit/redact per
 * type on the generated set and on the hand-written outside-style set, as Markdown tables.
 */
import { createRedactor } from "../../../src/redact/index.js";
import { generateEvalCases } from "./generator.js";
import { OUTSIDE_CASES } from "./outside.js";
import { formatTable, scoreCases } from "./score.js";

const redactor = createRedactor();
const find = (text: string) => redactor.findAll(text);
const showMistakes = process.argv.includes("--mistakes");

for (const [title, cases] of [
  ["Generated set (test/redact/eval/generator.ts)", generateEvalCases()],
  ["Outside-style set (test/redact/eval/outside.ts)", OUTSIDE_CASES],
] as const) {
  const { scores, mistakes } = scoreCases(cases, find);
  console.log(`${formatTable(`${title}: ${String(cases.length)} lines`, scores)}\n`);
  if (showMistakes)
    for (const m of mistakes.slice(0, 60)) console.log(`${m.kind} ${m.type}: ${m.value}    in: ${m.text}`);
}
