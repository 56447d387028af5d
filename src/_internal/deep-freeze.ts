/**
 * Deep freezing, for records a store or manager hands out without copying on every read: a
 * caller that mutates one gets a TypeError in strict mode instead of silently changing what
 * the next caller sees.
 */

/** Freezes `value` and everything reachable through its own enumerable properties; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
