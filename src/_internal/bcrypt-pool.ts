/**
 * bcrypt on worker threads. bcryptjs's async API only slices the work (about 100 ms at a time,
 * and concurrent hashes chain their slices), so on the main thread one cost-12 hash stalls the
 * event loop for ~100 ms and four concurrent ones for ~400 ms. Here every hash and compare runs
 * synchronously inside a small pool of worker threads, so the loop stays free and every core
 * works.
 *
 * The worker is an eval'd CommonJS script that `require`s bcryptjs by the absolute path this
 * module resolves, so the same code works from `src/` (vitest, tsx) and from the built `dist/`
 * without shipping or locating a separate worker file. Workers are spawned lazily, are `ref`'d
 * only while they run a task (an idle pool never keeps the process alive, and a pending task
 * always does), and a crashed worker is replaced on the next task.
 *
 * The queue is bounded and fair. Each task may carry a key (the client or account it is done
 * for): keys are served round-robin, the lane whose last task started longest ago going next, so
 * one caller flooding the pool delays another by at most the tasks already running. A key may
 * have `maxQueuedPerKey` tasks pending, all keys together `maxQueued` waiting; beyond either,
 * and for a task that waits longer than `queueTimeoutMs`, the caller gets ERR_OVERLOADED at once
 * with `details.retryAfterMs`. A task's AbortSignal drops it from the queue, or stops the worker
 * running it.
 *
 * Calls go through the exported {@link bcryptWorkers} object (not bare functions) so tests can
 * count bcrypt operations with a spy.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { MoatError } from "../errors.js";
import { parseBcryptHash } from "./bcrypt-format.js";

export {
  DEFAULT_BCRYPT_COST,
  MAX_BCRYPT_COST,
  MIN_BCRYPT_COST,
  bcryptCostSchema,
  bcryptSalt,
  parseBcryptHash,
} from "./bcrypt-format.js";

type TaskMessage =
  | { readonly op: "hash"; readonly password: string; readonly salt: string }
  | { readonly op: "compare"; readonly password: string; readonly hash: string };

/** How one bcrypt task is queued: whose share it counts against, and when to give up on it. */
export interface BcryptTaskOptions {
  /**
   * The caller the work is done for (a client address, an account). Tasks with a key are
   * served round-robin with other keys and at most `maxQueuedPerKey` of them may be pending;
   * tasks without one share a single lane of their own.
   */
  readonly key?: string | undefined;
  /** Aborts the task: a queued task is dropped, a running one has its worker stopped. */
  readonly signal?: AbortSignal | undefined;
}

interface Task {
  readonly message: TaskMessage;
  readonly lane: Lane;
  readonly resolve: (value: string | boolean) => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
  slot: Slot | undefined;
  startedAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  detach: (() => void) | undefined;
}

/** The tasks of one key: queued ones in order, and how many are running. */
interface Lane {
  readonly key: string | undefined;
  readonly queued: Task[];
  running: number;
  /** The dispatch number of the lane's last task to start; the lowest goes next. */
  lastServed: number;
}

interface Slot {
  readonly worker: Worker;
  task: Task | undefined;
}

// Plain CommonJS so it needs no loader: `eval: true` workers run scripts, not modules.
const WORKER_SOURCE = `"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const bcrypt = require(workerData.bcryptPath);
parentPort.on("message", (task) => {
  let reply;
  try {
    const value = task.op === "hash" ? bcrypt.hashSync(task.password, task.salt) : bcrypt.compareSync(task.password, task.hash);
    reply = { ok: true, value };
  } catch {
    reply = { ok: false };
  }
  parentPort.postMessage(reply);
});
`;

let bcryptPath: string | undefined;
function resolveBcrypt(): string {
  bcryptPath ??= createRequire(import.meta.url).resolve("bcryptjs");
  return bcryptPath;
}

// One core is left to the event loop: measured on a shared 2-core machine, two busy workers
// stalled the loop 90–150 ms (the scheduler charges their time to the same process), one worker
// barely above an idle process's own noise. More than 4 rarely pays for itself.
function defaultMaxWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

let maxWorkers = defaultMaxWorkers();
const slots: Slot[] = [];

/** The queue's bounds; see configurePasswordWorkers. */
export interface BcryptQueueLimits {
  /** Tasks that may wait for a worker, all keys together. */
  readonly maxQueued: number;
  /** Tasks one key may have waiting or running. */
  readonly maxQueuedPerKey: number;
  /** How long a task may wait for a worker before it is dropped. */
  readonly queueTimeoutMs: number;
}

/** The queue bounds moatkit starts with. */
export const DEFAULT_BCRYPT_QUEUE_LIMITS: BcryptQueueLimits = Object.freeze({
  maxQueued: 256,
  maxQueuedPerKey: 16,
  queueTimeoutMs: 10_000,
});

let limits: BcryptQueueLimits = DEFAULT_BCRYPT_QUEUE_LIMITS;
const lanes = new Map<string | undefined, Lane>();
let queuedTotal = 0;
let dispatched = 0;
// A running estimate of one task's run time, for Retry-After; starts at a cost-12 compare.
let averageRunMs = 250;

function workerFailed(cause?: unknown): MoatError {
  return new MoatError("ERR_UNSUPPORTED", {
    message: "bcrypt worker thread failed",
    ...(cause === undefined ? {} : { cause }),
  });
}

function overloaded(message: string): MoatError {
  // The time for the queue ahead to drain through the workers, at least a second.
  const estimate = Math.ceil(averageRunMs * (queuedTotal / Math.max(1, maxWorkers) + 1));
  const retryAfterMs = Math.min(60_000, Math.max(1_000, estimate));
  return new MoatError("ERR_OVERLOADED", { message, details: { retryAfterMs } });
}

function aborted(signal: AbortSignal): MoatError {
  return new MoatError("ERR_ABORTED", { message: "bcrypt task aborted", cause: signal.reason });
}

function isReply(value: unknown): value is { ok: true; value: string | boolean } | { ok: false } {
  if (typeof value !== "object" || value === null || !("ok" in value)) return false;
  if (value.ok === false) return true;
  return value.ok === true && "value" in value && (typeof value.value === "string" || typeof value.value === "boolean");
}

function removeSlot(slot: Slot): void {
  const i = slots.indexOf(slot);
  if (i !== -1) slots.splice(i, 1);
}

function dropLaneIfIdle(lane: Lane): void {
  if (lane.queued.length === 0 && lane.running === 0) lanes.delete(lane.key);
}

function unqueue(task: Task): void {
  const i = task.lane.queued.indexOf(task);
  if (i === -1) return;
  task.lane.queued.splice(i, 1);
  queuedTotal--;
  clearTimeout(task.timer);
}

/** Settles a task once: whatever reports last (a reply, an abort, a deadline) is ignored. */
function settle(task: Task, outcome: { value: string | boolean } | { error: unknown }): void {
  if (task.settled) return;
  task.settled = true;
  unqueue(task);
  if (task.slot !== undefined) {
    task.lane.running--;
    task.slot = undefined;
  }
  task.detach?.();
  dropLaneIfIdle(task.lane);
  if ("value" in outcome) task.resolve(outcome.value);
  else task.reject(outcome.error);
}

function spawn(): Slot {
  // execArgv: [] keeps the parent's loaders (tsx, vitest) out of a worker that needs none.
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: resolveBcrypt() }, execArgv: [] });
  const slot: Slot = { worker, task: undefined };
  worker.on("message", (reply: unknown) => {
    const task = slot.task;
    slot.task = undefined;
    worker.unref();
    if (slots.length > maxWorkers) {
      removeSlot(slot);
      void worker.terminate();
    }
    if (task !== undefined) {
      averageRunMs = 0.8 * averageRunMs + 0.2 * (performance.now() - task.startedAt);
      settle(task, isReply(reply) && reply.ok ? { value: reply.value } : { error: workerFailed() });
    }
    dispatch();
  });
  const fail = (cause?: unknown): void => {
    removeSlot(slot);
    const task = slot.task;
    slot.task = undefined;
    if (task !== undefined) settle(task, { error: workerFailed(cause) });
    dispatch();
  };
  worker.on("error", fail);
  worker.on("exit", () => {
    fail();
  });
  slots.push(slot);
  return slot;
}

/** The lane whose last task started longest ago, among those with work waiting. */
function nextLane(): Lane | undefined {
  let best: Lane | undefined;
  for (const lane of lanes.values()) {
    if (lane.queued.length > 0 && (best === undefined || lane.lastServed < best.lastServed)) best = lane;
  }
  return best;
}

function dispatch(): void {
  while (queuedTotal > 0) {
    let slot = slots.find((s) => s.task === undefined);
    if (slot === undefined) {
      if (slots.length >= maxWorkers) return;
      try {
        slot = spawn();
      } catch (cause) {
        // Worker threads unavailable (e.g. a permission model that forbids them): fail closed.
        for (const lane of [...lanes.values()])
          for (const task of [...lane.queued]) settle(task, { error: workerFailed(cause) });
        return;
      }
    }
    const lane = nextLane();
    const task = lane?.queued[0];
    if (lane === undefined || task === undefined) return;
    unqueue(task);
    lane.running++;
    lane.lastServed = ++dispatched;
    task.slot = slot;
    task.startedAt = performance.now();
    slot.task = task;
    slot.worker.ref();
    slot.worker.postMessage(task.message);
  }
}

/** Stops the worker running `task` (it is replaced on demand) and rejects the task. */
function abortTask(task: Task, signal: AbortSignal): void {
  const slot = task.slot;
  if (slot !== undefined && slot.task === task) {
    removeSlot(slot);
    slot.task = undefined;
    void slot.worker.terminate();
  }
  settle(task, { error: aborted(signal) });
  dispatch();
}

function laneFor(key: string | undefined): Lane {
  let lane = lanes.get(key);
  if (lane === undefined) {
    // A new lane goes before every lane served since it arrived, and after those waiting longer.
    lane = { key, queued: [], running: 0, lastServed: dispatched - 0.5 };
    lanes.set(key, lane);
  }
  return lane;
}

function submit(message: TaskMessage, options: BcryptTaskOptions = {}): Promise<string | boolean> {
  const { key, signal } = options;
  if (signal?.aborted === true) return Promise.reject(aborted(signal));
  const lane = laneFor(key);
  let refusal: MoatError | undefined;
  if (key !== undefined && lane.queued.length + lane.running >= limits.maxQueuedPerKey) {
    refusal = overloaded("too many bcrypt tasks are pending for this caller");
  } else if (queuedTotal >= limits.maxQueued) {
    refusal = overloaded("the bcrypt queue is full");
  }
  if (refusal !== undefined) {
    dropLaneIfIdle(lane);
    return Promise.reject(refusal);
  }
  return new Promise((resolve, reject) => {
    const task: Task = {
      message,
      lane,
      resolve,
      reject,
      settled: false,
      slot: undefined,
      startedAt: 0,
      timer: undefined,
      detach: undefined,
    };
    task.timer = setTimeout(() => {
      settle(task, { error: overloaded("a bcrypt task waited too long for a worker") });
    }, limits.queueTimeoutMs);
    task.timer.unref();
    if (signal !== undefined) {
      const onAbort = (): void => {
        abortTask(task, signal);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      task.detach = () => {
        signal.removeEventListener("abort", onAbort);
      };
    }
    lane.queued.push(task);
    queuedTotal++;
    dispatch();
  });
}

/**
 * The bcrypt operations moatkit runs, each on a worker thread. Inputs are validated by the
 * callers (password length and hash format); a failure here is a broken worker, not bad input.
 */
export const bcryptWorkers = {
  /** bcrypt of `password` with a full salt string (`$2b$12$` + 22 characters). */
  async hash(password: string, salt: string, options?: BcryptTaskOptions): Promise<string> {
    const value = await submit({ op: "hash", password, salt }, options);
    if (typeof value !== "string") throw workerFailed();
    return value;
  },
  /**
   * Whether `password` matches `hash` (bcryptjs compares in constant time). A hash of a cost
   * outside 4–20 is refused with ERR_INVALID_INPUT before any work: cost 31 would hold a worker
   * for days.
   */
  async compare(password: string, hash: string, options?: BcryptTaskOptions): Promise<boolean> {
    if (parseBcryptHash(hash) === null) throw new MoatError("ERR_INVALID_INPUT", { message: "not a bcrypt hash" });
    const value = await submit({ op: "compare", password, hash }, options);
    if (typeof value !== "boolean") throw workerFailed();
    return value;
  },
};

/** Sets the pool's maximum size; idle workers beyond it are stopped, busy ones when they finish. */
export function setBcryptWorkerCount(count: number): void {
  maxWorkers = count;
  for (const slot of slots.filter((s) => s.task === undefined).slice(0, Math.max(0, slots.length - count))) {
    removeSlot(slot);
    void slot.worker.terminate();
  }
  dispatch();
}

/** The pool's current maximum size. */
export function bcryptWorkerCount(): number {
  return maxWorkers;
}

/** Changes the queue's bounds; tasks already queued keep their deadline. */
export function setBcryptQueueLimits(changes: Partial<BcryptQueueLimits>): void {
  limits = Object.freeze({ ...limits, ...changes });
}

/** How many tasks wait and how many run, for tests. */
export function bcryptPoolState(): { readonly queued: number; readonly running: number } {
  return { queued: queuedTotal, running: slots.filter((s) => s.task !== undefined).length };
}

/** Terminates every worker; queued and running tasks are rejected with ERR_ABORTED. */
export async function shutdownBcryptWorkers(): Promise<void> {
  const error = new MoatError("ERR_ABORTED", { message: "bcrypt workers were shut down" });
  for (const lane of [...lanes.values()]) for (const task of [...lane.queued]) settle(task, { error });
  const running = slots.splice(0);
  for (const slot of running) {
    const task = slot.task;
    slot.task = undefined;
    if (task !== undefined) settle(task, { error });
  }
  await Promise.all(running.map((slot) => slot.worker.terminate()));
}
