/**
 * The login under attack (issue 18 items 1 and 2).
 *
 * 1. A flood: one client sends 49 login attempts at once (under loginLimiter's 50 per 15 min),
 *    then another user logs in. Their login time under the flood, divided by their login time on
 *    an idle pool. Target: ≤ 2×. The baseline is the queue before issue 18: one FIFO shared by
 *    every caller, reproduced here by giving every attempt the same queue key (and a share large
 *    enough to hold the whole flood).
 * 2. Timing of stored hashes bcrypt cannot use ("", "!", argon2, cost 31) against an unknown
 *    user: medians, and a two-sided Mann–Whitney U test per pair. A p-value well above 0.01 means
 *    the two are not told apart from that many samples; before issue 18 the unusable hashes threw
 *    in ~0.1 ms while an unknown user took a full compare.
 *
 * Part of `npm run bench -- passwords`. On shared cores the figures move between runs.
 */
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { isMoatError } from "../src/errors.js";
import { configurePasswordWorkers, createLogin, hashPassword, type Login } from "../src/passwords/index.js";
import type { Metric, MetricsGroup } from "./harness.js";
import { mannWhitneyP, median } from "./stats.js";

const COST = 12;
const FLOOD = 49;
const RUNS = 5;
const TIMING_COST = 10;
const TIMING_SAMPLES = 40;
const PASSWORD = "correct horse battery staple";
const ARGON2 = `$argon2id$v=19$m=65536,t=3,p=4$${"A".repeat(22)}$${"A".repeat(43)}`;
const COST_31 = `$2b$31$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy`;

interface User {
  readonly passwordHash: string | null;
}

async function makeLogin(cost: number, queueKey?: () => string): Promise<Login<User>> {
  const hash = await hashPassword(PASSWORD, { cost });
  const users = new Map<string, User>([
    ["victim", { passwordHash: hash }],
    ["target", { passwordHash: hash }],
    ["sso", { passwordHash: "" }],
    ["locked", { passwordHash: "!" }],
    ["argon2", { passwordHash: ARGON2 }],
    ["cost31", { passwordHash: COST_31 }],
  ]);
  const login = createLogin<User>({
    findUser: (id) => Promise.resolve(users.get(id) ?? null),
    cost,
    ...(queueKey === undefined ? {} : { queueKey }),
  });
  await login.login({ identifier: "warm-up", password: "x", ip: "192.0.2.1" });
  return login;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * The victim's login time when it arrives `delayMs` after one client sent its 49 attempts. With
 * no delay the flood's first attempt has only just started, the worst case for the victim; a
 * later arrival meets that attempt part done.
 */
async function underFlood(login: Login<User>, delayMs = 0): Promise<number> {
  const stop = new AbortController();
  setMaxListeners(FLOOD + 1, stop.signal);
  const flood = Array.from({ length: FLOOD }, (_, i) =>
    login
      .login({ identifier: "target", password: `guess ${String(i)}`, ip: "198.51.100.66", signal: stop.signal })
      .catch((e: unknown) => {
        if (!isMoatError(e, "ERR_OVERLOADED") && !isMoatError(e, "ERR_ABORTED")) throw e;
      }),
  );
  if (delayMs > 0) await sleep(delayMs);
  const ms = await timed(() => login.login({ identifier: "victim", password: PASSWORD, ip: "203.0.113.7" }));
  // The flood's remaining attempts are dropped (or their workers stopped) rather than waited for.
  stop.abort();
  await Promise.all(flood);
  // A stopped worker is replaced on the next task: start it now, outside the next measurement.
  await hashPassword("warm-up", { cost: 4 });
  return ms;
}

/** The victim under the same flood in one FIFO shared by every caller, as before issue 18. */
async function fifoBaseline(): Promise<number> {
  configurePasswordWorkers({ maxQueuedPerKey: 10_000, queueTimeoutMs: 600_000 });
  try {
    return await underFlood(await makeLogin(COST, () => "everyone"));
  } finally {
    configurePasswordWorkers({ maxQueuedPerKey: 16, queueTimeoutMs: 10_000 });
  }
}

let samplesOnce: Promise<Map<string, number[]>> | undefined;

/** Login times per kind of attempt, interleaved round by round so every kind sees the same load. */
function timingSamples(): Promise<Map<string, number[]>> {
  samplesOnce ??= (async () => {
    const login = await makeLogin(TIMING_COST);
    const cases: Record<string, { identifier: string; password: string }> = {
      "unknown user": { identifier: "nobody", password: PASSWORD },
      "wrong password": { identifier: "target", password: "wrong" },
      'stored "" (SSO-only)': { identifier: "sso", password: PASSWORD },
      'stored "!" (locked)': { identifier: "locked", password: PASSWORD },
      "stored argon2 hash": { identifier: "argon2", password: PASSWORD },
      "stored bcrypt cost 31": { identifier: "cost31", password: PASSWORD },
    };
    const samples = new Map(Object.keys(cases).map((name) => [name, [] as number[]]));
    for (let i = 0; i < TIMING_SAMPLES; i++) {
      for (const [name, attempt] of Object.entries(cases)) {
        samples.get(name)?.push(await timed(() => login.login({ ...attempt, ip: `203.0.113.${String(i)}` })));
      }
    }
    return samples;
  })();
  return samplesOnce;
}

/** The flood and the timing comparison, as groups of passwords.bench.ts. */
export const loginGroups: readonly MetricsGroup[] = [
  {
    kind: "metrics",
    name: `another user's login while one client has ${String(FLOOD)} attempts queued`,
    baseline: "victim login, idle pool",
    higherIsBetter: false,
    async run(): Promise<Metric[]> {
      const login = await makeLogin(COST);
      const idle: number[] = [];
      const worst: number[] = [];
      const during: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const idleMs = await timed(() => login.login({ identifier: "victim", password: PASSWORD, ip: "203.0.113.7" }));
        idle.push(idleMs);
        worst.push(await underFlood(login));
        // Arrivals spread evenly over one compare's time into the flood: 0.1, 0.3, … 0.9 of it.
        during.push(await underFlood(login, ((i + 0.5) / RUNS) * idleMs));
      }
      // Before issue 18: one FIFO for everyone. Once is enough: it takes the whole flood's time.
      const fifo = await fifoBaseline();
      const idleMs = median(idle);
      const duringMs = median(during);
      const worstMs = median(worst);
      return [
        { task: "victim login, idle pool", value: idleMs, unit: "ms" },
        { task: "victim login during the flood (fair queue)", value: duringMs, unit: "ms" },
        { task: "victim login as the flood starts (fair queue, worst case)", value: worstMs, unit: "ms" },
        { task: "victim login during the flood (one FIFO, before issue 18)", value: fifo, unit: "ms" },
        { task: "during flood ÷ idle", value: duringMs / idleMs, unit: "×" },
        { task: "worst case ÷ idle", value: worstMs / idleMs, unit: "×" },
      ];
    },
    targets: [
      { task: "during flood ÷ idle", max: 2 },
      { task: "worst case ÷ idle", max: 2 },
    ],
  },
  {
    kind: "metrics",
    name: `login time by stored hash, median of ${String(TIMING_SAMPLES)} interleaved samples (cost ${String(TIMING_COST)})`,
    baseline: "unknown user",
    higherIsBetter: false,
    async run(): Promise<Metric[]> {
      const samples = await timingSamples();
      return [...samples].map(([name, xs]) => ({ task: name, value: median(xs), unit: "ms" }));
    },
  },
  {
    kind: "metrics",
    name: "the same samples: two-sided Mann–Whitney U p-value against an unknown user",
    higherIsBetter: true,
    async run(): Promise<Metric[]> {
      const samples = await timingSamples();
      const unknown = samples.get("unknown user") ?? [];
      return [...samples]
        .filter(([name]) => name !== "unknown user")
        .map(([name, xs]) => ({ task: name, value: mannWhitneyP(xs, unknown), unit: "p" }));
    },
    targets: [
      { task: 'stored "" (SSO-only)', min: 0.01 },
      { task: 'stored "!" (locked)', min: 0.01 },
      { task: "stored argon2 hash", min: 0.01 },
      { task: "stored bcrypt cost 31", min: 0.01 },
    ],
  },
];
