/**
 * The detection engine: runs the enabled detectors (email by `@`, the numeric ones in one fused
 * pass, custom ones by their own `find`), merges their sorted outputs and resolves overlaps.
 *
 * Overlapping matches are merged into one span carrying the type of the most specific match
 * (highest priority, then the longest, then the first). Merging instead of dropping the loser
 * means a lost overlap never leaves part of a value in the clear.
 */
import { MoatError } from "../errors.js";
import { unitsOf } from "./chars.js";
import {
  type BuiltinSpec,
  BUILTIN_PRIORITY,
  DEFAULT_CUSTOM_MAX_LENGTH,
  DEFAULT_CUSTOM_PRIORITY,
  builtinSpecOf,
} from "./detectors.js";
import { scanEmails } from "./email.js";
import { type NumberScanOutput, type NumberScanPlan, scanNumbers } from "./number-scan.js";
import type { PhoneRegions } from "./phone-regions.js";
import type { SsnRules } from "./ssn.js";
import type { Detector } from "./types.js";

/** Characters a detector may look at after a match's end (boundary checks). */
export const LOOKAHEAD = 2;
/** Characters a detector may look at before a match (context words, local parts, boundaries). */
export const LOOKBEHIND = 80;

/** A compiled set of detectors. */
export interface DetectionEngine {
  /** Type names, indexed by the type index in resolved triples. */
  readonly types: readonly string[];
  /** The distinct types this engine can return. */
  readonly activeTypes: readonly string[];
  /** Longest match any detector can return. */
  readonly maxLength: number;
  /**
   * Flat [start, end, typeIndex, …] triples: sorted, non-overlapping, overlaps merged. Matches
   * that start before `from` are ignored (a stream re-scanning text it already emitted).
   */
  resolve(text: string, from?: number): readonly number[];
}

interface CustomEntry {
  readonly detector: Detector;
  readonly typeIndex: number;
  readonly priority: number;
}

const EMAIL = 0;
const CARD = 1;
const SSN = 2;
const PHONE = 3;
const BUILTIN_TYPES = ["email", "credit_card", "ssn", "phone"];
/** The type index of each built-in list, in the order collect passes them to {@link mergeSorted}. */
const BUILTIN_LIST_TYPES: readonly number[] = [EMAIL, CARD, SSN, PHONE];

/** Which detectors are on, and the type table the engine reports with. */
interface DetectorPlan {
  /** Type names by type index: the four built-ins first, then each custom detector. */
  readonly types: string[];
  /** Overlap priority by type index. */
  readonly priorities: number[];
  readonly email: boolean;
  /** Whether the email detector accepts single-label domains. */
  readonly emailSingleLabel: boolean;
  readonly card: boolean;
  readonly phone: boolean;
  /** National formats the phone detector also recognises. */
  readonly phoneRegions: PhoneRegions | undefined;
  readonly ssn: SsnRules | undefined;
  readonly customs: CustomEntry[];
  readonly maxLength: number;
}

/** Sorts detectors into built-ins (each at most once) and custom ones. Throws ERR_CONFIG for a duplicate built-in. */
function planDetectors(detectors: readonly Detector[]): DetectorPlan {
  const types = [...BUILTIN_TYPES];
  const priorities = [
    BUILTIN_PRIORITY.email,
    BUILTIN_PRIORITY.credit_card,
    BUILTIN_PRIORITY.ssn,
    BUILTIN_PRIORITY.phone,
  ];
  let email = false;
  let emailSingleLabel = false;
  let card = false;
  let phone = false;
  let phoneRegions: PhoneRegions | undefined;
  let ssn: SsnRules | undefined;
  let maxLength = 0;
  const customs: CustomEntry[] = [];
  const seen = new Set<BuiltinSpec["kind"]>();
  for (const detector of detectors) {
    const spec = builtinSpecOf(detector);
    if (spec !== undefined) {
      if (seen.has(spec.kind))
        throw new MoatError("ERR_CONFIG", { message: `detectors list "${spec.kind}" more than once` });
      seen.add(spec.kind);
      if (spec.kind === "email") {
        email = true;
        emailSingleLabel = spec.singleLabelDomains;
      } else if (spec.kind === "credit_card") card = true;
      else if (spec.kind === "phone") {
        phone = true;
        phoneRegions = spec.regions;
      } else ssn = spec.rules;
    } else {
      const priority = detector.priority ?? DEFAULT_CUSTOM_PRIORITY;
      customs.push({ detector, typeIndex: types.length, priority });
      types.push(detector.type);
      priorities.push(priority);
    }
    maxLength = Math.max(maxLength, detector.maxLength ?? DEFAULT_CUSTOM_MAX_LENGTH);
  }
  return { types, priorities, email, emailSingleLabel, card, phone, phoneRegions, ssn, customs, maxLength };
}

/** A custom detector's matches from `from` on, as sorted [start, end, …] pairs; its spans are checked. */
function collectCustom(text: string, entry: CustomEntry, from: number): number[] {
  const pairs: number[] = [];
  let sorted = true;
  let last = -1;
  for (const span of entry.detector.find(text)) {
    const { start, end } = span;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end <= start || end > text.length) {
      throw new MoatError("ERR_CONFIG", { message: `detector "${entry.detector.type}" returned an invalid span` });
    }
    if (start < from) continue;
    if (start < last) sorted = false;
    last = start;
    pairs.push(start, end);
  }
  if (!sorted) {
    const order: [number, number][] = [];
    for (let k = 0; k < pairs.length; k += 2) order.push([pairs[k] ?? 0, pairs[k + 1] ?? 0]);
    order.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    pairs.length = 0;
    for (const [s, e] of order) pairs.push(s, e);
  }
  return pairs;
}

/** Compiles detectors into an engine. Throws ERR_CONFIG for a duplicate built-in. */
export function compileEngine(detectors: readonly Detector[]): DetectionEngine {
  const { types, priorities, email, emailSingleLabel, card, phone, phoneRegions, ssn, customs, maxLength } =
    planDetectors(detectors);
  const plan: NumberScanPlan | undefined =
    card || phone || ssn !== undefined ? { card, ssn, phone, phoneRegions } : undefined;

  /** Resolves `text` with the scanners writing to `emails` and `numbers` (empty on entry). */
  function collect(text: string, from: number, emails: number[], numbers: NumberScanOutput): readonly number[] {
    if (email || plan !== undefined) {
      // The scanners read code units, not the string (see unitsOf): taken once, for both. The
      // number scan comes last: on full-width digits it takes the units of a folded copy,
      // which overwrites these.
      const units = unitsOf(text);
      if (email) scanEmails(text, units, emails, emailSingleLabel);
      if (plan !== undefined) scanNumbers(text, units, plan, numbers);
    }
    if (customs.length === 0 && from === 0) {
      // The usual case, without the list of lists: one kind of value or none.
      const only = onlyList(emails, numbers);
      if (only !== undefined) return only;
      // Several kinds: merge the four lists as they are (empty ones are passed over).
      return mergeSorted([emails, numbers.card, numbers.ssn, numbers.phone], BUILTIN_LIST_TYPES, priorities);
    }
    const lists: number[][] = [];
    const listTypes: number[] = [];
    addList(lists, listTypes, emails, EMAIL, from);
    addList(lists, listTypes, numbers.card, CARD, from);
    addList(lists, listTypes, numbers.ssn, SSN, from);
    addList(lists, listTypes, numbers.phone, PHONE, from);
    for (const entry of customs) addList(lists, listTypes, collectCustom(text, entry, from), entry.typeIndex, from);
    if (lists.length === 0) return NONE;
    if (lists.length === 1) return singleList(lists[0] ?? [], listTypes[0] ?? 0);
    return mergeSorted(lists, listTypes, priorities);
  }

  // With custom detectors anything may match; with the built-ins only, a text without a digit
  // or an `@` holds no value.
  const gated = customs.length === 0;

  function resolve(text: string, from = 0): readonly number[] {
    if (gated && !mayHoldBuiltinValue(text)) return NONE;
    // Fresh lists per call: reusing scratch lists needs `length = 0` to empty them, a runtime
    // call that also drops their storage, and measured slower than allocating them.
    return collect(text, from, [], { card: [], ssn: [], phone: [] });
  }

  const activeTypes = [
    ...new Set([
      ...(email ? ["email"] : []),
      ...(ssn !== undefined ? ["ssn"] : []),
      ...(phone ? ["phone"] : []),
      ...(card ? ["credit_card"] : []),
      ...customs.map((c) => c.detector.type),
    ]),
  ];
  return { types, activeTypes, maxLength: Math.max(maxLength, 1), resolve };
}

/**
 * Every email address holds an `@`, and every card, SSN and phone number an ASCII or
 * full-width digit: a text with neither (a plain message) holds no built-in value.
 */
const BUILTIN_VALUE_CHAR = /[0-9@\uFF10-\uFF19]/;

/**
 * Whether `text` may hold a built-in value. One native search, cheaper than a scan of a text
 * without one and a few characters' work on a log line (they start with a timestamp); the
 * scanners never see a text it rejects.
 */
export function mayHoldBuiltinValue(text: string): boolean {
  // A log line that starts with its timestamp answers without the search.
  const c = text.charCodeAt(0);
  return (c >= 48 && c <= 57) || BUILTIN_VALUE_CHAR.test(text);
}

/** The resolution of a text with nothing in it; shared, never written to. */
const NONE: readonly number[] = Object.freeze([]);

/**
 * The resolution when at most one of the built-in lists has matches (NONE or that list as
 * triples); undefined when several do and they must be merged.
 */
function onlyList(email: number[], numbers: NumberScanOutput): readonly number[] | undefined {
  const e = email.length !== 0 ? 1 : 0;
  const c = numbers.card.length !== 0 ? 1 : 0;
  const s = numbers.ssn.length !== 0 ? 1 : 0;
  const p = numbers.phone.length !== 0 ? 1 : 0;
  const count = e + c + s + p;
  if (count === 0) return NONE;
  if (count > 1) return undefined;
  if (e === 1) return singleList(email, EMAIL);
  if (c === 1) return singleList(numbers.card, CARD);
  return s === 1 ? singleList(numbers.ssn, SSN) : singleList(numbers.phone, PHONE);
}

/** Adds a non-empty list, without the matches that start before `from`. */
function addList(lists: number[][], listTypes: number[], pairs: number[], typeIndex: number, from: number): void {
  if (from > 0) {
    let k = 0;
    while (k < pairs.length && (pairs[k] ?? 0) < from) k += 2;
    if (k > 0) pairs.splice(0, k);
  }
  if (pairs.length > 0) {
    lists.push(pairs);
    listTypes.push(typeIndex);
  }
}

/**
 * Triples from one detector's sorted pairs: the common case of a line with one kind of value,
 * without the k-way merge. Pairs that overlap (two addresses glued together) are joined, as
 * {@link mergeSorted} would.
 */
function singleList(pairs: readonly number[], type: number): number[] {
  const out: number[] = [];
  let spanStart = pairs[0] ?? 0;
  let spanEnd = pairs[1] ?? 0;
  for (let k = 2; k < pairs.length; k += 2) {
    const s = pairs[k] ?? 0;
    const e = pairs[k + 1] ?? 0;
    if (s < spanEnd) {
      if (e > spanEnd) spanEnd = e;
      continue;
    }
    out.push(spanStart, spanEnd, type);
    spanStart = s;
    spanEnd = e;
  }
  out.push(spanStart, spanEnd, type);
  return out;
}

/** Whether candidate (s1,e1,t1) is more specific than (s2,e2,t2). */
function beats(
  s1: number,
  e1: number,
  t1: number,
  s2: number,
  e2: number,
  t2: number,
  priorities: readonly number[],
): boolean {
  const p1 = priorities[t1] ?? 0;
  const p2 = priorities[t2] ?? 0;
  if (p1 !== p2) return p1 > p2;
  const l1 = e1 - s1;
  const l2 = e2 - s2;
  if (l1 !== l2) return l1 > l2;
  return s1 < s2;
}

/**
 * k-way merge of start-sorted lists into resolved triples. A candidate that overlaps the span
 * being built extends it; the span keeps the type of its most specific member.
 */
function mergeSorted(
  lists: readonly (readonly number[])[],
  listTypes: readonly number[],
  priorities: readonly number[],
): number[] {
  const out: number[] = [];
  const k = lists.length;
  if (k === 0) return out;
  // A literal, not `new Array(k).fill(0)`: a builtin call per merged line.
  const pos: number[] = [];
  for (let i = 0; i < k; i++) pos.push(0);
  // The span being built, and its most specific member.
  let spanStart = -1;
  let spanEnd = -1;
  let bestStart = 0;
  let bestEnd = 0;
  let bestType = 0;
  for (;;) {
    let pick = -1;
    let pickStart = 0;
    let pickEnd = 0;
    for (let i = 0; i < k; i++) {
      const list = lists[i] ?? [];
      const p = pos[i] ?? 0;
      if (p >= list.length) continue;
      const s = list[p] ?? 0;
      const e = list[p + 1] ?? 0;
      if (
        pick === -1 ||
        s < pickStart ||
        (s === pickStart && beats(s, e, listTypes[i] ?? 0, pickStart, pickEnd, listTypes[pick] ?? 0, priorities))
      ) {
        pick = i;
        pickStart = s;
        pickEnd = e;
      }
    }
    if (pick === -1) break;
    pos[pick] = (pos[pick] ?? 0) + 2;
    const type = listTypes[pick] ?? 0;
    if (spanStart !== -1 && pickStart < spanEnd) {
      if (pickEnd > spanEnd) spanEnd = pickEnd;
      if (beats(pickStart, pickEnd, type, bestStart, bestEnd, bestType, priorities)) {
        bestStart = pickStart;
        bestEnd = pickEnd;
        bestType = type;
      }
      continue;
    }
    if (spanStart !== -1) out.push(spanStart, spanEnd, bestType);
    spanStart = bestStart = pickStart;
    spanEnd = bestEnd = pickEnd;
    bestType = type;
  }
  if (spanStart !== -1) out.push(spanStart, spanEnd, bestType);
  return out;
}
