/**
 * What `phoneDetector({ regions })` costs: redaction speed with national formats on, against the
 * default redactor in the same run (the labelled corpus of test/redact/corpus.ts, whole and line
 * by line), and precision per region (the negative log lines of
 * test/redact/phone-regions-negatives.ts plus the labelled corpus; docs/phone-regions.md has
 * every region).
 *
 * MB/s are of CPU time (process.cpuUsage), the median of interleaved runs, as in
 * redact.bench.ts: on a shared machine wall time mostly measures the scheduler.
 */
import { createRedactor, phoneDetector, PHONE_REGIONS, type Redactor } from "../src/redact/index.js";
import { type Corpus, generateCorpus } from "../test/redact/corpus.js";
import { measureRegions } from "../test/redact/measure-phone-regions.js";
import { generateNegativeLines } from "../test/redact/phone-regions-negatives.js";
import { type Metric, defineBenchSuite } from "./harness.js";
import { cpuThroughput } from "./stats.js";

const NAMED = ["GB", "DE", "FR", "IN", "BR", "JP", "AU", "ES", "IT", "NL", "MX"];

let corpus: Corpus;
let bytes = 0;
let defaults: Redactor;
let named: Redactor;
let every: Redactor;

const withRegions = (regions: readonly string[]): Redactor =>
  createRedactor({ detectors: ["email", "ssn", phoneDetector({ regions }), "credit_card"] });

export default defineBenchSuite({
  title: "moatkit/redact with national phone formats (phoneDetector({ regions }))",
  setup: () => {
    corpus = generateCorpus();
    bytes = Buffer.byteLength(corpus.text, "utf8");
    defaults = createRedactor();
    named = withRegions(NAMED);
    every = withRegions(PHONE_REGIONS);
    return Promise.resolve();
  },
  groups: [
    {
      kind: "metrics",
      name: "redact the labelled corpus, MB/s of CPU time (median of interleaved runs)",
      baseline: "default",
      higherIsBetter: true,
      run: () =>
        Promise.resolve(
          cpuThroughput(
            {
              default: () => defaults.redact(corpus.text),
              "11 regions": () => named.redact(corpus.text),
              [`every region (${String(PHONE_REGIONS.length)})`]: () => every.redact(corpus.text),
              "default, line by line": () => {
                for (const line of corpus.lines) defaults.redact(line.text);
              },
              "11 regions, line by line": () => {
                for (const line of corpus.lines) named.redact(line.text);
              },
            },
            bytes,
            5,
            4,
          ),
        ),
    },
    {
      kind: "metrics",
      name: "phone precision with one region on (labelled corpus + 6,000 negative log lines)",
      baseline: "default",
      higherIsBetter: true,
      run: () => {
        const negatives = generateNegativeLines();
        const base = measureRegions(undefined, negatives, 0);
        const metrics: Metric[] = [{ task: "default", value: base.precision, unit: "precision" }];
        for (const region of NAMED) {
          const cost = measureRegions([region], negatives, base.negativeMatches);
          metrics.push({ task: region, value: cost.precision, unit: "precision" });
          metrics.push({ task: `${region}: added false phones`, value: cost.extraPerThousand, unit: "per 1k lines" });
        }
        const all = measureRegions(NAMED, negatives, base.negativeMatches);
        metrics.push({ task: "11 regions", value: all.precision, unit: "precision" });
        metrics.push({ task: "11 regions: added false phones", value: all.extraPerThousand, unit: "per 1k lines" });
        return Promise.resolve(metrics);
      },
    },
  ],
});
