/**
 * US Social Security numbers. `AAA-GG-SSSS`, `AAA GG SSSS` and `AAA.GG.SSSS` (one separator
 * throughout) are found anywhere; a bare nine-digit run, mixed separators or a partial grouping
 * (`AAA-GGSSSS`, `AAAGG-SSSS`) only with a context word ("ssn", "social security") before it.
 */
import { END, type Units } from "./chars.js";
import { canEndNumber, digitRunEnd, followsSpacedDigit, precedesSpacedDigit } from "./boundaries.js";
import { SSN_CONTEXT, hasContextWord } from "./context.js";
import { SSN_DENY_LIST, SSN_INVALID_AREAS } from "./data/ssn-rules.js";

/** The longest SSN match (`AAA-GG-SSSS`). */
export const SSN_MAX_LENGTH = 11;

/** Compiled SSN rules: the deny list as nine-digit integers. */
export interface SsnRules {
  readonly deny: ReadonlySet<number>;
}

/** Parses deny-list entries (any punctuation ignored) into nine-digit integers. */
export function compileSsnRules(denyList: readonly string[] = SSN_DENY_LIST): SsnRules {
  const deny = new Set<number>();
  for (const entry of denyList) {
    const digits = entry.replace(/\D/g, "");
    if (digits.length === 9) deny.add(Number(digits));
  }
  return { deny };
}

/** 1 for each area number (000–999) never issued, from SSN_INVALID_AREAS: one lookup per candidate. */
const INVALID_AREA = new Uint8Array(1000);
for (const [from, to] of SSN_INVALID_AREAS) INVALID_AREA.fill(1, from, to + 1);

/** Whether nine digits could be an issued SSN (area, group, serial, repeated digits, deny list). */
function isPlausibleSsn(value: number, rules: SsnRules): boolean {
  const area = Math.floor(value / 1_000_000);
  const group = Math.floor(value / 10_000) % 100;
  const serial = value % 10_000;
  if (INVALID_AREA[area] === 1) return false;
  if (group === 0 || serial === 0) return false;
  // One digit nine times (111-11-1111) is a placeholder, as Presidio also decides.
  if (value % 111_111_111 === 0) return false;
  return !rules.deny.has(value);
}

function isSsnSeparator(c: number): boolean {
  return c === 45 || c === 32 || c === 46; // - space .
}

function digitsValue(text: Units, from: number, to: number, acc: number): number {
  let v = acc;
  for (let i = from; i < to; i++) v = v * 10 + ((text[i] ?? END) - 48);
  return v;
}

/**
 * The end of an SSN starting at `i` (where a digit run `[i, runEnd)` begins), or -1.
 */
export function matchSsn(text: Units, i: number, runEnd: number, rules: SsnRules): number {
  const len = runEnd - i;
  let end: number;
  let value: number;
  let needsContext: boolean;
  if (len === 9) {
    end = runEnd;
    value = digitsValue(text, i, runEnd, 0);
    needsContext = true;
  } else if (len === 3 || len === 5) {
    const s1 = text[runEnd] ?? END;
    if (!isSsnSeparator(s1)) return -1;
    const g = runEnd + 1;
    const gEnd = digitRunEnd(text, g);
    const glen = gEnd - g;
    if (len === 3 && glen === 2) {
      const s2 = text[gEnd] ?? END;
      if (!isSsnSeparator(s2)) return -1;
      end = digitRunEnd(text, gEnd + 1);
      if (end - gEnd - 1 !== 4) return -1;
      needsContext = s1 !== s2;
      if (s1 === 32 && s2 === 32 && (followsSpacedDigit(text, i) || precedesSpacedDigit(text, end))) return -1;
    } else if ((len === 3 && glen === 6) || (len === 5 && glen === 4)) {
      if (s1 === 46) return -1;
      end = gEnd;
      needsContext = true;
    } else {
      return -1;
    }
    value = 0;
    for (let k = i; k < end; k++) {
      const c = text[k] ?? END;
      if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
    }
  } else {
    return -1;
  }
  if (!canEndNumber(text, end) || !isPlausibleSsn(value, rules)) return -1;
  if (needsContext && !hasContextWord(text, i, SSN_CONTEXT)) return -1;
  return end;
}
