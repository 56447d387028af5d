/**
 * National phone formats, opt in per region (`phoneDetector({ regions: ["GB", "DE"] })`):
 * `030 1234567`, `07911 123456`, `01 23 45 67 89`, `(02) 9876 5432`, `(11) 96123-4567`,
 * `8 (912) 345-67-89`, `06 1 234 5678`. A candidate is a chain of digit groups; its digits must
 * be, for one of the chosen regions, the trunk prefix plus a national significant number, or a
 * national number written without it where that region's national format does so, under
 * libphonenumber's patterns for personal numbers (fixed line, mobile, personal, voicemail, pager,
 * VoIP; see data/phone-regions.ts). The patterns come as data and are compiled once per
 * detector into anchored regular expressions, which only ever run on at most
 * {@link MAX_NATIONAL_DIGITS} digits, so the scan stays linear whatever the text.
 *
 * For precision, as in the default detector: a chain of digits without any separator counts only
 * after a context word ("phone", "tel" …); dates (`03.02.2024`, `2024-02-03`), IPv4 addresses and
 * the next number of a space-separated list are never numbers; the chain is taken whole (a valid
 * number cut out of a longer chain is not one). NANP regions (+1) add nothing: their national
 * formats are recognised by default.
 */
import { canStartNumber, digitRunEnd, followsSpacedDigit } from "./boundaries.js";
import { END, type Units, isDigit, stringOf } from "./chars.js";
import { PHONE_CONTEXT, hasContextWord } from "./context.js";
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
  /** The region codes as given, sorted (regions sharing their calling codes count too). */
  readonly codes: readonly string[];
  /**
   * Anchored patterns by digit count and first digit (index `count * 10 + digit`): numbers
   * written with a trunk prefix, whose first digit is the prefix's.
   */
  readonly withTrunk: readonly (RegExp | undefined)[];
  /** Anchored patterns by digit count: numbers written without a trunk prefix. */
  readonly withoutTrunk: readonly (RegExp | undefined)[];
  /** Bit d is set when a lone digit d may be the first group (`8 (912) …`, `9 3604 3935`). */
  readonly loneFirstDigits: number;
}

/** Every region code phone regions accept: ISO 3166-1 alpha-2, as libphonenumber lists them. */
export const PHONE_REGIONS: readonly string[] = Object.freeze(Object.keys(PHONE_REGION_DATA));

/** Whether `code` is a region code {@link compilePhoneRegions} accepts. */
export function isPhoneRegion(code: unknown): code is string {
  return typeof code === "string" && Object.hasOwn(PHONE_REGION_DATA, code);
}

function addBranch(buckets: Map<number, string[]>, key: number, branch: string): void {
  const list = buckets.get(key);
  if (list === undefined) buckets.set(key, [branch]);
  else if (!list.includes(branch)) list.push(branch);
}

function toPatterns(buckets: Map<number, string[]>, size: number): (RegExp | undefined)[] {
  const out = new Array<RegExp | undefined>(size).fill(undefined);
  for (const [key, branches] of buckets) out[key] = new RegExp(`^(?:${branches.join("|")})$`);
  return out;
}

/**
 * Compiles region codes (already checked with {@link isPhoneRegion}) into anchored patterns
 * bucketed by digit count (and, with a trunk prefix, first digit): one pattern over every region
 * would try each region's alternatives on every candidate, and with all 245 regions that costs
 * up to a tenth of a millisecond per test. A bucket holds only the regions whose numbers can
 * have that many digits. Returns undefined when the regions add nothing (none given, or NANP).
 */
export function compilePhoneRegions(codes: readonly string[]): PhoneRegions | undefined {
  const sorted = [...new Set(codes)].sort();
  // A region brings the regions that share its calling code and so its national dialling plan:
  // GB brings Guernsey, Jersey and the Isle of Man (07911 … is Guernsey's), RU brings KZ, as
  // libphonenumber's isValidNumber does for a default region.
  const callingCodes = new Set(sorted.map((code) => PHONE_REGION_DATA[code]?.[0]));
  const included = PHONE_REGIONS.filter((code) => callingCodes.has(PHONE_REGION_DATA[code]?.[0]));
  const trunked = new Map<number, string[]>();
  const bare = new Map<number, string[]>();
  let loneFirstDigits = 0;
  for (const code of included) {
    const data = PHONE_REGION_DATA[code];
    if (data === undefined) continue;
    const [, trunks, withTrunk, withoutTrunk, lone, lengthList] = data;
    const lengths = lengthList === "" ? [] : lengthList.split(",").map(Number);
    if (withTrunk !== "") {
      for (const trunk of trunks.split("|")) {
        for (const length of lengths) {
          const count = trunk.length + length;
          if (count <= MAX_NATIONAL_DIGITS)
            addBranch(trunked, count * 10 + trunk.charCodeAt(0) - 48, `${trunk}(?:${withTrunk})`);
        }
      }
    }
    if (withoutTrunk !== "") {
      const pattern = withoutTrunk === "=" ? withTrunk : withoutTrunk;
      for (const length of lengths) if (length <= MAX_NATIONAL_DIGITS) addBranch(bare, length, pattern);
    }
    for (let k = 0; k < lone.length; k++) loneFirstDigits |= 1 << (lone.charCodeAt(k) - 48);
  }
  if (trunked.size === 0 && bare.size === 0) return undefined;
  return Object.freeze({
    codes: Object.freeze(sorted),
    withTrunk: Object.freeze(toPatterns(trunked, (MAX_NATIONAL_DIGITS + 1) * 10)),
    withoutTrunk: Object.freeze(toPatterns(bare, MAX_NATIONAL_DIGITS + 1)),
    loneFirstDigits,
  });
}

/** Whether some chosen region has numbers of `count` digits starting with `first` (cheap: no string). */
function hasBucket(regions: PhoneRegions, count: number, first: number): boolean {
  return regions.withTrunk[count * 10 + first] !== undefined || regions.withoutTrunk[count] !== undefined;
}

/** Whether `digits` is a national number of one of `regions`, with or without a trunk prefix. */
function isNationalNumber(digits: string, regions: PhoneRegions): boolean {
  const count = digits.length;
  const trunked = regions.withTrunk[count * 10 + digits.charCodeAt(0) - 48];
  if (trunked?.test(digits) === true) return true;
  return regions.withoutTrunk[count]?.test(digits) === true;
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

// Digit count of each group of the chain being read, and where its digit runs start and end
// (a parenthesised group may hold several). The scan is synchronous, so one buffer serves.
const groupLengths = new Uint8Array(MAX_GROUPS);
/** Digit runs in a chain: six groups, a parenthesised one holding up to six runs. */
const MAX_PIECES = 12;
const pieceBounds = new Int32Array(MAX_PIECES * 2);

/** Day or month: a one- or two-digit group of at most `max`, read from `digits` at `at`. */
function dateField(digits: string, at: number, length: number, max: number): boolean {
  if (length < 1 || length > 2) return false;
  const v =
    length === 1 ? digits.charCodeAt(at) - 48 : (digits.charCodeAt(at) - 48) * 10 + digits.charCodeAt(at + 1) - 48;
  return v >= 1 && v <= max;
}

/**
 * `03.02.2024`, `3/2/24`, `2024-02-03`, `21-03-26 08:15`, `192.168.1.20`: a chain whose first
 * three groups are shaped as a date with one kind of separator other than a space between them
 * (`dateSeparator`; a day or month of at most 12 among them), or four dot-separated groups of at
 * most three digits.
 */
function isDateOrAddress(digits: string, groups: number, dateSeparator: number): boolean {
  const a = groupLengths[0] ?? 0;
  const b = groupLengths[1] ?? 0;
  const c = groupLengths[2] ?? 0;
  if (groups === 4 && dateSeparator === DOT) return a <= 3 && b <= 3 && c <= 3 && (groupLengths[3] ?? 0) <= 3;
  if (groups < 3 || (dateSeparator !== DASH && dateSeparator !== DOT && dateSeparator !== SLASH)) return false;
  if (a === 4) return dateField(digits, 4, b, 12) && dateField(digits, 4 + b, c, 31);
  if (c !== 2 && c !== 4) return false;
  // Day and month in either order (03.02.2024, 02/03/2024).
  return (
    (dateField(digits, 0, a, 31) && dateField(digits, a, b, 12)) ||
    (dateField(digits, 0, a, 12) && dateField(digits, a, b, 31))
  );
}

/** Whether a group of one digit follows the first: dotted chains so are versions (`124.0.6367.91`). */
function hasShortGroup(groups: number): boolean {
  for (let g = 0; g < groups; g++) if ((groupLengths[g] ?? 0) < 2) return true;
  return false;
}

/**
 * `078-05-1120`: the US SSN shape (3-2-4 digits apart by dashes) belongs to the SSN detector,
 * whose rules reject the invalid ones on purpose; no national format is written so.
 */
function isSsnShaped(groups: number, kinds: number): boolean {
  return groups === 3 && kinds === DASH && groupLengths[0] === 3 && groupLengths[1] === 2 && groupLengths[2] === 4;
}

/** `43 15 60 10 74`: three or more groups of at most two digits. */
function isPairs(groups: number): boolean {
  if (groups < 3) return false;
  for (let g = 0; g < groups; g++) if ((groupLengths[g] ?? 0) > 2) return false;
  return true;
}

/**
 * `51 745 211`, `2.318.684`: shaped as a count or amount grouped in thousands (a first group of
 * one or two digits, then at least two groups of exactly three, apart by spaces or by dots).
 * Latvia, Tunisia and others write numbers so too (`61 712 584`): such a chain counts after a
 * context word. A first group of three (`612 345 678`) is not held back: Spain, Italy and Poland
 * write mobiles so, and amounts rarely reach nine digits.
 */
function isThousands(groups: number, kinds: number): boolean {
  if (groups < 3 || (kinds !== SPACE && kinds !== DOT) || (groupLengths[0] ?? 0) > 2) return false;
  for (let g = 1; g < groups; g++) if (groupLengths[g] !== 3) return false;
  return true;
}

/**
 * The chain being read (one, as the scan is synchronous): digit count, digit runs, groups, the
 * separator kinds seen (bits), the separators after the first and second group (0: none or a
 * parenthesis), slashes, whether a group was parenthesised, and where the last digit run ends.
 */
const chain = {
  count: 0,
  pieces: 0,
  groups: 0,
  kinds: 0,
  firstSeparator: 0,
  secondSeparator: 0,
  slashes: 0,
  parenthesised: false,
  end: -1,
};

/** Records the digit run `[start, runEnd)` as the next piece of the chain. */
function addPiece(start: number, runEnd: number): void {
  pieceBounds[chain.pieces * 2] = start;
  pieceBounds[chain.pieces * 2 + 1] = runEnd;
  chain.pieces++;
}

/**
 * A parenthesised group at `pos` (`(030) 1234567`, or after a trunk: `8 (912)`), holding up to
 * six digits in runs apart by one space or dash (`(06 47)`, `(0-41)`). Returns where the next
 * group starts, or -1 when the chain is no number.
 */
function readParenthesisedGroup(text: Units, i: number, pos: number, regions: PhoneRegions): number {
  const groups = chain.groups;
  if (chain.parenthesised || groups > 1 || (groups === 1 && !isLoneFirst(text, i, chain.count, regions))) return -1;
  let inner = pos + 1;
  let length = 0;
  for (;;) {
    const runEnd = digitRunEnd(text, inner);
    if (runEnd === inner || chain.pieces === MAX_PIECES) return -1;
    length += runEnd - inner;
    addPiece(inner, runEnd);
    inner = runEnd;
    const s = text[inner] ?? END;
    if ((s === 32 || s === 45) && isDigit(text[inner + 1] ?? END)) inner++;
    else break;
  }
  chain.count += length;
  if (length > 6 || (text[inner] ?? END) !== 41 || chain.count > MAX_NATIONAL_DIGITS) return -1;
  chain.parenthesised = true;
  groupLengths[chain.groups++] = length;
  let next = inner + 1;
  if ((text[next] ?? END) === 32) next++;
  return isDigit(text[next] ?? END) ? next : -1;
}

/**
 * Reads the chain of digit groups starting at `i` into {@link chain}, {@link groupLengths} and
 * {@link pieceBounds}. False when it is too long, has too many groups, or starts with a lone
 * digit no chosen region writes so.
 */
function readChain(text: Units, i: number, regions: PhoneRegions): boolean {
  chain.count = 0;
  chain.pieces = 0;
  chain.groups = 0;
  chain.kinds = 0;
  chain.firstSeparator = 0;
  chain.secondSeparator = 0;
  chain.slashes = 0;
  chain.parenthesised = false;
  chain.end = -1;
  let pos = i;
  for (;;) {
    const c = text[pos] ?? END;
    if (c === 40) {
      pos = readParenthesisedGroup(text, i, pos, regions);
      if (pos === -1) return false;
      continue;
    }
    if (!isDigit(c)) return true;
    const runEnd = digitRunEnd(text, pos);
    const groups = chain.groups;
    // One group too many or too long: a longer list or id, never a number cut out of it.
    if (groups === MAX_GROUPS || chain.pieces === MAX_PIECES || chain.count + runEnd - pos > MAX_NATIONAL_DIGITS) {
      return false;
    }
    if (groups === 0 && runEnd - pos === 1 && !isLoneFirst(text, pos, 1, regions)) return false;
    addPiece(pos, runEnd);
    chain.count += runEnd - pos;
    groupLengths[chain.groups++] = runEnd - pos;
    chain.end = runEnd;
    const s = text[runEnd] ?? END;
    const next = text[runEnd + 1] ?? END;
    const kind = separatorKind(s);
    if (kind !== 0 && isDigit(next)) {
      chain.kinds |= kind;
      if (groups === 0) chain.firstSeparator = kind;
      else if (groups === 1) chain.secondSeparator = kind;
      if (kind === SLASH) chain.slashes++;
      pos = runEnd + 1;
      continue;
    }
    if (groups === 0 && (s === 32 || s === 40) && isLoneFirst(text, i, chain.count, regions)) {
      pos = s === 32 && next === 40 ? runEnd + 1 : runEnd; // `8 (912)`, `8(912)`
      if ((text[pos] ?? END) === 40) continue;
    }
    return true;
  }
}

/**
 * Whether the chain just read is shaped as something other than a phone number: mixed or
 * repeated separators, a decimal or version, the US SSN shape, an id with a long first group.
 */
function isOtherShape(text: Units, i: number): boolean {
  const { kinds, groups } = chain;
  // Dots never mix with other separators (`1.5-2`), and one slash at most (`030/1234567`).
  if ((kinds & DOT && kinds !== DOT) || chain.slashes > 1) return true;
  if ((kinds & SPACE || chain.parenthesised) && followsSpacedDigit(text, i)) return true;
  if (kinds === DOT && (groups < 3 || hasShortGroup(groups))) return true; // 471.5, 48.028, 124.0.6367.91
  if (isSsnShaped(groups, kinds)) return true;
  // An area code (trunk included) has at most six digits: `08638406-3175-0964` is an id.
  return groups > 1 && (groupLengths[0] ?? 0) > 6;
}

/**
 * A national number of one of `regions` starting at `i` (a digit, or a `(` around the first
 * group); its end (after any extension) or -1.
 */
export function matchRegionalPhone(text: Units, i: number, regions: PhoneRegions): number {
  if (!canStartNumber(text, i) || !readChain(text, i, regions)) return -1;
  const { count, groups, kinds, end } = chain;
  // Most digit runs in a log line end here: no chosen region has numbers of that many digits.
  const first = (text[pieceBounds[0] ?? 0] ?? END) - 48;
  if (end === -1 || !hasBucket(regions, count, first) || end - i > NUMBER_MAX_LENGTH) return -1;
  if (isOtherShape(text, i)) return -1;
  let digits = "";
  for (let k = 0; k < chain.pieces; k++) digits += stringOf(text, pieceBounds[k * 2] ?? 0, pieceBounds[k * 2 + 1] ?? 0);
  const dateSeparator = chain.firstSeparator === chain.secondSeparator ? chain.firstSeparator : 0;
  if (isDateOrAddress(digits, groups, dateSeparator)) return -1;
  // A count or amount grouped in thousands may be a number only where a word says so.
  // So may a list of small numbers (`sizes 38 40 42 44`): in pairs, only a trunk 0 vouches.
  const needsContext = groups === 1 || (first !== 0 && (isThousands(groups, kinds) || isPairs(groups)));
  const last = phoneEnd(text, end);
  if (last === -1 || !isNationalNumber(digits, regions)) return -1;
  // One unbroken run of digits is an id more often than a phone number, unless a word says so.
  if (needsContext && !hasContextWord(text, i, PHONE_CONTEXT)) return -1;
  return last;
}

/** Whether the `length` digits at `at` are one digit a chosen region writes as a group of its own. */
function isLoneFirst(text: Units, at: number, length: number, regions: PhoneRegions): boolean {
  return length === 1 && (regions.loneFirstDigits & (1 << ((text[at] ?? END) - 48))) !== 0;
}
