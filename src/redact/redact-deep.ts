/**
 * Deep, non-mutating redaction of structured values (log objects, request bodies, audit diffs).
 * Works iteratively, so a deeply nested value cannot overflow the stack, and keeps the shape:
 * arrays stay arrays, Maps stay Maps, Dates and binary data are copied, cycles and shared
 * references are preserved in the copy.
 *
 * It runs in two steps per container: {@link copyShell} makes the empty copy (so cycles can point
 * at it) and queues it; {@link fillCopy} later fills it from the original.
 */
import { REDACTED } from "../_internal/redacted.js";

/** What {@link redactDeep} needs from the redactor. */
interface ValueRedaction {
  /** Redacts one string. */
  readonly text: (value: string) => string;
  /** Whether a key's value must be replaced whole. */
  readonly isSensitiveKey: (key: string) => boolean;
}

type Work =
  | { readonly kind: "array"; readonly src: readonly unknown[]; readonly dst: unknown[] }
  | { readonly kind: "object"; readonly src: object; readonly dst: Record<PropertyKey, unknown> }
  | { readonly kind: "map"; readonly src: ReadonlyMap<unknown, unknown>; readonly dst: Map<unknown, unknown> }
  | { readonly kind: "set"; readonly src: ReadonlySet<unknown>; readonly dst: Set<unknown> }
  | { readonly kind: "error"; readonly src: Error; readonly dst: Record<PropertyKey, unknown> };

/** One redactDeep run: the redactor, the copies made so far, and the copies still to fill. */
interface Copier {
  readonly r: ValueRedaction;
  readonly seen: Map<object, unknown>;
  readonly work: Work[];
}

function prototypeOf(value: object): object | null {
  const proto: unknown = Object.getPrototypeOf(value);
  return typeof proto === "object" ? proto : null;
}

/** An empty object with the given prototype (class instances and errors keep theirs). */
function withPrototype(proto: object | null): Record<PropertyKey, unknown> {
  const dst: Record<PropertyKey, unknown> = {};
  Object.setPrototypeOf(dst, proto);
  return dst;
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return "toJSON" in value && typeof value.toJSON === "function";
}

function copyBinary(value: ArrayBufferView | ArrayBuffer): unknown {
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value instanceof ArrayBuffer) return value.slice(0);
  if (value instanceof DataView)
    return new DataView(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof Uint8Array) return value.slice();
  // Other typed arrays: copy the viewed bytes into a new view of the same kind.
  const ctor = value.constructor;
  const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  return typeof ctor === "function" ? Reflect.construct(ctor, [bytes.buffer]) : bytes;
}

/** A number or bigint that is entirely a detected value (a card stored as a number) becomes the replacement. */
function convertNumber(c: Copier, n: number | bigint): unknown {
  // Only integers long enough to be a card can be one; everything else passes untouched.
  if (
    typeof n === "number"
      ? !Number.isSafeInteger(n) || Math.abs(n) < 1e12
      : n > -1_000_000_000_000n && n < 1_000_000_000_000n
  )
    return n;
  const text = String(n);
  const out = c.r.text(text);
  return out === text ? n : out;
}

/** The redacted copy of `v`: primitives at once, objects as a shell filled later (once per object). */
function convert(c: Copier, v: unknown): unknown {
  if (typeof v === "string") return c.r.text(v);
  if (typeof v === "number" || typeof v === "bigint") return convertNumber(c, v);
  if (typeof v !== "object" || v === null) return v;
  const known = c.seen.get(v);
  if (known !== undefined) return known;
  const copy = copyShell(c, v);
  c.seen.set(v, copy);
  return copy;
}

/** The empty copy of a container, queued for filling; values without contents to redact are copied whole. */
function copyShell(c: Copier, v: object): unknown {
  const queue = <W extends Work>(item: W): W["dst"] => {
    c.work.push(item);
    return item.dst;
  };
  if (Array.isArray(v)) return queue({ kind: "array", src: v, dst: [] });
  if (v instanceof Date) return new Date(v.getTime());
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return copyBinary(v);
  if (v instanceof Map) return queue({ kind: "map", src: v, dst: new Map<unknown, unknown>() });
  if (v instanceof Set) return queue({ kind: "set", src: v, dst: new Set<unknown>() });
  if (v instanceof Error) return queue({ kind: "error", src: v, dst: withPrototype(prototypeOf(v)) });
  if (v instanceof RegExp || v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) return v;
  const proto = prototypeOf(v);
  if (proto !== Object.prototype && proto !== null && hasToJson(v)) {
    // Class instances with their own serialization (Decimal, ObjectId, Secret …): redact what
    // a logger would print rather than a copy whose private state is missing.
    return convert(c, v.toJSON());
  }
  return queue({ kind: "object", src: v, dst: proto === Object.prototype ? {} : withPrototype(proto) });
}

/** The value under `key`: replaced whole when the key is sensitive (and there is a value). */
function convertEntry(c: Copier, key: string, v: unknown): unknown {
  return v !== null && v !== undefined && c.r.isSensitiveKey(key) ? REDACTED : convert(c, v);
}

/** Copies own enumerable properties, redacting string keys like text. */
function copyOwn(c: Copier, src: object, dst: Record<PropertyKey, unknown>): void {
  for (const key of Object.keys(src)) {
    const v: unknown = Reflect.get(src, key);
    dst[c.r.text(key)] = convertEntry(c, key, v);
  }
  for (const sym of Object.getOwnPropertySymbols(src)) {
    if (Object.prototype.propertyIsEnumerable.call(src, sym)) dst[sym] = convert(c, Reflect.get(src, sym));
  }
}

/** Fills a queued copy from its original. */
function fillCopy(c: Copier, item: Work): void {
  switch (item.kind) {
    case "array":
      for (let i = 0; i < item.src.length; i++) item.dst[i] = convert(c, item.src[i]);
      break;
    case "object":
      copyOwn(c, item.src, item.dst);
      break;
    case "map":
      for (const [k, v] of item.src) {
        item.dst.set(
          typeof k === "string" ? c.r.text(k) : convert(c, k),
          typeof k === "string" ? convertEntry(c, k, v) : convert(c, v),
        );
      }
      break;
    case "set":
      for (const v of item.src) item.dst.add(convert(c, v));
      break;
    case "error": {
      // message, stack and cause are own but not enumerable on real errors; keep them that way.
      for (const key of ["name", "message", "stack", "cause"] as const) {
        if (Object.prototype.hasOwnProperty.call(item.src, key) || key === "message" || key === "stack") {
          const v: unknown = Reflect.get(item.src, key);
          if (v !== undefined)
            Object.defineProperty(item.dst, key, {
              value: convert(c, v),
              writable: true,
              configurable: true,
              enumerable: false,
            });
        }
      }
      copyOwn(c, item.src, item.dst);
      break;
    }
  }
}

/**
 * A redacted deep copy of `value`. Strings are redacted, numbers and bigints that are entirely a
 * detected value (a card number stored as a number) become the replacement string, values under
 * sensitive keys become `[REDACTED]`, object keys and Map keys are redacted like strings.
 */
export function redactDeep(value: unknown, r: ValueRedaction): unknown {
  const c: Copier = { r, seen: new Map<object, unknown>(), work: [] };
  const root = convert(c, value);
  for (let item = c.work.pop(); item !== undefined; item = c.work.pop()) fillCopy(c, item);
  return root;
}
