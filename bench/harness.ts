/**
 * The benchmark harness. Every bench file default-exports a suite whose groups compare moatkit
 * against a named peer or the raw primitive, measured in the same run; the runner prints one
 * table per file with a ratio column and writes every figure to bench/results.json.
 *
 * Benchmarks are not tests: targets are printed as met or missed, never fail the run.
 */
import { Bench } from "tinybench";

/** A throughput comparison: every task is timed and divided by the baseline task's ops/s. */
export interface ThroughputGroup {
  readonly kind?: "throughput";
  readonly name: string;
  /** The task every ratio is computed against (a peer library or the raw primitive). */
  readonly baseline: string;
  readonly tasks: Readonly<Record<string, () => unknown>>;
  /** Printed targets: `task` must reach `minRatio` × baseline. */
  readonly targets?: readonly { task: string; minRatio: number }[];
  /** Minimum time per task in ms (default 500, or BENCH_TIME). */
  readonly timeMs?: number;
}

/** One custom measurement (event-loop delay, bytes of overhead, precision …). */
export interface Metric {
  readonly task: string;
  readonly value: number;
  readonly unit: string;
}

/** A group that measures something other than ops/s; ratios are value ÷ baseline value. */
export interface MetricsGroup {
  readonly kind: "metrics";
  readonly name: string;
  readonly baseline?: string;
  /** Whether a larger value is better (ops/s, MB/s) or worse (delay, bytes). */
  readonly higherIsBetter: boolean;
  readonly run: () => Promise<readonly Metric[]>;
  /** Printed targets: `task` against the baseline (`minRatio`), or an absolute bound. */
  readonly targets?: readonly (
    { task: string; minRatio: number } | { task: string; max: number } | { task: string; min: number }
  )[];
}

export type BenchGroup = ThroughputGroup | MetricsGroup;

export interface BenchSuite {
  readonly title: string;
  /** Runs once before the groups (open databases, build corpora). */
  readonly setup?: () => Promise<void>;
  /** Runs once after the groups. */
  readonly teardown?: () => Promise<void>;
  readonly groups: readonly BenchGroup[];
}

/** Identity helper that types a suite. */
export function defineBenchSuite(suite: BenchSuite): BenchSuite {
  return suite;
}

export interface Row {
  readonly group: string;
  readonly task: string;
  readonly value: number;
  readonly unit: string;
  readonly rme?: number;
  readonly ratio?: number;
  readonly target?: string;
}

function benchTime(group: ThroughputGroup): number {
  const fromEnv = Number(process.env.BENCH_TIME);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  return group.timeMs ?? 500;
}

async function runThroughput(group: ThroughputGroup): Promise<Row[]> {
  const bench = new Bench({ time: benchTime(group), warmupTime: 100, throws: true });
  for (const [name, fn] of Object.entries(group.tasks)) bench.add(name, fn);
  await bench.run();
  const opsOf = new Map<string, { ops: number; rme: number }>();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== "completed") throw new Error(`bench task "${task.name}" did not complete (${r.state})`);
    opsOf.set(task.name, { ops: r.throughput.mean, rme: r.throughput.rme });
  }
  const base = opsOf.get(group.baseline)?.ops;
  if (base === undefined) throw new Error(`group "${group.name}" has no baseline task "${group.baseline}"`);
  return [...opsOf].map(([task, { ops, rme }]) => {
    const ratio = ops / base;
    const target = group.targets?.find((t) => t.task === task);
    return {
      group: group.name,
      task,
      value: ops,
      unit: "ops/s",
      rme,
      ratio,
      ...(target === undefined
        ? {}
        : { target: `≥ ${String(target.minRatio)}× ${ratio >= target.minRatio ? "met" : "MISSED"}` }),
    };
  });
}

async function runMetrics(group: MetricsGroup): Promise<Row[]> {
  const metrics = await group.run();
  const base = group.baseline === undefined ? undefined : metrics.find((m) => m.task === group.baseline)?.value;
  return metrics.map((m) => {
    // Ratios always read "how many times better than the baseline".
    const ratio =
      base === undefined || base === 0 || m.value === 0
        ? undefined
        : group.higherIsBetter
          ? m.value / base
          : base / m.value;
    // A task may have several targets (a ratio and an absolute bound): each is printed.
    const texts = (group.targets ?? [])
      .filter((x) => x.task === m.task)
      .map((t) => {
        if ("minRatio" in t)
          return `≥ ${String(t.minRatio)}× ${ratio !== undefined && ratio >= t.minRatio ? "met" : "MISSED"}`;
        if ("max" in t) return `≤ ${String(t.max)} ${m.unit} ${m.value <= t.max ? "met" : "MISSED"}`;
        return `≥ ${String(t.min)} ${m.unit} ${m.value >= t.min ? "met" : "MISSED"}`;
      });
    const target = texts.length === 0 ? undefined : texts.join("; ");
    return {
      group: group.name,
      task: m.task,
      value: m.value,
      unit: m.unit,
      ...(ratio === undefined ? {} : { ratio }),
      ...(target === undefined ? {} : { target }),
    };
  });
}

export async function runSuite(suite: BenchSuite): Promise<Row[]> {
  await suite.setup?.();
  const rows: Row[] = [];
  try {
    for (const group of suite.groups) {
      rows.push(...(group.kind === "metrics" ? await runMetrics(group) : await runThroughput(group)));
    }
  } finally {
    await suite.teardown?.();
  }
  return rows;
}

function formatNumber(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString("en-US");
  if (n >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/** Renders rows as a plain-text table, one block per group. */
export function formatTable(title: string, rows: readonly Row[]): string {
  const header = ["group", "task", "value", "±%", "ratio", "target"];
  const body = rows.map((r) => [
    r.group,
    r.task,
    `${formatNumber(r.value)} ${r.unit}`,
    r.rme === undefined ? "" : r.rme.toFixed(1),
    r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
    r.target ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [`\n## ${title}`, line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/**
 * Ops/s of each task, measured in alternating batches (order reversed every round) so that both
 * sides see the same load: on a machine shared with other jobs, tinybench's task-after-task
 * timing can swing a ratio by ±40 % between runs.
 */
export async function interleaved(
  tasks: Readonly<Record<string, () => Promise<unknown>>>,
  rounds = 400,
  batch = 25,
): Promise<Metric[]> {
  const names = Object.keys(tasks);
  const elapsed = new Map(names.map((n) => [n, 0]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const task = tasks[name];
      if (task === undefined) continue;
      const started = performance.now();
      for (let i = 0; i < batch; i++) await task();
      elapsed.set(name, (elapsed.get(name) ?? 0) + performance.now() - started);
    }
  }
  return names.map((task) => ({ task, value: (rounds * batch) / ((elapsed.get(task) ?? 1) / 1000), unit: "ops/s" }));
}
