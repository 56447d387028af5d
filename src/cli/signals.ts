/**
 * Ctrl-C handling for long commands: the first SIGINT (or SIGTERM) asks the command to stop at
 * the next safe point through an AbortSignal; a second one exits at once with status 130.
 */
import { EXIT, printErr } from "./output.js";

/** A stop request raised by Ctrl-C. */
export interface Interrupt {
  /** Aborted at the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** Removes the handlers. */
  dispose(): void;
}

/** Installs the handlers; `notice` is called once, at the first signal. */
export function onInterrupt(notice: () => void): Interrupt {
  const controller = new AbortController();
  const handler = (): void => {
    if (controller.signal.aborted) {
      printErr("stopped");
      process.exit(EXIT.interrupted);
    }
    controller.abort();
    notice();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
