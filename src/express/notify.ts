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
