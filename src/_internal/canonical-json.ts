/**
 * Canonical JSON (RFC 8785, JCS): object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings serialised exactly as `JSON.stringify` does (which is what RFC 8785
 * prescribes for both). Strings must be well-formed Unicode: RFC 8785 §3.2.2.2 requires I-JSON
 * strings, so a lone surrogate (which `JSON.stringify` would escape as `\udXXX`) is refused.
 *
 * Audit hashes and AEAD associated data are computed over this form, so two logically equal
 * values must give the same bytes and a value JSON cannot represent faithfully must be refused
 * rather than silently dropped or rewritten (`JSON.stringify` turns `NaN` into `null`, drops
 * `undefined` properties and turns a `Map` into `{}`).
 *
 * Accepted: `null`, booleans, finite numbers, strings, arrays, plain objects (prototype
 * `Object.prototype` or `null`), and objects with a `toJSON()` method (such as `Date`), whose
 * result is canonicalised in turn. Everything else, and any string or key holding a lone
 * surrogate, throws ERR_INVALID_INPUT. The rules are written out in docs/format.md.
 */
import { MoatError } from "../errors.js";

function reject(what: string): never {
  throw new MoatError("ERR_INVALID_INPUT", { message: `canonical JSON cannot represent ${what}` });
}

const UNREPRESENTABLE: Record<string, string> = {
  undefined: "undefined",
  bigint: "a BigInt",
  function: "a function",
  symbol: "a symbol",
};

/** Hard bound on nesting, so hostile input cannot exhaust the stack. */
const MAX_DEPTH = 256;

/**
 * JSON.stringify of a well-formed string, skipping the call for the common case of text with
 * nothing to escape (no quote, backslash, control character or surrogate). A surrogate must be
 * half of a pair: a lone one has no UTF-8 form, so no canonical form either.
 */
function quote(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      if (!isWellFormed(text)) reject("a string with a lone surrogate");
      return JSON.stringify(text);
    }
  }
  return `"${text}"`;
}

/**
 * Whether `text` pairs every surrogate (high then low): a lone one has no UTF-8 form. The native
 * `String.prototype.isWellFormed` (Node 20), which the ES2023 library types do not declare yet.
 */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

// Built by string concatenation (V8 ropes): measurably faster here than collecting parts.
function write(value: unknown, stack: object[]): string {
  if (typeof value === "string") return quote(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) reject("a non-finite number");
    return JSON.stringify(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value !== "object") reject(UNREPRESENTABLE[typeof value] ?? "this value");
  if (value === null) return "null";
  if (stack.includes(value)) reject("a cycle");
  if (stack.length >= MAX_DEPTH) reject("nesting this deep");

  stack.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = "[";
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) reject("a sparse array");
      out += (i > 0 ? "," : "") + write(value[i], stack);
    }
    out += "]";
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const toJSON: unknown = "toJSON" in value ? value.toJSON : undefined;
      if (typeof toJSON !== "function") reject("a non-plain object");
      out = write(toJSON.call(value), stack);
    } else {
      if (Object.getOwnPropertySymbols(value).length > 0) reject("symbol keys");
      // Plain objects may carry their own toJSON, which JSON.stringify would honour.
      const own: unknown = Object.hasOwn(value, "toJSON") ? Reflect.get(value, "toJSON") : undefined;
      if (typeof own === "function") {
        out = write(own.call(value), stack);
      } else {
        const keys = Object.keys(value).sort();
        out = "{";
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i] ?? "";
          out += (i > 0 ? "," : "") + quote(key) + ":" + write(Reflect.get(value, key), stack);
        }
        out += "}";
      }
    }
  }
  stack.pop();
  return out;
}

/**
 * The canonical JSON text of a string (what {@link canonicalJson} gives for one).
 *
 * @throws MoatError ERR_INVALID_INPUT for a string with a lone surrogate.
 */
export function canonicalString(text: string): string {
  return quote(text);
}

/**
 * The canonical JSON text of `value`.
 *
 * @throws MoatError ERR_INVALID_INPUT for `undefined`, functions, symbols, BigInt, non-finite
 *   numbers, cycles, sparse arrays, non-plain objects (Map, Set, class instances, typed arrays)
 *   and strings or keys with a lone surrogate.
 */
export function canonicalJson(value: unknown): string {
  return write(value, []);
}
