import { z } from "zod";
import { setBcryptWorkerCount, shutdownBcryptWorkers } from "../_internal/bcrypt-pool.js";
import { parseOptions } from "../_internal/options.js";

/** Options for {@link configurePasswordWorkers}. */
export interface PasswordWorkerOptions {
  /**
   * How many worker threads may run bcrypt at once (1–64). Default: one fewer than the cores
   * (at least 1, at most 4), leaving a core to the event loop. Raise it on a machine that does
   * little else and needs bcrypt throughput; lower it when the process shares its cores
   * (containers often report more cores than their CPU quota gives them).
   */
  readonly maxWorkers: number;
}

const schema = z.strictObject({ maxWorkers: z.number().int().min(1).max(64) });

/**
 * Sizes the worker-thread pool that runs every bcrypt hash and compare (passwords and recovery
 * codes). Workers start on first use and never keep the process alive while idle.
 *
 * @throws MoatError ERR_CONFIG for an invalid size.
 * @example
 * ```ts
 * import { configurePasswordWorkers } from "moatkit/passwords";
 * configurePasswordWorkers({ maxWorkers: 2 });
 * ```
 */
export function configurePasswordWorkers(options: PasswordWorkerOptions): void {
  const { maxWorkers } = parseOptions(schema, options, "configurePasswordWorkers options");
  setBcryptWorkerCount(maxWorkers);
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
