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
 * Calls go through the exported {@link bcryptWorkers} object (not bare functions) so tests can
 * count bcrypt operations with a spy.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { encodeBase64 } from "bcryptjs";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { type RandomSource, randomBytes } from "./runtime.js";

/** The bcrypt cost moatkit uses unless told otherwise (2^12 rounds). */
export const DEFAULT_BCRYPT_COST = 12;

/** bcrypt cost for option schemas: bcryptjs's minimum is 4; above 20 one hash takes minutes. */
export const bcryptCostSchema: z.ZodType<number> = z.number().int().min(4).max(20);

const BCRYPT_HASH_RE = /^\$2([aby])\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** The version and cost of a bcrypt hash string, or `null` if it is not one. */
export function parseBcryptHash(hash: unknown): { readonly version: string; readonly cost: number } | null {
  if (typeof hash !== "string") return null;
  const m = BCRYPT_HASH_RE.exec(hash);
  if (m === null) return null;
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31) return null;
  return { version: `2${m[1] ?? ""}`, cost };
}

/** A `$2b$` salt string for `cost` from 16 random bytes. */
export function bcryptSalt(cost: number, random: RandomSource): string {
  return `$2b$${String(cost).padStart(2, "0")}$${encodeBase64(randomBytes(random, 16), 16)}`;
}

type TaskMessage =
  | { readonly op: "hash"; readonly password: string; readonly salt: string }
  | { readonly op: "compare"; readonly password: string; readonly hash: string };

interface Task {
  readonly message: TaskMessage;
  resolve(value: string | boolean): void;
  reject(error: unknown): void;
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
const queue: Task[] = [];

function workerFailed(cause?: unknown): MoatError {
  return new MoatError("ERR_UNSUPPORTED", {
    message: "bcrypt worker thread failed",
    ...(cause === undefined ? {} : { cause }),
  });
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
      if (isReply(reply) && reply.ok) task.resolve(reply.value);
      else task.reject(workerFailed());
    }
    dispatch();
  });
  const fail = (cause?: unknown): void => {
    removeSlot(slot);
    const task = slot.task;
    slot.task = undefined;
    task?.reject(workerFailed(cause));
    dispatch();
  };
  worker.on("error", fail);
  worker.on("exit", () => {
    fail();
  });
  slots.push(slot);
  return slot;
}

function dispatch(): void {
  while (queue.length > 0) {
    let slot = slots.find((s) => s.task === undefined);
    if (slot === undefined) {
      if (slots.length >= maxWorkers) return;
      try {
        slot = spawn();
      } catch (cause) {
        // Worker threads unavailable (e.g. a permission model that forbids them): fail closed.
        for (const task of queue.splice(0)) task.reject(workerFailed(cause));
        return;
      }
    }
    const task = queue.shift();
    if (task === undefined) return;
    slot.task = task;
    slot.worker.ref();
    slot.worker.postMessage(task.message);
  }
}

function submit(message: TaskMessage): Promise<string | boolean> {
  return new Promise((resolve, reject) => {
    queue.push({ message, resolve, reject });
    dispatch();
  });
}

/**
 * The bcrypt operations moatkit runs, each on a worker thread. Inputs are validated by the
 * callers (password length and hash format); a failure here is a broken worker, not bad input.
 */
export const bcryptWorkers = {
  /** bcrypt of `password` with a full salt string (`$2b$12$` + 22 characters). */
  async hash(password: string, salt: string): Promise<string> {
    const value = await submit({ op: "hash", password, salt });
    if (typeof value !== "string") throw workerFailed();
    return value;
  },
  /** Whether `password` matches `hash` (bcryptjs compares in constant time). */
  async compare(password: string, hash: string): Promise<boolean> {
    const value = await submit({ op: "compare", password, hash });
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

/** Terminates every worker; queued and running tasks are rejected with ERR_ABORTED. */
export async function shutdownBcryptWorkers(): Promise<void> {
  const aborted = new MoatError("ERR_ABORTED", { message: "bcrypt workers were shut down" });
  for (const task of queue.splice(0)) task.reject(aborted);
  const running = slots.splice(0);
  for (const slot of running) {
    slot.task?.reject(aborted);
    slot.task = undefined;
  }
  await Promise.all(running.map((slot) => slot.worker.terminate()));
}
