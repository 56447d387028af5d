/**
 * One pass over the text's code units for every numeric detector (cards, SSNs, phones). Each
 * position where a value can start is handed to the enabled matchers. (A hand-written loop: a
 * regular expression for the candidates measured no faster and allocates a match per
 * candidate.) Each matcher's own matches never overlap (a matcher does not look for a new start
 * inside its last match); overlaps between types are resolved later by priority.
 */
import { canStartNumber, digitRunEnd } from "./boundaries.js";
import { END, type Units, isDigit, unitsOf } from "./chars.js";
import { CARD_MAX_DIGITS, CARD_MIN_DIGITS, matchCard } from "./card.js";
import {
  matchGroupedNationalPhone,
  matchInternationalPhone,
  matchNationalPhone,
  matchParenthesisedPhone,
  matchPrefixedPhone,
} from "./phone.js";
import { type PhoneRegions, matchRegionalPhone } from "./phone-regions.js";
import { type SsnRules, matchSsn } from "./ssn.js";

/** Which numeric detectors run, with their settings. */
export interface NumberScanPlan {
  readonly card: boolean;
  readonly ssn: SsnRules | undefined;
  readonly phone: boolean;
  /** National formats of these regions too (`phoneDetector({ regions })`); only with `phone`. */
  readonly phoneRegions?: PhoneRegions | undefined;
}

/** Output buffers: flat [start, end, start, end, …] per type. */
export interface NumberScanOutput {
  readonly card: number[];
  readonly ssn: number[];
  readonly phone: number[];
}

// Full-width forms (U+FF08–U+FF19: `（）＋－．／０-９`) and the ideographic space, as typed with
// East Asian input methods. Each is one UTF-16 unit, like its ASCII form, so offsets stay put.
const FULL_WIDTH_ALL = /[\uFF08-\uFF19\u3000]/gu;

function toAscii(ch: string): string {
  const c = ch.charCodeAt(0);
  return c === 0x3000 ? " " : String.fromCharCode(c - 0xfee0);
}

/** Whether `c` is one of the full-width forms read as ASCII. */
function isFullWidthForm(c: number): boolean {
  return c === 0x3000 || (c >= 0xff08 && c <= 0xff19);
}

/** Whether `%2B` / `%2b` followed by a digit starts at `i`. */
function isEncodedPlus(text: Units, i: number): boolean {
  const d = text[i + 3] ?? END;
  return (text[i + 1] ?? END) === 50 && ((text[i + 2] ?? END) | 0x20) === 98 && d >= 48 && d <= 57;
}

/** Whether a digit run of `len` digits starting with `c` can start any value. */
function runCanStart(c: number, len: number, regional: PhoneRegions | undefined): boolean {
  // Runs of two digits (and lone digits) start nothing, except a trunk `1`, the `00`
  // international prefix, and anything under national formats.
  return len > 2 || (len === 1 && c === 49) || (len === 2 && c === 48) || regional !== undefined;
}

/** The end of a phone number starting at the digit run `[i, runEnd)` (first digit `c`), or -1. */
function phoneAtRun(text: Units, i: number, runEnd: number, c: number, regional: PhoneRegions | undefined): number {
  const len = runEnd - i;
  let end = len === 1 || len === 3 || len === 10 || len === 11 ? matchNationalPhone(text, i, runEnd) : -1;
  if (end === -1 && c === 48) {
    end = matchPrefixedPhone(text, i, runEnd);
    if (end === -1) end = matchGroupedNationalPhone(text, i, runEnd);
  }
  if (end === -1 && regional !== undefined) end = matchRegionalPhone(text, i, regional);
  return end;
}

/**
 * A phone number starting at the sign `c` at `i` (`+`, `(`, or the `%` of a URL-encoded `+`),
 * appended to `phones`; its end, or -1 when there is none.
 */
function phoneAtSign(text: Units, i: number, c: number, regional: PhoneRegions | undefined, phones: number[]): number {
  if (c === 40) {
    let end = matchParenthesisedPhone(text, i);
    if (end === -1 && regional !== undefined) end = matchRegionalPhone(text, i, regional);
    if (end !== -1) phones.push(i, end);
    return end;
  }
  const match = c === 37 ? matchInternationalPhone(text, i, i + 3) : matchInternationalPhone(text, i);
  if (match === undefined) return -1;
  phones.push(match[0], match[1]);
  return match[1];
}

/**
 * Scans `text` (whose code units are `units`, from {@link unitsOf}) once and appends every card,
 * SSN and phone match to `out`. Full-width digits (`０９０－１２３４－５６７８`) are read as their
 * ASCII forms.
 */
export function scanNumbers(text: string, units: Units, plan: NumberScanPlan, out: NumberScanOutput): void {
  const n = units.length;
  const cardEntry = out.card.length;
  const ssnEntry = out.ssn.length;
  const phoneEntry = out.phone.length;
  const ssnRules = plan.ssn;
  const card = plan.card;
  const phone = plan.phone;
  const regional = phone ? plan.phoneRegions : undefined;
  let cardFloor = 0;
  let ssnFloor = 0;
  let phoneFloor = 0;
  let i = 0;
  while (i < n) {
    const c = units[i] ?? END;
    // Everything that can start a value lies in `(` (40) … `9` (57): letters and spaces cost
    // one or two comparisons.
    if (c > 57) {
      // Full-width digits (rare): start again on a copy with them folded to ASCII, same
      // offsets. Checked here rather than by a search before the scan, which costs a call per line.
      if (c >= 0x3000 && isFullWidthForm(c)) {
        out.card.length = cardEntry;
        out.ssn.length = ssnEntry;
        out.phone.length = phoneEntry;
        const folded = text.replace(FULL_WIDTH_ALL, toAscii);
        scanNumbers(folded, unitsOf(folded), plan, out);
        return;
      }
      i++;
      continue;
    }
    if (c < 48) {
      // `+` or `(` before a digit; `%2B` is a URL-encoded `+` (`?phone=%2B14155550132` in an access log).
      if (
        phone &&
        i >= phoneFloor &&
        ((c === 37 && isEncodedPlus(units, i)) || ((c === 43 || c === 40) && isDigit(units[i + 1] ?? END)))
      ) {
        const end = phoneAtSign(units, i, c, regional, out.phone);
        if (end !== -1) phoneFloor = end;
      }
      i++;
      continue;
    }
    const runEnd = digitRunEnd(units, i);
    const len = runEnd - i;
    if (runCanStart(c, len, regional) && canStartNumber(units, i)) {
      if (card && i >= cardFloor && (len >= CARD_MIN_DIGITS ? len <= CARD_MAX_DIGITS : len >= 4 && len <= 6)) {
        const end = matchCard(units, i, runEnd);
        if (end !== -1) {
          out.card.push(i, end);
          cardFloor = end;
        }
      }
      if (ssnRules !== undefined && i >= ssnFloor && (len === 3 || len === 5 || len === 9)) {
        const end = matchSsn(units, i, runEnd, ssnRules);
        if (end !== -1) {
          out.ssn.push(i, end);
          ssnFloor = end;
        }
      }
      if (phone && i >= phoneFloor) {
        const end = phoneAtRun(units, i, runEnd, c, regional);
        if (end !== -1) {
          out.phone.push(i, end);
          phoneFloor = end;
        }
      }
    }
    i = runEnd;
  }
}
