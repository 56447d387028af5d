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
import { errorMessage, errorStack, isErrorInputKey, isErrorSecretKey } from "./error-input.js";

/** What {@link redactDeep} needs from the redactor. */
export interface ValueRedaction {
  /** Redacts one string. */
  readonly text: (value: string) => string;
  /** Whether a key's value must be replaced whole. */
  readonly isSensitiveKey: (key: string) => boolean;
  /**
   * Whether a key's value must be replaced whole inside an error (on top of `isSensitiveKey`;
   * default: the keys that carry input, see ERROR_INPUT_KEYS).
   */
  readonly isErrorKey?: (key: string) => boolean;
}

/**
 * Where a value sits: `true` inside an error (its properties, what they hold, its cause chain),
 * where input keys are withheld too.
 */
type InError = boolean;

type Work = { readonly inError: InError } & (
  | { readonly kind: "array"; readonly src: readonly unknown[]; readonly dst: unknown[] }
  | { readonly kind: "object"; readonly src: object; readonly dst: Record<PropertyKey, unknown> }
  | { readonly kind: "map"; readonly src: ReadonlyMap<unknown, unknown>; readonly dst: Map<unknown, unknown> }
  | { readonly kind: "set"; readonly src: ReadonlySet<unknown>; readonly dst: Set<unknown> }
  | { readonly kind: "error"; readonly src: Error; readonly dst: Record<PropertyKey, unknown> }
);

/** One redactDeep run: the redactor, the copies made so far, and the copies still to fill. */
interface Copier {
  readonly r: ValueRedaction;
  readonly isErrorKey: (key: string) => boolean;
  /** Copies made outside errors and inside them: the same object is copied differently in each. */
  readonly seen: readonly [Map<object, unknown>, Map<object, unknown>];
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

function setStackTraceLimit(limit: number): void {
  try {
    Error.stackTraceLimit = limit;
  } catch {
    // Frozen intrinsics: the shell then captures a stack, which is removed below anyway.
  }
}

/**
 * An empty error with the given prototype: a real Error (what `util.types.isNativeError` and error
 * trackers check for), whose own stack is removed until the original's is copied in.
 */
function errorWithPrototype(proto: object | null): Record<PropertyKey, unknown> {
  // No stack is captured for the shell (capturing one costs more than the rest of the copy).
  const limit = Error.stackTraceLimit;
  setStackTraceLimit(0);
  const dst = new Error() as unknown as Record<PropertyKey, unknown>;
  setStackTraceLimit(limit);
  Reflect.deleteProperty(dst, "stack");
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

/** The redacted copy of `v`: primitives at once, objects as a shell filled later (once per object and place). */
function convert(c: Copier, v: unknown, inError: InError): unknown {
  if (typeof v === "string") return c.r.text(v);
  if (typeof v === "number" || typeof v === "bigint") return convertNumber(c, v);
  if (typeof v !== "object" || v === null) return v;
  const seen = c.seen[inError ? 1 : 0];
  const known = seen.get(v);
  if (known !== undefined) return known;
  const copy = copyShell(c, v, inError);
  seen.set(v, copy);
  return copy;
}

/** The empty copy of a container, queued for filling; values without contents to redact are copied whole. */
function copyShell(c: Copier, v: object, inError: InError): unknown {
  const queue = <W extends Work>(item: W): W["dst"] => {
    c.work.push(item);
    return item.dst;
  };
  if (Array.isArray(v)) return queue({ kind: "array", src: v, dst: [], inError });
  if (v instanceof Date) return new Date(v.getTime());
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return copyBinary(v);
  if (v instanceof Map) return queue({ kind: "map", src: v, dst: new Map<unknown, unknown>(), inError });
  if (v instanceof Set) return queue({ kind: "set", src: v, dst: new Set<unknown>(), inError });
  if (v instanceof Error)
    return queue({ kind: "error", src: v, dst: errorWithPrototype(prototypeOf(v)), inError: true });
  if (v instanceof RegExp || v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) return v;
  const proto = prototypeOf(v);
  if (proto !== Object.prototype && proto !== null && hasToJson(v)) {
    // Class instances with their own serialization (Decimal, ObjectId, Secret …): redact what
    // a logger would print rather than a copy whose private state is missing.
    return convert(c, v.toJSON(), inError);
  }
  return queue({ kind: "object", src: v, dst: proto === Object.prototype ? {} : withPrototype(proto), inError });
}

/** The value under `key`: replaced whole when the key is sensitive, or carries input inside an error (and there is a value). */
function convertEntry(c: Copier, key: string, v: unknown, inError: InError): unknown {
  if (v === null || v === undefined) return v;
  return c.r.isSensitiveKey(key) || (inError && c.isErrorKey(key)) ? REDACTED : convert(c, v, inError);
}

/** Copies own enumerable properties, redacting string keys like text. */
function copyOwn(c: Copier, src: object, dst: Record<PropertyKey, unknown>, inError: InError): void {
  for (const key of Object.keys(src)) {
    const v: unknown = Reflect.get(src, key);
    dst[c.r.text(key)] = convertEntry(c, key, v, inError);
  }
  for (const sym of Object.getOwnPropertySymbols(src)) {
    if (Object.prototype.propertyIsEnumerable.call(src, sym)) dst[sym] = convert(c, Reflect.get(src, sym), inError);
  }
}

function defineHidden(dst: object, key: string, value: unknown): void {
  Object.defineProperty(dst, key, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * Fills the copy of an error. message, stack, cause and an AggregateError's errors are own but
 * not enumerable on real errors; they stay that way. A parser's message loses the input it
 * quotes, in the message and in the stack's header.
 */
function fillError(c: Copier, src: Error, dst: Record<PropertyKey, unknown>): void {
  const message: unknown = Reflect.get(src, "message");
  const logged = typeof message === "string" ? errorMessage(src, message) : undefined;
  for (const key of ["name", "message", "stack", "cause", "errors"] as const) {
    if (!Object.prototype.hasOwnProperty.call(src, key) && key !== "message" && key !== "stack") continue;
    let v: unknown = key === "message" ? message : Reflect.get(src, key);
    if (v === undefined) continue;
    if (key === "message" && logged !== undefined) v = logged;
    else if (key === "stack" && typeof v === "string" && logged !== undefined && logged !== message)
      v = errorStack(src, v, logged);
    defineHidden(dst, key, convert(c, v, true));
  }
  copyOwn(c, src, dst, true);
}

/** Fills a queued copy from its original. */
function fillCopy(c: Copier, item: Work): void {
  const inError = item.inError;
  switch (item.kind) {
    case "array":
      for (let i = 0; i < item.src.length; i++) item.dst[i] = convert(c, item.src[i], inError);
      break;
    case "object":
      copyOwn(c, item.src, item.dst, inError);
      break;
    case "map":
      for (const [k, v] of item.src) {
        item.dst.set(
          typeof k === "string" ? c.r.text(k) : convert(c, k, inError),
          typeof k === "string" ? convertEntry(c, k, v, inError) : convert(c, v, inError),
        );
      }
      break;
    case "set":
      for (const v of item.src) item.dst.add(convert(c, v, inError));
      break;
    case "error":
      fillError(c, item.src, item.dst);
      break;
  }
}

/** Options of {@link redactDeep}. */
export interface RedactDeepOptions {
  /** Treat `value` itself as the inside of an error (a thrown value that is not an Error). */
  readonly asError?: boolean;
}

/**
 * A redacted deep copy of `value`. Strings are redacted, numbers and bigints that are entirely a
 * detected value (a card number stored as a number) become the replacement string, values under
 * sensitive keys become `[REDACTED]`, object keys and Map keys are redacted like strings. Inside
 * errors, values under input keys (`body`, `data`, …) become `[REDACTED]` too and a parser's
 * message loses the input it quotes.
 */
export function redactDeep(value: unknown, r: ValueRedaction, options: RedactDeepOptions = {}): unknown {
  const c: Copier = {
    r,
    isErrorKey: r.isErrorKey ?? isErrorInputKey,
    seen: [new Map<object, unknown>(), new Map<object, unknown>()],
    work: [],
  };
  const root = convert(c, value, options.asError === true);
  for (let item = c.work.pop(); item !== undefined; item = c.work.pop()) fillCopy(c, item);
  return root;
}

const unchanged = (text: string): string => text;
const noKey = (): boolean => false;

/**
 * A copy of `value` in which only errors change: inside them, values under default sensitive keys
 * and input keys are withheld and parser messages lose the input they quote. Text is not
 * redacted. For logs whose PII redaction is off, and for a redactor that is not moatkit's own.
 */
export function withoutErrorInput(value: unknown, options?: RedactDeepOptions): unknown {
  return redactDeep(value, { text: unchanged, isSensitiveKey: noKey, isErrorKey: isErrorSecretKey }, options);
}
