/**
 * A fast route to canonical JSON for data that is already in canonical key order. Canonical JSON
 * (RFC 8785) serialises strings and numbers exactly as `JSON.stringify` does, so the two differ
 * only in key order and in what they refuse. For plain JSON whose object keys already come in
 * sorted order, `JSON.stringify` (native) gives the same text several times faster. Sealed audit
 * events are built in that order, and rows parsed back from JSON keep it, so verifying a chain
 * takes the fast route; anything else falls back to `canonicalJson` itself.
 */
import { canonicalJson, isWellFormed } from "../_internal/canonical-json.js";
import { type JsonObject, type JsonValue, MAX_JSON_DEPTH, isJsonObject } from "./json-value.js";

/**
 * Whether `JSON.stringify(value)` equals `canonicalJson(value)`: plain objects whose own keys
 * enumerate in code-unit order (integer-like keys break this, as engines list them first) with no
 * symbol keys and no `toJSON` of their own, dense arrays, well-formed strings (canonicalJson
 * refuses a lone surrogate, which JSON.stringify escapes), finite numbers, booleans and null only.
 */
function inCanonicalOrder(value: unknown, depth: number): boolean {
  if (typeof value !== "object") {
    return (
      (typeof value === "string" && isWellFormed(value)) ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value))
    );
  }
  if (value === null) return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  // JSON.stringify honours a toJSON even when it is not enumerable (for…in below never sees it).
  if (Object.hasOwn(value, "toJSON")) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !inCanonicalOrder(value[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  // for…in lists own keys in Object.keys order, then any inherited enumerable ones: if that whole
  // sequence is sorted, so are the own keys JSON.stringify writes. It is also much faster.
  let previous: string | undefined;
  for (const key in value) {
    if ((previous !== undefined && !(previous < key)) || !isWellFormed(key)) return false;
    previous = key;
    if (!inCanonicalOrder(Reflect.get(value, key), depth + 1)) return false;
  }
  return true;
}

/** `canonicalJson(value)`, through `JSON.stringify` when that gives the same text. */
export function canonicalJsonFast(value: unknown): string {
  return inCanonicalOrder(value, 0) ? JSON.stringify(value) : canonicalJson(value);
}

/**
 * `canonicalJson` of `row` without its own property `omit`, for rows whose other keys are already
 * in canonical order and where `omit` comes last (as in sealed events and JSON parsed from them).
 * Then `JSON.stringify(row)` is the wanted text followed by the omitted member, which is cut off;
 * no copy of the row is made. Anything else takes the general route.
 */
export function canonicalJsonWithout(row: Readonly<Record<string, unknown>>, omit: string): string {
  let last: string | undefined;
  let previous: string | undefined;
  // The omitted member must be a string (a stored hash): JSON.stringify throws on a BigInt.
  let ordered =
    Object.getPrototypeOf(row) === Object.prototype &&
    Object.getOwnPropertySymbols(row).length === 0 &&
    !Object.hasOwn(row, "toJSON") &&
    typeof row[omit] === "string";
  for (const key in row) {
    if (!ordered) break;
    if (last !== undefined) {
      // A key after `omit`, or keys out of order: not the shape this route handles.
      ordered =
        last !== omit &&
        (previous === undefined || previous < last) &&
        isWellFormed(last) &&
        inCanonicalOrder(row[last], 1);
      previous = last;
    }
    last = key;
  }
  if (ordered && last === omit && Object.hasOwn(row, omit)) {
    const text = JSON.stringify(row);
    // `row[omit]` is a string (checked above), so JSON can write it.
    const suffix = `,${JSON.stringify(omit)}:${JSON.stringify(row[omit])}}`;
    if (previous !== undefined && text.endsWith(suffix)) return `${text.slice(0, text.length - suffix.length)}}`;
  }
  const { [omit]: _omitted, ...rest } = row;
  return canonicalJsonFast(rest);
}

/** A copy of a JSON value with every object's keys inserted in code-unit order. */
export function sortKeysDeep(value: JsonValue): JsonValue {
  if (typeof value !== "object" || value === null) return value;
  return isJsonObject(value) ? sortObjectKeysDeep(value) : value.map(sortKeysDeep);
}

/** {@link sortKeysDeep} for an object. */
export function sortObjectKeysDeep(value: JsonObject): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(value).sort()) {
    const inner = value[key];
    if (inner !== undefined)
      Object.defineProperty(out, key, {
        value: sortKeysDeep(inner),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}
