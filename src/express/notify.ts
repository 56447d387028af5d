import { withoutErrorInput } from "../redact/redact-deep.js";

/**
 * Calling an app's reporting hook (`onError`, `onFailure`). A hook that throws is ignored:
 * reporting a failure must never turn it into a second one or change the answer already chosen.
 */
export function notify<A extends unknown[]>(hook: ((...args: A) => void) | undefined, ...args: A): void {
  if (hook === undefined) return;
  try {
    hook(...args);
  } catch {
    // Ignored, see above.
  }
}

const UNREADABLE = "the thrown value could not be copied for logging";

/**
 * What an app's `onError` receives instead of the thrown value: a copy of the same class in
 * which values under sensitive keys and under keys that carry request input (`body`, `data`, …)
 * are withheld and a parser's message no longer quotes its input (see moatkit/redact's
 * redact-deep). A value that cannot be read (a hostile Proxy, a throwing getter) becomes a fixed error.
 */
export function loggableError(error: unknown): unknown {
  try {
    return withoutErrorInput(error, { asError: true });
  } catch {
    return new Error(UNREADABLE);
  }
}
