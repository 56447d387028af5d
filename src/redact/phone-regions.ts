/**
 * National phone formats, opt in per region (`phoneDetector({ regions: ["GB", "DE"] })`):
 * `030 1234567`, `07911 123456`, `01 23 45 67 89`, `(02) 9876 5432`, `(11) 96123-4567`,
 * `8 (912) 345-67-89`, `06 1 234 5678`. A candidate is a chain of digit groups; its digits must
 * be, for one of the chosen regions, the trunk prefix plus a national significant number, or a
 * national number written without it where that region's national format does so, under
 * libphonenumber's patterns for personal numbers (fixed line, mobile, personal, voicemail, pager,
 * VoIP; see data/phone-regions.ts). The patterns come as data and are compiled once per
 * detector into one anchored regular expression, which only ever runs on at most
 * {@link MAX_NATIONAL_DIGITS} digits, so the scan stays linear whatever the text.
 *
 * For precision, as in the default detector: a chain of digits without any separator counts only
 * after a context word ("phone", "tel" …); dates (`03.02.2024`, `2024-02-03`), IPv4 addresses and
 * the next number of a space-separated list are never numbers; the chain is taken whole (a valid
 * number cut out of a longer chain is not one). NANP regions (+1) add nothing: their national
 * formats are recognised by default.
 */
import { canStartNumber, digitRunEnd, followsSpacedDigit } from "./boundaries.js";
import { isDigit } from "./chars.js";
import { PHONE_CONTEXT_WORDS, hasContextWord } from "./context.js";
import { PHONE_REGION_DATA } from "./data/phone-regions.js";
import { phoneEnd } from "./phone-extension.js";

/** Trunk prefix (up to 2 digits) plus the longest national number libphonenumber knows (17). */
const MAX_NATIONAL_DIGITS = 19;
/** The longest number without its extension, in characters (as for international numbers). */
const NUMBER_MAX_LENGTH = 40;
/** The most digit groups in a chain (`06 1 234 56 78` has five; a sixth is a list). */
const MAX_GROUPS = 6;

/** The chosen regions, compiled. */
export interface PhoneRegions {
  /** The region codes, sorted, as given. */
  readonly codes: readonly string[];
  /** Whether a digit string is a national number (trunk prefix included) of one of the regions. */
  readonly national: RegExp;
  /** Bit d is set when a lone digit d may be a trunk prefix group (`8 (912) …`). */
  readonly singleDigitTrunks: number;
}

/** Every region code phone regions accept: ISO 3166-1 alpha-2, as libphonenumber lists them. */
export const PHONE_REGIONS: readonly string[] = Object.freeze(Object.keys(PHONE_REGION_DATA));

/** Whether `code` is a region code {@link compilePhoneRegions} accepts. */
export function isPhoneRegion(code: unknown): code is string {
  return typeof code === "string" && Object.hasOwn(PHONE_REGION_DATA, code);
}

/**
 * Compiles region codes (already checked with {@link isPhoneRegion}) into one anchored pattern:
 * `^(?:0(?:<GB>|<DE>)|8(?:<RU>)|<IT>|<BR without trunk>)$`. Regions that share a trunk prefix
 * share one branch. Returns undefined when the regions add nothing (none given, or only NANP).
 */
export function compilePhoneRegions(codes: readonly string[]): PhoneRegions | undefined {
  const sorted = [...new Set(codes)].sort();
  const byTrunk = new Map<string, string[]>();
  const bare: string[] = [];
  let singleDigitTrunks = 0;
  for (const code of sorted) {
    const data = PHONE_REGION_DATA[code];
    if (data === undefined) continue;
    const [, trunk, withTrunk, withoutTrunk] = data;
    if (withTrunk !== "") {
      const list = byTrunk.get(trunk) ?? [];
      list.push(withTrunk);
      byTrunk.set(trunk, list);
      if (trunk.length === 1) singleDigitTrunks |= 1 << (trunk.charCodeAt(0) - 48);
    }
    if (withoutTrunk !== "") bare.push(withoutTrunk === "=" ? withTrunk : withoutTrunk);
  }
  const branches = [...byTrunk].map(([trunk, patterns]) => `${trunk}(?:${patterns.join("|")})`);
  branches.push(...bare);
  if (branches.length === 0) return undefined;
  return Object.freeze({
    codes: Object.freeze(sorted),
    national: new RegExp(`^(?:${branches.join("|")})$`),
    singleDigitTrunks,
  });
}

const SPACE = 1;
const DASH = 2;
const DOT = 4;
const SLASH = 8;

function separatorKind(c: number): number {
  if (c === 32) return SPACE;
  if (c === 45) return DASH;
  if (c === 46) return DOT;
  return c === 47 ? SLASH : 0;
}

// Digit count of each group of the chain being read (the scan is synchronous, so one buffer serves).
const groupLengths = new Uint8Array(MAX_GROUPS);

/** Day or month: a one- or two-digit group of at most `max`, read from `digits` at `at`. */
function dateField(digits: string, at: number, length: number, max: number): boolean {
  if (length < 1 || length > 2) return false;
  const v = Number(digits.slice(at, at + length));
  return v >= 1 && v <= max;
}

/**
 * `03.02.2024`, `3/2/24`, `2024-02-03`, `192.168.1.20`: three groups shaped as a date with one
 * kind of separator, or four dot-separated groups of at most three digits.
 */
function isDateOrAddress(digits: string, groups: number, kinds: number): boolean {
  const a = groupLengths[0] ?? 0;
  const b = groupLengths[1] ?? 0;
  const c = groupLengths[2] ?? 0;
  if (groups === 4 && kinds === DOT) return a <= 3 && b <= 3 && c <= 3 && (groupLengths[3] ?? 0) <= 3;
  if (groups !== 3 || (kinds & (kinds - 1)) !== 0) return false;
  if (a === 4) return dateField(digits, 4, b, 12) && dateField(digits, 4 + b, c, 31);
  if (c !== 2 && c !== 4) return false;
  // Day and month in either order (03.02.2024, 02/03/2024).
  return dateField(digits, 0, a, 31) && dateField(digits, a, b, 31);
}

/**
 * A national number of one of `regions` starting at `i` (a digit, or a `(` around the first
 * group); its end (after any extension) or -1.
 */
export function matchRegionalPhone(text: string, i: number, regions: PhoneRegions): number {
  if (!canStartNumber(text, i)) return -1;
  let pos = i;
  let digits = "";
  let groups = 0;
  let kinds = 0;
  let slashes = 0;
  let parenthesised = false;
  let end = -1;
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c === 40) {
      // A parenthesised group: the first (`(030) 1234567`), or the one after a trunk (`8 (912)`).
      if (parenthesised || groups > 1 || (groups === 1 && !isTrunkGroup(digits, regions))) return -1;
      const inner = digitRunEnd(text, pos + 1);
      const length = inner - pos - 1;
      if (length < 1 || length > 5 || text.charCodeAt(inner) !== 41 || digits.length + length > MAX_NATIONAL_DIGITS)
        return -1;
      parenthesised = true;
      digits += text.slice(pos + 1, inner);
      groupLengths[groups++] = length;
      pos = inner + 1;
      if (text.charCodeAt(pos) === 32) pos++;
      if (!isDigit(text.charCodeAt(pos))) return -1;
      continue;
    }
    if (!isDigit(c)) break;
    const runEnd = digitRunEnd(text, pos);
    // One group too many or too long: a longer list or id, never a number cut out of it.
    if (groups === MAX_GROUPS || digits.length + runEnd - pos > MAX_NATIONAL_DIGITS) return -1;
    if (groups === 0 && runEnd - pos === 1 && !isTrunkGroup(text.charAt(pos), regions)) return -1;
    digits += text.slice(pos, runEnd);
    groupLengths[groups++] = runEnd - pos;
    end = runEnd;
    const s = text.charCodeAt(runEnd);
    const next = text.charCodeAt(runEnd + 1);
    const kind = separatorKind(s);
    if (kind !== 0 && isDigit(next)) {
      kinds |= kind;
      if (kind === SLASH) slashes++;
      pos = runEnd + 1;
      continue;
    }
    if (groups === 1 && (s === 32 || s === 40) && isTrunkGroup(digits, regions)) {
      pos = s === 32 && next === 40 ? runEnd + 1 : runEnd; // `8 (912)`, `8(912)`
      if (text.charCodeAt(pos) === 40) continue;
    }
    break;
  }
  if (end === -1 || end - i > NUMBER_MAX_LENGTH) return -1;
  // Dots never mix with other separators (`1.5-2`), and one slash at most (`030/1234567`).
  if ((kinds & DOT && kinds !== DOT) || slashes > 1) return -1;
  if ((kinds & SPACE || parenthesised) && followsSpacedDigit(text, i)) return -1;
  if (isDateOrAddress(digits, groups, kinds)) return -1;
  const last = phoneEnd(text, end);
  if (last === -1 || !regions.national.test(digits)) return -1;
  // One unbroken run of digits is an id more often than a phone number, unless a word says so.
  if (groups === 1 && !hasContextWord(text, i, PHONE_CONTEXT_WORDS)) return -1;
  return last;
}

/** Whether `digits` (one group) is a one-digit trunk prefix of a chosen region (`8` for RU). */
function isTrunkGroup(digits: string, regions: PhoneRegions): boolean {
  return digits.length === 1 && (regions.singleDigitTrunks & (1 << (digits.charCodeAt(0) - 48))) !== 0;
}
