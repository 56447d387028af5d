/**
 * Validation at the edge with zod. Options are checked once, when a factory is called; a bad
 * option is a configuration error (ERR_CONFIG), bad call arguments are ERR_INVALID_INPUT.
 * The zod issues go into `details` with their paths and codes only: zod messages describe what
 * was expected, and moatkit never echoes the received value, which may be a secret.
 *
 * Every options schema is strict: an unknown key is refused, because in a security library a
 * misspelt option (`blockDurationMs` for `blockDuration`) would otherwise silently fall back to
 * a weaker default. The refusal names the key and, when one is close, the known key meant.
 */
import type { z } from "zod";
import { MoatError, type MoatErrorCode } from "../errors.js";

/** One validation problem, without the offending value. */
export interface ValidationIssue {
  /** Where in the input, e.g. `["keys", 0, "kid"]`. */
  readonly path: readonly (string | number)[];
  /** zod's issue code, e.g. `invalid_type`, `too_small`, `unrecognized_keys`. */
  readonly code: string;
  /** What was expected; never contains the received value. */
  readonly message: string;
  /** For `unrecognized_keys`: the unknown keys that are safe to print (keys that look like a name; anything else may be a pasted secret). */
  readonly keys?: readonly string[];
}

// A key is only echoed when it looks like an option name: keys of untrusted input are chosen by
// whoever sent it, and a message must not carry arbitrary text (or a secret pasted as a key).
const PRINTABLE_KEY = /^[A-Za-z0-9_$.-]{1,64}$/;

function printableKey(key: string): boolean {
  return PRINTABLE_KEY.test(key);
}

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), stopping early above `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (prevPrev[j - 2] ?? 0) + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length] ?? max + 1;
}

/**
 * The known key an unknown `key` most likely meant, or `undefined` when none is close: the same
 * key in another case, one a prefix of the other (`blockDurationMs` → `blockDuration`), or a
 * small edit distance (one edit for short names, two from five characters on).
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    let score: number;
    if (c === lower) score = 0;
    else if (Math.min(c.length, lower.length) >= 3 && (c.startsWith(lower) || lower.startsWith(c))) score = 1;
    else {
      const max = Math.min(c.length, lower.length) >= 5 ? 2 : 1;
      const d = editDistance(lower, c, max);
      if (d > max) continue;
      score = 1 + d;
    }
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The sentence for one unknown key: `unknown option "blockDurationMs"; did you mean "blockDuration"?`.
 * `path` is where the object holding the key sits (nested options are named `store.foo`).
 */
function unknownKeyPhrase(
  key: string,
  known: readonly string[],
  path: readonly (string | number)[] = [],
  noun = "option",
): string {
  const prefix = path.map(String).join(".");
  const name = (k: string): string => (prefix === "" ? k : `${prefix}.${k}`);
  if (!printableKey(key)) return `unknown ${noun}${prefix === "" ? "" : ` in "${prefix}"`}`;
  const suggestion = suggestKey(key, known);
  return `unknown ${noun} "${name(key)}"${suggestion === undefined ? "" : `; did you mean "${name(suggestion)}"?`}`;
}

function nounFor(code: MoatErrorCode): string {
  return code === "ERR_CONFIG" ? "option" : "key";
}

/** The keys a zod object schema declares, read from its definition; empty for anything else. */
function declaredKeys(inst: unknown): string[] {
  if (typeof inst !== "object" || inst === null || !("_zod" in inst)) return [];
  const internals = inst._zod;
  if (typeof internals !== "object" || internals === null || !("def" in internals)) return [];
  const def = internals.def;
  if (typeof def !== "object" || def === null || !("shape" in def)) return [];
  const shape = def.shape;
  return typeof shape === "object" && shape !== null ? Object.keys(shape) : [];
}

/**
 * The keys of an options interface, written as a record so that the compiler refuses both a
 * missing and an extra key: the list cannot drift from the type.
 *
 * @example
 * ```ts
 * const KEYS = knownKeys<MigrateOptions>({ migrations: true });
 * ```
 */
export function knownKeys<T extends object>(keys: {
  readonly [K in keyof Required<T> & string]: true;
}): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/**
 * Refuses keys of a plain options object that are not in `known`, with the same message and
 * details as a strict schema. For the few factories whose options are checked by hand (they hold
 * functions or driver objects zod cannot describe usefully).
 */
export function assertKnownKeys(
  input: unknown,
  known: readonly string[],
  what: string,
  code: MoatErrorCode = "ERR_CONFIG",
): void {
  if (typeof input !== "object" || input === null) return;
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  const first = unknown[0];
  if (first === undefined) return;
  const message = unknownKeyPhrase(first, known, [], nounFor(code));
  const issue: ValidationIssue = { path: [], code: "unrecognized_keys", message, keys: unknown.filter(printableKey) };
  throw new MoatError(code, { message: `${what}: ${message}`, details: { issues: [issue] } });
}

function pathOf(path: readonly PropertyKey[]): (string | number)[] {
  return path.map((p) => (typeof p === "symbol" ? String(p.description) : p));
}

function toIssues(error: z.core.$ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = pathOf(issue.path);
    if (issue.code === "unrecognized_keys")
      return { path, code: issue.code, message: issue.message, keys: issue.keys.filter(printableKey) };
    return { path, code: issue.code, message: issue.message };
  });
}

// The customizer sees the raw issue with the object schema that raised it, so the known keys
// come from the schema itself: no list to keep in step by hand.
function unknownKeyParams(noun: string): z.core.ParseContext<z.core.$ZodIssue> {
  return {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? unknownKeyPhrase(iss.keys[0] ?? "", declaredKeys(iss.inst), pathOf(iss.path ?? []), noun)
        : undefined,
  };
}
const OPTION_PARAMS = unknownKeyParams("option");
const KEY_PARAMS = unknownKeyParams("key");

/**
 * Parses `input` with `schema`, throwing a MoatError with the issues in `details.issues`.
 * An unknown key (a strict object's `unrecognized_keys`) is named in the message, with the
 * closest known key as a suggestion, at any depth.
 *
 * @param what names the thing validated in the message, e.g. `"createEnvelope options"`.
 */
function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code: MoatErrorCode = "ERR_CONFIG",
): z.output<S> {
  const result = schema.safeParse(input, code === "ERR_CONFIG" ? OPTION_PARAMS : KEY_PARAMS);
  if (result.success) return result.data;
  const issues = toIssues(result.error);
  const unknownKey = issues.find((issue) => issue.code === "unrecognized_keys");
  if (unknownKey !== undefined)
    throw new MoatError(code, { message: `${what}: ${unknownKey.message}`, details: { issues } });
  const where = issues[0]?.path.join(".") ?? "";
  throw new MoatError(code, {
    message: `invalid ${what}${where === "" ? "" : ` at "${where}"`}`,
    details: { issues },
  });
}

/** {@link parseWith} for factory options: failures are ERR_CONFIG. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseWith(schema, input, what, "ERR_CONFIG");
}

/** {@link parseWith} for call arguments: failures are ERR_INVALID_INPUT. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseWith(schema, input, what, "ERR_INVALID_INPUT");
}
