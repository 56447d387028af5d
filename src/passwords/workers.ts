import { z } from "zod";
import { setBcryptQueueLimits, setBcryptWorkerCount, shutdownBcryptWorkers } from "../_internal/bcrypt-pool.js";
import { parseOptions } from "../_internal/options.js";

/** Options for {@link configurePasswordWorkers}. */
export interface PasswordWorkerOptions {
  /**
   * How many worker threads may run bcrypt at once (1–64). Default: one fewer than the cores
   * (at least 1, at most 4), leaving a core to the event loop. Raise it on a machine that does
   * little else and needs bcrypt throughput; lower it when the process shares its cores
   * (containers often report more cores than their CPU quota gives them).
   */
  readonly maxWorkers?: number;
  /**
   * How many hashes and compares may wait for a worker, all callers together (1–100 000).
   * Default 256. Beyond it, calls fail at once with ERR_OVERLOADED.
   */
  readonly maxQueued?: number;
  /**
   * How many hashes and compares one caller may have waiting or running (1–10 000). Default 16.
   * A caller is the `queueKey` of a call: the client address for `createLogin` (or what its
   * `queueKey` option returns), the user for recovery-code redemption, whatever you pass to
   * `hashPassword`/`verifyPassword`. Calls without a key are bounded by `maxQueued` only. Callers
   * take turns for the workers, so one flooding the pool delays the others by at most the work
   * already running.
   */
  readonly maxQueuedPerKey?: number;
  /**
   * How long a call may wait for a worker before it fails with ERR_OVERLOADED, in ms
   * (1–600 000). Default 10 000. Once running, a call is only stopped by its AbortSignal.
   */
  readonly queueTimeoutMs?: number;
}

const schema = z.strictObject({
  maxWorkers: z.number().int().min(1).max(64).optional(),
  maxQueued: z.number().int().min(1).max(100_000).optional(),
  maxQueuedPerKey: z.number().int().min(1).max(10_000).optional(),
  queueTimeoutMs: z.number().int().min(1).max(600_000).optional(),
});

/**
 * Sizes the worker-thread pool that runs every bcrypt hash and compare (passwords and recovery
 * codes), and bounds its queue. Workers start on first use and never keep the process alive while
 * idle. Options left out keep their current value. A call refused because the queue (or its
 * caller's share) is full, or that waited past `queueTimeoutMs`, throws MoatError ERR_OVERLOADED
 * with `details.retryAfterMs`; `errorHandler()` answers it 503 with `Retry-After`.
 *
 * @throws MoatError ERR_CONFIG for an invalid size or limit.
 * @example
 * ```ts
 * import { configurePasswordWorkers } from "moatkit/passwords";
 * configurePasswordWorkers({ maxWorkers: 2, maxQueuedPerKey: 8, queueTimeoutMs: 5_000 });
 * ```
 */
export function configurePasswordWorkers(options: PasswordWorkerOptions): void {
  const { maxWorkers, ...limits } = parseOptions(schema, options, "configurePasswordWorkers options");
  const changes = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
  setBcryptQueueLimits(changes);
  if (maxWorkers !== undefined) setBcryptWorkerCount(maxWorkers);
}

/**
 * Stops every bcrypt worker (for graceful shutdown; not needed for the process to exit). Calls
 * still queued or running are rejected with ERR_ABORTED; later calls start new workers.
 *
 * @example
 * ```ts
 * process.on("SIGTERM", () => void shutdownPasswordWorkers());
 * ```
 */
export async function shutdownPasswordWorkers(): Promise<void> {
  await shutdownBcryptWorkers();
}
