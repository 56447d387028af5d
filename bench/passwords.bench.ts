/**
 * bcrypt without a blocked event loop, and recovery codes that cost one compare.
 *
 * 1. The longest event-loop stall (perf_hooks.monitorEventLoopDelay) while 8 cost-12 hashes run
 *    at once: moatkit's worker threads against synchronous bcryptjs on the main thread (the
 *    baseline) and bcryptjs's own async API (which only slices the work). Target: < 50 ms.
 * 2. The time to redeem a recovery code (a wrong one: the worst case for a loop) with moatkit's
 *    selector + one compare, against a naive loop over the 10 bcrypt hashes. Target: ≥ 5×.
 *
 * 3. and 4. The login under a flood from one client, and the timing of unusable stored hashes:
 *    see login-groups.ts.
 *
 * Each figure is the median of a few runs, with the loop delay of an idle process over the same
 * time printed beside it: on shared cores the machine's own scheduling noise sets a floor. Run the
 * bench more than once and read the steadier figures.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import bcrypt from "bcryptjs";
import { bcryptWorkers } from "../src/_internal/bcrypt-pool.js";
import { createMemoryRecoveryCodeStore } from "../src/adapters/memory/index.js";
import { createRecoveryCodes, type RecoveryCodes } from "../src/mfa/index.js";
import { hashPassword, shutdownPasswordWorkers } from "../src/passwords/index.js";
import { type Metric, defineBenchSuite } from "./harness.js";
import { loginGroups } from "./login-groups.js";
import { median } from "./stats.js";

const COST = 12;
const CONCURRENT = 8;
const RUNS = 3;

/** The longest event-loop delay (ms) and the wall time (ms) while `work` runs. */
async function measureLoop(work: () => Promise<unknown>): Promise<{ maxDelayMs: number; wallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  // The histogram records from its second tick on; let it tick before the work starts.
  await sleep(30);
  const start = performance.now();
  await work();
  const wallMs = performance.now() - start;
  // Let the delay timer fire once more, so a stall at the very end is recorded too.
  await sleep(30);
  histogram.disable();
  return { maxDelayMs: histogram.max / 1e6, wallMs };
}

/**
 * Median time per call of each function, the calls interleaved round by round so that every
 * contender sees the same load from whatever else shares the cores.
 */
async function interleaved(runs: number, fns: readonly (() => Promise<unknown>)[]): Promise<number[]> {
  const times = fns.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (const [j, fn] of fns.entries()) {
      const start = performance.now();
      await fn();
      times[j]?.push(performance.now() - start);
    }
  }
  return times.map(median);
}

const passwords = Array.from({ length: CONCURRENT }, (_, i) => `correct horse battery staple ${String(i)}`);

let recovery: RecoveryCodes | undefined;
let naiveHashes: string[] = [];
const WRONG_CODE = "ZZZZZ-ZZZZZ";

export default defineBenchSuite({
  title: "passwords and recovery codes (bcrypt cost 12)",
  async setup() {
    // Start the workers so their start-up is not measured.
    await Promise.all([hashPassword("warm-up", { cost: 4 }), hashPassword("warm-up", { cost: 4 })]);
    recovery = createRecoveryCodes({ store: createMemoryRecoveryCodeStore(), cost: COST });
    const codes = (await recovery.generate("bench-user")).reveal();
    // The same kind of set, hashed as a naive implementation would keep it.
    naiveHashes = await Promise.all(codes.map((c) => bcryptWorkers.hash(c.replace("-", ""), bcrypt.genSaltSync(COST))));
  },
  async teardown() {
    await shutdownPasswordWorkers();
  },
  groups: [
    {
      kind: "metrics",
      name: `max event-loop delay while ${String(CONCURRENT)} cost-${String(COST)} hashes run`,
      baseline: "bcryptjs hashSync (main thread)",
      higherIsBetter: false,
      async run(): Promise<Metric[]> {
        // Synchronous hashing stalls the loop for the whole batch; once is enough to show it.
        const sync = await measureLoop(() => {
          for (const pw of passwords) bcrypt.hashSync(pw, COST);
          return Promise.resolve();
        });
        const sliced: { maxDelayMs: number; wallMs: number }[] = [];
        const workers: { maxDelayMs: number; wallMs: number }[] = [];
        const idle: { maxDelayMs: number; wallMs: number }[] = [];
        for (let i = 0; i < RUNS; i++) {
          sliced.push(await measureLoop(() => Promise.all(passwords.map((pw) => bcrypt.hash(pw, COST)))));
          const w = await measureLoop(() => Promise.all(passwords.map((pw) => hashPassword(pw, { cost: COST }))));
          workers.push(w);
          // The same length of time with no work at all: the stall the machine itself causes
          // (other processes on the shared cores), which no library can go below.
          idle.push(await measureLoop(() => sleep(w.wallMs)));
        }
        const med = (xs: readonly { maxDelayMs: number; wallMs: number }[], key: "maxDelayMs" | "wallMs") =>
          median(xs.map((x) => x[key]));
        return [
          { task: "bcryptjs hashSync (main thread)", value: sync.maxDelayMs, unit: "ms" },
          { task: "bcryptjs hash (async API, main thread)", value: med(sliced, "maxDelayMs"), unit: "ms" },
          { task: "moatkit hashPassword (worker threads)", value: med(workers, "maxDelayMs"), unit: "ms" },
          { task: "no work at all (the machine's own noise)", value: med(idle, "maxDelayMs"), unit: "ms" },
          { task: "wall time: bcryptjs hashSync", value: sync.wallMs, unit: "ms" },
          { task: "wall time: bcryptjs hash (async)", value: med(sliced, "wallMs"), unit: "ms" },
          { task: "wall time: moatkit hashPassword", value: med(workers, "wallMs"), unit: "ms" },
        ];
      },
      targets: [{ task: "moatkit hashPassword (worker threads)", max: 50 }],
    },
    {
      kind: "metrics",
      name: "redeem a (wrong) recovery code from a set of 10",
      baseline: "naive loop: bcryptjs.compare over 10 hashes",
      higherIsBetter: false,
      async run(): Promise<Metric[]> {
        const codes = recovery;
        if (codes === undefined) throw new Error("setup did not run");
        const input = WRONG_CODE.replace("-", "");
        const [naive = Number.NaN, naiveOnWorkers = Number.NaN, moatkit = Number.NaN] = await interleaved(RUNS, [
          async () => {
            for (const hash of naiveHashes) if (await bcrypt.compare(input, hash)) return true;
            return false;
          },
          async () => (await Promise.all(naiveHashes.map((hash) => bcryptWorkers.compare(input, hash)))).includes(true),
          () => codes.redeem("bench-user", WRONG_CODE),
        ]);
        return [
          { task: "naive loop: bcryptjs.compare over 10 hashes", value: naive, unit: "ms" },
          { task: "naive: 10 compares on moatkit's worker pool", value: naiveOnWorkers, unit: "ms" },
          { task: "moatkit redeem (selector + 1 compare)", value: moatkit, unit: "ms" },
        ];
      },
      targets: [{ task: "moatkit redeem (selector + 1 compare)", minRatio: 5 }],
    },
    ...loginGroups,
  ],
});
