/**
 * Deep, non-mutating redaction of structured values (log objects, request bodies, audit diffs).
 * Works iteratively, so a deeply nested value cannot overflow the stack, and keeps the shape:
 * arrays stay arrays, Maps stay Maps, Dates and binary data are copied, cycles and shared
 * references are preserved in the copy.
 */

/** The placeholder for a value under a sensitive key. */
export const REDACTED_VALUE = "[REDACTED]";

/**
 * Keys whose values are replaced whole, whatever they contain. A key matches when a run of its
 * words equals a listed name, ignoring case and separators: `password` matches `dbPassword`
 * and `password_hash`, `api_key` matches `apiKey`, `X-API-Key` and `apikey`, `token` matches
 * `refresh_token` but not `max_tokens`.
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "secret",
  "token",
  "authorization",
  "cookie",
  "api_key",
  "private_key",
  "credentials",
  "credential",
  "ssn",
  "cvv",
  "cvc",
  "otp",
];

const WORD_SPLIT = /[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/;

/** A key's words, lower-cased: `xApiKey` → `["x", "api", "key"]`. */
export function keyWords(key: string): string[] {
  return key
    .split(WORD_SPLIT)
    .filter((w) => w !== "")
    .map((w) => w.toLowerCase());
}

/** Compiles a sensitive-key list into a cached predicate. */
export function compileKeyMatcher(names: readonly string[]): (key: string) => boolean {
  const targets = new Set(names.map((n) => keyWords(n).join("")).filter((n) => n !== ""));
  const cache = new Map<string, boolean>();
  return (key) => {
    let hit = cache.get(key);
    if (hit !== undefined) return hit;
    hit = false;
    const words = keyWords(key);
    outer: for (let i = 0; i < words.length; i++) {
      let joined = "";
      for (let j = i; j < words.length; j++) {
        joined += words[j] ?? "";
        if (targets.has(joined)) {
          hit = true;
          break outer;
        }
      }
    }
    // Keys repeat across log lines; cap the cache so hostile keys cannot grow it without bound.
    if (cache.size >= 4096) cache.clear();
    cache.set(key, hit);
    return hit;
  };
}

/** What {@link redactDeep} needs from the redactor. */
export interface ValueRedaction {
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
  if (value instanceof DataView) return new DataView(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof Uint8Array) return value.slice();
  // Other typed arrays: copy the viewed bytes into a new view of the same kind.
  const ctor = value.constructor;
  const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  return typeof ctor === "function" ? Reflect.construct(ctor, [bytes.buffer]) : bytes;
}

/**
 * A redacted deep copy of `value`. Strings are redacted, numbers and bigints that are entirely a
 * detected value (a card number stored as a number) become the replacement string, values under
 * sensitive keys become `[REDACTED]`, object keys and Map keys are redacted like strings.
 */
export function redactDeep(value: unknown, r: ValueRedaction): unknown {
  const seen = new Map<object, unknown>();
  const work: Work[] = [];

  const convertNumber = (n: number | bigint): unknown => {
    // Only integers long enough to be a card can be one; everything else passes untouched.
    if (typeof n === "number" ? !Number.isSafeInteger(n) || Math.abs(n) < 1e12 : n > -1_000_000_000_000n && n < 1_000_000_000_000n) return n;
    const text = String(n);
    const out = r.text(text);
    return out === text ? n : out;
  };

  const convert = (v: unknown): unknown => {
    if (typeof v === "string") return r.text(v);
    if (typeof v === "number" || typeof v === "bigint") return convertNumber(v);
    if (typeof v !== "object" || v === null) return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    let copy: unknown;
    if (Array.isArray(v)) {
      const dst: unknown[] = [];
      work.push({ kind: "array", src: v, dst });
      copy = dst;
    } else if (v instanceof Date) {
      copy = new Date(v.getTime());
    } else if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
      copy = copyBinary(v);
    } else if (v instanceof Map) {
      const dst = new Map<unknown, unknown>();
      work.push({ kind: "map", src: v, dst });
      copy = dst;
    } else if (v instanceof Set) {
      const dst = new Set<unknown>();
      work.push({ kind: "set", src: v, dst });
      copy = dst;
    } else if (v instanceof Error) {
      const dst = withPrototype(prototypeOf(v));
      work.push({ kind: "error", src: v, dst });
      copy = dst;
    } else if (v instanceof RegExp || v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) {
      copy = v;
    } else {
      const proto = prototypeOf(v);
      if (proto !== Object.prototype && proto !== null && hasToJson(v)) {
        // Class instances with their own serialisation (Decimal, ObjectId, Secret …): redact what
        // a logger would print rather than a copy whose private state is missing.
        copy = convert(v.toJSON());
      } else {
        const dst = proto === Object.prototype ? {} : withPrototype(proto);
        work.push({ kind: "object", src: v, dst });
        copy = dst;
      }
    }
    seen.set(v, copy);
    return copy;
  };

  const convertEntry = (key: string, v: unknown): unknown =>
    v !== null && v !== undefined && r.isSensitiveKey(key) ? REDACTED_VALUE : convert(v);

  const copyOwn = (src: object, dst: Record<PropertyKey, unknown>): void => {
    for (const key of Object.keys(src)) {
      const v: unknown = Reflect.get(src, key);
      dst[r.text(key)] = convertEntry(key, v);
    }
    for (const sym of Object.getOwnPropertySymbols(src)) {
      if (Object.prototype.propertyIsEnumerable.call(src, sym)) dst[sym] = convert(Reflect.get(src, sym));
    }
  };

  const root = convert(value);
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    switch (item.kind) {
      case "array":
        for (let i = 0; i < item.src.length; i++) item.dst[i] = convert(item.src[i]);
        break;
      case "object":
        copyOwn(item.src, item.dst);
        break;
      case "map":
        for (const [k, v] of item.src) {
          item.dst.set(typeof k === "string" ? r.text(k) : convert(k), typeof k === "string" ? convertEntry(k, v) : convert(v));
        }
        break;
      case "set":
        for (const v of item.src) item.dst.add(convert(v));
        break;
      case "error": {
        // message, stack and cause are own but not enumerable on real errors; keep them that way.
        for (const key of ["name", "message", "stack", "cause"] as const) {
          if (Object.prototype.hasOwnProperty.call(item.src, key) || key === "message" || key === "stack") {
            const v: unknown = Reflect.get(item.src, key);
            if (v !== undefined) Object.defineProperty(item.dst, key, { value: convert(v), writable: true, configurable: true, enumerable: false });
          }
        }
        copyOwn(item.src, item.dst);
        break;
      }
    }
  }
  return root;
}
