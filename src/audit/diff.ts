/**
 * Structured diffs between two versions of a record, for the audit trail. The comparison runs on
 * the real values; only what is written out is redacted, so a changed password shows as a
 * change from "[REDACTED]" to "[REDACTED]" and an unchanged one not at all.
 */
import { type JsonObject, type JsonValue, isJsonObject } from "./json-value.js";
import { REDACTED, type Redaction } from "./redaction.js";

/** One change between `before` and `after`. */
export interface AuditDiffEntry {
  /**
   * Where, as a JSON Pointer (RFC 6901): `""` is the whole value, `"/settings/mfa"` a nested
   * key, `"/members/2"` an array element; `~` and `/` in keys are written `~0` and `~1`.
   */
  readonly path: string;
  /** `add`: only in `after`; `remove`: only in `before`; `change`: different in both. */
  readonly op: "add" | "remove" | "change";
  /** The old value (redacted); absent for `add`. */
  readonly before?: JsonValue;
  /** The new value (redacted); absent for `remove`. */
  readonly after?: JsonValue;
}

function pointerSegment(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

function equalJson(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const other: readonly JsonValue[] = b;
    return a.every((item: JsonValue, i) => equalJson(item, other[i] ?? null));
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && equalJson(a[k] ?? null, b[k] ?? null));
}

interface Walk {
  readonly redaction: Redaction;
  readonly out: AuditDiffEntry[];
}

function emit(
  walk: Walk,
  path: string,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  sensitive: boolean,
): void {
  const shown = (v: JsonValue): JsonValue => (sensitive ? REDACTED : walk.redaction.value(v));
  if (before === undefined && after !== undefined) walk.out.push({ path, op: "add", after: shown(after) });
  else if (after === undefined && before !== undefined) walk.out.push({ path, op: "remove", before: shown(before) });
  else if (before !== undefined && after !== undefined) {
    walk.out.push({ path, op: "change", before: shown(before), after: shown(after) });
  }
}

function diffValues(
  walk: Walk,
  path: string,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  sensitive: boolean,
): void {
  if (before === undefined || after === undefined) {
    emit(walk, path, before, after, sensitive);
    return;
  }
  if (sensitive) {
    // Whole subtree hidden: say that it changed, never where or how.
    if (!equalJson(before, after)) emit(walk, path, before, after, true);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeArr: readonly JsonValue[] = before;
    const afterArr: readonly JsonValue[] = after;
    // Positional, like RFC 6902 generators: predictable paths, no guessing at moves.
    const n = Math.max(beforeArr.length, afterArr.length);
    for (let i = 0; i < n; i++) diffValues(walk, `${path}/${String(i)}`, beforeArr[i], afterArr[i], false);
    return;
  }
  if (isJsonObject(before) && isJsonObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const childPath = `${path}/${pointerSegment(walk.redaction.text(key))}`;
      const b = Object.hasOwn(before, key) ? before[key] : undefined;
      const a = Object.hasOwn(after, key) ? after[key] : undefined;
      diffValues(walk, childPath, b, a, walk.redaction.isSensitiveKey(key));
    }
    return;
  }
  if (!equalJson(before, after)) emit(walk, path, before, after, false);
}

/**
 * The changes from `before` to `after` (plain JSON values), with values under sensitive keys
 * replaced by `"[REDACTED]"` and every other string and key passed through the text redactor.
 * Objects are compared key by key (in sorted key order) and arrays index by index. A missing
 * side of an object counts as `{}`, so a created record lists one `add` per field.
 *
 * @internal Use {@link computeAuditDiff} from outside the module.
 */
export function diffJson(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  redaction: Redaction,
): AuditDiffEntry[] {
  const walk: Walk = { redaction, out: [] };
  const empty: JsonObject = {};
  const b = before === undefined && isJsonObject(after) ? empty : before;
  const a = after === undefined && isJsonObject(before) ? empty : after;
  diffValues(walk, "", b, a, false);
  return walk.out;
}
