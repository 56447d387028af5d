/** Small statistics for benches: a median, CPU-time throughput, and a two-sided Mann–Whitney U test. */
import type { Metric } from "./harness.js";

/** The median of `values` (NaN for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

// Abramowitz & Stegun 7.1.26: erf to about 1.5e-7, plenty for a p-value.
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-x * x));
}

/**
 * The two-sided p-value of the Mann–Whitney U test (normal approximation, ties given their
 * average rank): how likely samples this far apart are if `a` and `b` come from the same
 * distribution. Makes no assumption of normality, so one slow outlier does not decide it.
 */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): number {
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort((x, y) => x.v - y.v);
  let rankSumA = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]?.v === all[i]?.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k]?.first === true) rankSumA += rank;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  if (sd === 0) return Number.NaN;
  const z = Math.abs(u - mean) / sd;
  return 1 - erf(z / Math.SQRT2);
}

/**
 * MB/s of CPU time per task (process.cpuUsage: user + system, all threads): each task runs
 * `runsPerRound` times per round, tasks interleaved over `rounds`, after one warm-up run each; the
 * median run counts. On a shared machine CPU time says more than wall time, which mostly measures
 * how often the scheduler lets this process run.
 */
export function cpuThroughput(
  tasks: Readonly<Record<string, () => unknown>>,
  bytes: number,
  rounds: number,
  runsPerRound: number | Readonly<Record<string, number>>,
): Metric[] {
  const samples = new Map<string, number[]>();
  for (const fn of Object.values(tasks)) fn(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(tasks)) {
      const runs = typeof runsPerRound === "number" ? runsPerRound : (runsPerRound[name] ?? 1);
      for (let k = 0; k < runs; k++) {
        const before = process.cpuUsage();
        fn();
        const used = process.cpuUsage(before);
        const list = samples.get(name) ?? [];
        list.push((used.user + used.system) / 1000);
        samples.set(name, list);
      }
    }
  }
  return [...samples].map(([task, ms]) => ({ task, value: bytes / 1e6 / (median(ms) / 1000), unit: "MB/s (CPU)" }));
}
