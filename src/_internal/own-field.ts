/**
 * Reading fields of untrusted objects: only own data properties count, so a polluted prototype
 * or a getter that answers differently on each read cannot smuggle a value past a check.
 */

/** The value of `key` if it is an own data property of `value`, else undefined. */
export function ownField(value: unknown, key: string): unknown {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  // No descriptor to build for an absent key (the common case for optional fields).
  if (!Object.hasOwn(value, key)) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(value, key);
  if (descriptor === undefined || !("value" in descriptor)) return undefined;
  const field: unknown = descriptor.value;
  return field;
}

/** Whether `value` is a plain object (`{}` literal, JSON.parse output or null-prototype). */
export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
