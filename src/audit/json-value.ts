/**
 * Audit payloads (`before`, `after`, `metadata`) arrive as whatever the application had at hand:
 * ORM rows with `undefined` fields and `Date`s. They are stored as JSON, and the hash is taken
 * over exactly what is stored, so each payload is first turned into a plain JSON value here:
 * `undefined` properties are dropped and `toJSON()` is honoured, as `JSON.stringify` does, but
 * anything JSON would silently change (NaN, BigInt, functions, Maps, cycles) is refused.
 */
import { isWellFormed } from "../_internal/canonical-json.js";

/** A JSON value as stored in an audit event. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;

/** A JSON object as stored in an audit event. */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** Where a value could not be represented, and why (never the value itself). */
interface JsonValueProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Nesting bound for audit payloads; deeper input is refused rather than risking the stack. */
export const MAX_JSON_DEPTH = 64;

/** The result of {@link toJsonValue}. */
type JsonConvertResult =
  { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly problem: JsonValueProblem };

function fail(path: readonly (string | number)[], message: string): JsonConvertResult {
  return { ok: false, problem: { path: [...path], message } };
}

const PROBLEM_BY_TYPE: Readonly<Record<string, string>> = {
  undefined: "undefined is not allowed here",
  bigint: "a BigInt is not JSON (convert it to a string)",
  function: "a function is not JSON",
  symbol: "a symbol is not JSON",
};

// Canonical JSON (RFC 8785) has no form for a lone surrogate, so the hash could not cover one:
// strings and keys must be well-formed.

function convert(value: unknown, path: (string | number)[], ancestors: object[], key: string): JsonConvertResult {
  switch (typeof value) {
    case "string":
      return !isWellFormed(value)
        ? fail(path, "a string with a lone surrogate is not well-formed Unicode")
        : { ok: true, value };
    case "boolean":
      return { ok: true, value };
    case "number":
      if (!Number.isFinite(value)) return fail(path, "a non-finite number is not JSON");
      // -0 and 0 serialise identically; keep the stored value equal to its serialisation.
      return { ok: true, value: value === 0 ? 0 : value };
    case "object":
      break;
    case "undefined":
    case "bigint":
    case "function":
    case "symbol":
      return fail(path, PROBLEM_BY_TYPE[typeof value] ?? "not JSON");
  }
  if (value === null) return { ok: true, value: null };
  if (ancestors.includes(value)) return fail(path, "a cycle is not JSON");
  if (ancestors.length >= MAX_JSON_DEPTH) return fail(path, `nesting deeper than ${String(MAX_JSON_DEPTH)} levels`);

  if (Array.isArray(value)) {
    ancestors.push(value);
    const out: JsonValue[] = [];
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const item =
        i in value ? convert(value[i], path, ancestors, String(i)) : fail(path, "a sparse array is not JSON");
      path.pop();
      if (!item.ok) return item;
      out.push(item.value);
    }
    ancestors.pop();
    return { ok: true, value: out };
  }

  const toJSON: unknown = Reflect.get(value, "toJSON");
  if (typeof toJSON === "function") {
    ancestors.push(value);
    const result = convert(toJSON.call(value, key), path, ancestors, key);
    ancestors.pop();
    return result;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null)
    return fail(path, "only plain objects, arrays and JSON primitives are allowed");

  ancestors.push(value);
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(value)) {
    const v: unknown = Reflect.get(value, k);
    if (v === undefined) continue;
    path.push(k);
    if (!isWellFormed(k)) return fail(path, "a key with a lone surrogate is not well-formed Unicode");
    const item = convert(v, path, ancestors, k);
    path.pop();
    if (!item.ok) return item;
    // defineProperty, so a key named "__proto__" stays an ordinary own property.
    Object.defineProperty(out, k, { value: item.value, enumerable: true, writable: true, configurable: true });
  }
  ancestors.pop();
  return { ok: true, value: out };
}

/**
 * `value` as a plain JSON value, or where and why it cannot be one. Properties whose value is
 * `undefined` are dropped and `toJSON()` is called, as `JSON.stringify` does; `-0` becomes `0`.
 */
export function toJsonValue(value: unknown): JsonConvertResult {
  return convert(value, [], [], "");
}

/** Whether `value` is a plain JSON object (not an array or null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
