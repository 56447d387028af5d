/**
 * `createRedactor`: the configured detectors plus a replacement strategy, giving text, value,
 * stream and pseudonym redaction that all agree with each other.
 */
import type { Transform } from "node:stream";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { assertKnownKeys, parseOptions } from "../_internal/options.js";
import { isSecret, type Secret } from "../_internal/secret.js";
import { type RegexDetectorOptions, builtinDetector, isDetectorTypeName, regexDetector } from "./detectors.js";
import { type DetectionEngine, compileEngine } from "./engine.js";
import { type Pseudonymized, createPseudonymSession } from "./pseudonymize.js";
import { redactDeep, withoutErrorInput } from "./redact-deep.js";
import { DEFAULT_SENSITIVE_KEYS, compileKeyMatcher } from "./sensitive-keys.js";
import { type Replacer, renderLabels, renderRedacted } from "./render.js";
import { type ReplaceMode, compileReplacer, labelFor } from "./replace.js";
import { createRedactTransform, createRedactWebStream, createStreamCore } from "./stream.js";
import { BUILTIN_DETECTOR_TYPES, type BuiltinDetectorType, type Detector, type RedactionSpan } from "./types.js";

/** A detector given by name, as an object, or as a pattern plus validator. */
export type DetectorInput = BuiltinDetectorType | Detector | RegexDetectorOptions;

/** Options for {@link createRedactor}. */
export interface RedactorOptions {
  /** Which detectors run (default: all four built-ins). Names, detector objects or patterns. */
  readonly detectors?: readonly DetectorInput[];
  /**
   * What a value becomes: `"label"` (default, `[EMAIL]`), `"mask"` (shape kept, cards keep the
   * last four digits), `"hash"` (`[EMAIL:3f9a…]`, a keyed HMAC tag so equal values correlate;
   * needs `hashKey`) or a function.
   */
  readonly replace?: ReplaceMode;
  /** Key for `replace: "hash"` (at least 16 bytes). Keep it secret: with it, guessable values such as SSNs can be confirmed. */
  readonly hashKey?: Uint8Array | string | Secret<Uint8Array | string>;
  /** Keys whose values `redactValue` replaces whole (default {@link DEFAULT_SENSITIVE_KEYS}). */
  readonly sensitiveKeys?: readonly string[];
}

/** Options for {@link Redactor.redactValue}. */
export interface RedactValueOptions {
  /** Sensitive keys for this call, replacing the redactor's list. */
  readonly keys?: readonly string[];
}

/** A configured redactor. Every method is safe to call concurrently and never mutates input. */
export interface Redactor {
  /** The detector types this redactor finds. */
  readonly types: readonly string[];
  /** Every detected value: sorted, non-overlapping (overlaps merged, the more specific type wins). */
  findAll(text: string): RedactionSpan[];
  /** `text` with every detected value replaced. */
  redact(text: string): string;
  /** A redacted deep copy of `value` (objects, arrays, Maps, Sets, Errors; cycles kept). */
  redactValue(value: string, options?: RedactValueOptions): string;
  /** A redacted deep copy of `value` (objects, arrays, Maps, Sets, Errors; cycles kept). */
  redactValue(value: unknown, options?: RedactValueOptions): unknown;
  /** A Node Transform that redacts a byte or string stream, matching `redact` on the whole text. */
  redactStream(): Transform;
  /** A WHATWG TransformStream that redacts text, matching `redact` on the whole text. */
  redactWebStream(): TransformStream<string | Uint8Array, string>;
  /** Replaces values with stable placeholders (`<EMAIL_1>`) and returns a way back. */
  pseudonymize(text: string): Pseudonymized;
}

const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === "function";

function isDetectorObject(v: unknown): v is Detector {
  if (typeof v !== "object" || v === null || !("type" in v) || !("find" in v)) return false;
  if (!isDetectorTypeName(v.type) || !isFunction(v.find)) return false;
  if ("priority" in v && v.priority !== undefined && !(typeof v.priority === "number" && Number.isFinite(v.priority)))
    return false;
  return !(
    "maxLength" in v &&
    v.maxLength !== undefined &&
    !(typeof v.maxLength === "number" && Number.isSafeInteger(v.maxLength) && v.maxLength > 0)
  );
}

function isRegexOptions(v: unknown): v is RegexDetectorOptions {
  return (
    typeof v === "object" &&
    v !== null &&
    "pattern" in v &&
    v.pattern instanceof RegExp &&
    "type" in v &&
    isDetectorTypeName(v.type)
  );
}

const hashKeySchema = z.union([
  z.string().refine((s) => Buffer.byteLength(s, "utf8") >= 16, "at least 16 bytes"),
  z.instanceof(Uint8Array).refine((b) => b.length >= 16, "at least 16 bytes"),
  z.custom<Secret<Uint8Array | string>>((v) => isSecret(v), "a Secret"),
]);

const optionsSchema = z
  .object({
    detectors: z
      .array(
        z.union([
          z.enum(["email", "ssn", "phone", "credit_card"]),
          z.custom<Detector>(isDetectorObject, "a detector ({ type, find })"),
          z.custom<RegexDetectorOptions>(isRegexOptions, "a pattern detector ({ type, pattern, validate? })"),
        ]),
      )
      .optional(),
    replace: z
      .union([z.enum(["label", "mask", "hash"]), z.custom<(m: never) => unknown>(isFunction, "a function")])
      .optional(),
    hashKey: hashKeySchema.optional(),
    sensitiveKeys: z.array(z.string().min(1)).optional(),
  })
  .strict();

function toDetector(input: DetectorInput): Detector {
  if (typeof input === "string") return builtinDetector(input);
  if ("pattern" in input) return regexDetector(input);
  return input;
}

function revealKey(key: RedactorOptions["hashKey"]): Uint8Array | string | undefined {
  if (key === undefined) return undefined;
  const raw = isSecret(key) ? key.reveal() : key;
  if (typeof raw === "string" ? Buffer.byteLength(raw, "utf8") < 16 : !(raw instanceof Uint8Array) || raw.length < 16) {
    throw new MoatError("ERR_CONFIG", { message: 'invalid createRedactor options at "hashKey"' });
  }
  return raw;
}

interface Compiled {
  readonly engine: DetectionEngine;
  readonly replace: Replacer;
  /** The label per type index when values become labels (the default mode); else undefined. */
  readonly labels: readonly string[] | undefined;
  readonly isSensitiveKey: (key: string) => boolean;
}

/** Redactors made by {@link createRedactor}: their redactValue already withholds what errors carry of their input. */
const builtRedactors = new WeakSet<object>();

/**
 * `redactor.redactValue(value)` for a log line. A redactor that is not moatkit's own (any object
 * with the Redactor methods) gets the value with errors already stripped of their input, so a
 * request body never depends on it.
 */
export function redactForLog(redactor: Redactor, value: unknown): unknown {
  return redactor.redactValue(builtRedactors.has(redactor) ? value : withoutErrorInput(value));
}

function buildRedactor({ engine, replace, labels, isSensitiveKey }: Compiled): Redactor {
  const requireText = (text: unknown): string => {
    if (typeof text !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: "text must be a string" });
    return text;
  };
  const redact = (text: string): string => {
    const input = requireText(text);
    const triples = engine.resolve(input);
    if (triples.length === 0) return input;
    return labels !== undefined
      ? renderLabels(input, triples, labels)
      : renderRedacted(input, triples, engine.types, replace);
  };
  function redactValue(value: string, options?: RedactValueOptions): string;
  function redactValue(value: unknown, options?: RedactValueOptions): unknown;
  function redactValue(value: unknown, options?: RedactValueOptions): unknown {
    let keyMatcher = isSensitiveKey;
    if (options !== undefined) {
      const raw: unknown = options;
      assertKnownKeys(raw, ["keys"], "redactValue options", "ERR_INVALID_INPUT");
      const keys: unknown = typeof raw === "object" && raw !== null ? options.keys : null;
      if (keys !== undefined) {
        if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === "string")) {
          throw new MoatError("ERR_INVALID_INPUT", { message: 'invalid redactValue options at "keys"' });
        }
        keyMatcher = compileKeyMatcher(keys);
      }
    }
    return redactDeep(value, { text: redact, isSensitiveKey: keyMatcher });
  }
  const redactor: Redactor = Object.freeze({
    types: engine.activeTypes,
    findAll(text: string): RedactionSpan[] {
      const triples = engine.resolve(requireText(text));
      const spans: RedactionSpan[] = [];
      for (let k = 0; k < triples.length; k += 3) {
        spans.push({ type: engine.types[triples[k + 2] ?? 0] ?? "", start: triples[k] ?? 0, end: triples[k + 1] ?? 0 });
      }
      return spans;
    },
    redact,
    redactValue,
    redactStream: () => createRedactTransform(createStreamCore(engine, replace)),
    redactWebStream: () => createRedactWebStream(createStreamCore(engine, replace)),
    pseudonymize(text: string): Pseudonymized {
      const session = createPseudonymSession(engine);
      return { text: session.apply(text), restore: (output: string) => session.restore(output) };
    },
  });
  builtRedactors.add(redactor);
  return redactor;
}

let defaultCompiled: Compiled | undefined;

function compileDefaults(): Compiled {
  if (defaultCompiled === undefined) {
    const engine = compileEngine(BUILTIN_DETECTOR_TYPES.map(builtinDetector));
    defaultCompiled = {
      engine,
      replace: compileReplacer("label", undefined),
      labels: engine.types.map(labelFor),
      isSensitiveKey: compileKeyMatcher(DEFAULT_SENSITIVE_KEYS),
    };
  }
  return defaultCompiled;
}

/**
 * Creates a redactor. With no options it finds email, SSN, phone and card numbers and writes
 * `[EMAIL]`, `[SSN]`, `[PHONE]`, `[CREDIT_CARD]`; that default is compiled once per process, so
 * `createRedactor()` costs almost nothing.
 *
 * @example
 * ```ts
 * import { createRedactor } from "moatkit/redact";
 *
 * const redactor = createRedactor();
 * redactor.redact("alice@example.com paid with 4242 4242 4242 4242");
 * // "[EMAIL] paid with [CREDIT_CARD]"
 *
 * const tagged = createRedactor({ replace: "hash", hashKey: process.env.REDACT_KEY });
 * tagged.redact("alice@example.com"); // "[EMAIL:5d41402abc4b]": same address, same tag
 * ```
 */
export function createRedactor(options?: RedactorOptions): Redactor {
  if (options === undefined) return buildRedactor(compileDefaults());
  parseOptions(optionsSchema, options, "createRedactor options");
  const detectors = (options.detectors ?? BUILTIN_DETECTOR_TYPES).map(toDetector);
  const engine = compileEngine(detectors);
  const mode = options.replace ?? "label";
  return buildRedactor({
    engine,
    replace: compileReplacer(mode, revealKey(options.hashKey)),
    labels: mode === "label" ? engine.types.map(labelFor) : undefined,
    isSensitiveKey: compileKeyMatcher(options.sensitiveKeys ?? DEFAULT_SENSITIVE_KEYS),
  });
}

let defaultRedactor: Redactor | undefined;

/**
 * Redacts `text` with the default redactor (email, SSN, phone, cards; labels). The shortest way
 * to keep PII out of a log line or an audit record.
 *
 * @example
 * ```ts
 * import { redact } from "moatkit/redact";
 * redact("call me at (415) 555-0132"); // "call me at [PHONE]"
 * ```
 */
export function redact(text: string): string {
  defaultRedactor ??= createRedactor();
  return defaultRedactor.redact(text);
}
