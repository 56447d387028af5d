/**
 * Phone numbers: international numbers written with `+` and a country calling code
 * (`+44 20 7946 0958`, `+1 (415) 555-0132`, `(+49) 30 1234567`, `+44 (0) 20 …`), checked
 * against the ITU calling-code table and the national lengths libphonenumber lists for that
 * code; and North American (NANP) national formats (`(415) 555-0132`, `415-555-0132`,
 * `415.555.0132`, `415 555 0132`, `1-415-555-0132`), checked with the NANP rules (area code and
 * exchange start with 2–9, no N11, no N9X area code). A bare ten-digit run, `415 5550132` or
 * `415-5550132` count only with a context word ("phone", "tel", "mobile", "Телефон", "電話" …)
 * before them, as do bare 10–11 digit national numbers with a trunk `0` (`Tel: 0612345678`)
 * and 11-digit Chinese mobile numbers.
 * Also: `00` / `011` instead of `+`, a `+` number glued to the word before it (`call+64 …`),
 * one slash (`415/666-7777`, `+49 176/12345678`), `1(516)733-3989`, and an extension after
 * any of them (`x123`, `ext. 12`, `#12`; see phone-extension.ts). Full-width digits are folded
 * to ASCII by the scan (number-scan.ts).
 *
 * Not phones: dates (`2024-01-15`), times, versions, IPs, GUID parts, order ids and card
 * numbers (their groupings and lengths never fit; see the boundary rules).
 */
import { canStartNumber, digitRunEnd, followsSpacedDigit, precedesSpacedDigit } from "./boundaries.js";
import { END, type Units, isDigit } from "./chars.js";
import { PHONE_CONTEXT, hasContextWord } from "./context.js";
import { CALLING_CODES } from "./data/calling-codes.js";
import { EXTENSION_MAX_LENGTH, phoneEnd } from "./phone-extension.js";

/** The longest number without its extension, in characters. */
const NUMBER_MAX_LENGTH = 40;
/** The longest phone match in characters (number and extension). */
export const PHONE_MAX_LENGTH: number = NUMBER_MAX_LENGTH + EXTENSION_MAX_LENGTH;
/** E.164 allows 15 digits; libphonenumber knows national numbers of up to 17 (+ a trunk 0). */
const MAX_INTERNATIONAL_DIGITS = 21;

// Bit n of LENGTHS[code] is set when a national number of n digits is possible for that code.
const LENGTHS = new Uint32Array(1000);
for (const [code, lengths] of CALLING_CODES) {
  let mask = 0;
  for (const l of lengths) mask |= 1 << l;
  LENGTHS[code] = mask;
}

/** Whether `code` is an assigned country calling code. */
export function isCallingCode(code: number): boolean {
  return code > 0 && code < 1000 && (LENGTHS[code] ?? 0) !== 0;
}

const digitBuffer = new Uint8Array(MAX_INTERNATIONAL_DIGITS + 1);

/** NANP: area code NXX without N11 or N9X, exchange NXX without N11. */
function isNanp(d: ArrayLike<number>, o: number): boolean {
  const a0 = d[o] ?? 0;
  const a1 = d[o + 1] ?? 0;
  const a2 = d[o + 2] ?? 0;
  const e0 = d[o + 3] ?? 0;
  const e1 = d[o + 4] ?? 0;
  const e2 = d[o + 5] ?? 0;
  if (a0 < 2 || a1 === 9 || (a1 === 1 && a2 === 1)) return false;
  return e0 >= 2 && !(e1 === 1 && e2 === 1);
}

/**
 * A +1 national number: ten digits under the NANP rules, or Canada's seven-digit 310-XXXX
 * service numbers (libphonenumber's CA "uan" type), which exist only without an area code.
 */
function isNanpInternational(national: number): boolean {
  if (national === 10) return isNanp(digitBuffer, 1);
  return national === 7 && digitBuffer[1] === 3 && digitBuffer[2] === 1 && digitBuffer[3] === 0;
}

function isNanpText(text: Units, from: number, to: number): boolean {
  let n = 0;
  for (let i = from; i < to && n < 10; i++) {
    const c = text[i] ?? END;
    if (c >= 48 && c <= 57) digitBuffer[n++] = c - 48;
  }
  return n === 10 && isNanp(digitBuffer, 0);
}

/** `call+64 …`: a `+` number may follow a word directly (never a digit: `2+44` is arithmetic). */
function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === 46; // space - .
}

/** `(NPA) NXX-XXXX` and variants starting at the `(` at `p`; end or -1. */
function matchParenthesised(text: Units, p: number, digitsFrom: number): number {
  if (digitRunEnd(text, p + 1) !== p + 4 || (text[p + 4] ?? END) !== 41) return -1;
  let q = p + 5;
  if (isSeparator(text[q] ?? END)) q++;
  const r = digitRunEnd(text, q);
  let end: number;
  if (r - q === 7) {
    end = r;
  } else if (r - q === 3 && isSeparator(text[r] ?? END)) {
    end = digitRunEnd(text, r + 1);
    if (end - r - 1 !== 4) return -1;
  } else {
    return -1;
  }
  return isNanpText(text, digitsFrom, end) ? phoneEnd(text, end) : -1;
}

/**
 * `NPA-NXX-XXXX` (one separator throughout, or `NPA/NXX-XXXX` with a slash after the area code)
 * starting at `i`, or with context `NPA NXXXXXX`.
 */
function matchNanpBody(text: Units, i: number, runEnd: number, from: number): number {
  const s1 = text[runEnd] ?? END;
  if (!isSeparator(s1) && s1 !== 47) return -1;
  const g = runEnd + 1;
  const gEnd = digitRunEnd(text, g);
  let end: number;
  let needsContext = false;
  if (gEnd - g === 3) {
    if ((text[gEnd] ?? END) !== (s1 === 47 ? 45 : s1)) return -1;
    end = digitRunEnd(text, gEnd + 1);
    if (end - gEnd - 1 !== 4) return -1;
    if (s1 === 32 && (followsSpacedDigit(text, from) || precedesSpacedDigit(text, end))) return -1;
  } else if (gEnd - g === 7 && s1 !== 46 && s1 !== 47) {
    end = gEnd;
    needsContext = true;
  } else {
    return -1;
  }
  const last = phoneEnd(text, end);
  if (last === -1 || !isNanpText(text, i, end)) return -1;
  return needsContext && !hasContextWord(text, from, PHONE_CONTEXT) ? -1 : last;
}

/** A NANP number whose first digit run is `[i, runEnd)`; end or -1. */
export function matchNationalPhone(text: Units, i: number, runEnd: number): number {
  const len = runEnd - i;
  if (len === 3) return matchNanpBody(text, i, runEnd, i);
  if (len === 1) {
    // Trunk prefix: 1-415-555-0132, 1 (415) 555-0132, 1.415.555.0132, 1(415)555-0132
    if ((text[i] ?? END) !== 49) return -1;
    if ((text[runEnd] ?? END) === 40) return matchParenthesised(text, runEnd, runEnd);
    if (!isSeparator(text[runEnd] ?? END)) return -1;
    const k = runEnd + 1;
    if ((text[k] ?? END) === 40) return matchParenthesised(text, k, k);
    const r = digitRunEnd(text, k);
    return r - k === 3 ? matchNanpBody(text, k, r, i) : -1;
  }
  if (len === 10 || len === 11) {
    if (!isBareNationalNumber(text, i, runEnd)) return -1;
    const last = phoneEnd(text, runEnd);
    if (last === -1) return -1;
    return hasContextWord(text, i, PHONE_CONTEXT) ? last : -1;
  }
  return -1;
}

/**
 * Whether a bare run of 10 or 11 digits reads as a national number (it still needs a context
 * word): a NANP number, with or without its trunk `1`; a number written with the trunk prefix
 * `0` that most numbering plans outside the NANP use (ITU-T E.164 §3.3 national prefix:
 * `0612345678` FR, `07911123456` GB, `0412345678` AU, `09012345678` JP); or an 11-digit
 * Chinese mobile number (`1[3-9]` + 9 digits, MIIT numbering plan).
 */
function isBareNationalNumber(text: Units, i: number, runEnd: number): boolean {
  const c0 = text[i] ?? END;
  const c1 = text[i + 1] ?? END;
  if (c0 === 48) return c1 !== 48; // `00` is an international prefix, not a trunk prefix
  if (runEnd - i === 10) return isNanpText(text, i, runEnd);
  return c0 === 49 && (isNanpText(text, i + 1, runEnd) || (c1 >= 51 && c1 <= 57));
}

/** A NANP number starting with `(` at `p` (`(415) 555-0132`); end or -1. */
export function matchParenthesisedPhone(text: Units, p: number): number {
  return canStartNumber(text, p) ? matchParenthesised(text, p, p) : -1;
}

function nationalLengthFits(code: number, national: number, firstNationalDigit: number): boolean {
  const mask = LENGTHS[code] ?? 0;
  if (national < 32 && (mask & (1 << national)) !== 0) return true;
  // A trunk 0 kept after the country code (+44 (0)20 …, +4407400…): libphonenumber drops it.
  return firstNationalDigit === 0 && national - 1 < 32 && (mask & (1 << (national - 1))) !== 0;
}

/**
 * The ITU calling code the digits in `digitBuffer` start with (1–3 digits, shortest first, as
 * codes are prefix-free), or 0 when they start with 0 or no assigned code.
 */
function leadingCallingCode(): number {
  let code = 0;
  for (let k = 0; k < 3; k++) {
    code = code * 10 + (digitBuffer[k] ?? 0);
    if (code === 0) return 0;
    if (isCallingCode(code)) return code;
  }
  return 0;
}

/**
 * An international number whose `+` (or `00` / `011` prefix) is at `i` and whose country code
 * starts at `bodyFrom`. Returns the match as `[start, end]` (start moves
 * back to a `(` in `(+44) …`), or undefined.
 */
export function matchInternationalPhone(
  text: Units,
  i: number,
  bodyFrom: number = i + 1,
): readonly [number, number] | undefined {
  const n = text.length;
  let start = i;
  if (i > 0) {
    const p = text[i - 1] ?? END;
    if (p === 43 || !(canStartNumber(text, i) || (bodyFrom === i + 1 && isAsciiLetter(p)))) return undefined;
    if (p === 40) start = i - 1;
  }
  let pos = bodyFrom;
  if (pos >= n || !isDigit(text[pos] ?? END)) return undefined;
  let total = 0;
  // Up to 21 digits in at most 21 groups: (end offset, digits so far) per group.
  const ends: number[] = [];
  const counts: number[] = [];
  let slashed = false;
  for (;;) {
    const c = text[pos] ?? END;
    let groupEnd: number;
    let afterParenthesis = false;
    if (isDigit(c)) {
      groupEnd = digitRunEnd(text, pos);
      if (total + groupEnd - pos > MAX_INTERNATIONAL_DIGITS) {
        if (ends.length === 0) return undefined; // one run longer than any number: never a substring
        break;
      }
      for (let k = pos; k < groupEnd; k++) digitBuffer[total++] = (text[k] ?? END) - 48;
    } else if (c === 40 && ends.length > 0) {
      const inner = digitRunEnd(text, pos + 1);
      const innerLen = inner - pos - 1;
      if (innerLen < 1 || innerLen > 4 || (text[inner] ?? END) !== 41 || total + innerLen > MAX_INTERNATIONAL_DIGITS)
        break;
      for (let k = pos + 1; k < inner; k++) digitBuffer[total++] = (text[k] ?? END) - 48;
      groupEnd = inner + 1;
      afterParenthesis = true;
    } else {
      break;
    }
    if (groupEnd - start > NUMBER_MAX_LENGTH) break;
    ends.push(groupEnd);
    counts.push(total);
    pos = groupEnd;
    const s = text[pos] ?? END;
    if (s === 41 && ends.length === 1 && start === i - 1) {
      // (+44) 20 7946 0958: the closing parenthesis ends the country code group.
      pos++;
      ends[0] = pos;
      if (isSeparator(text[pos] ?? END)) pos++;
      continue;
    }
    if (isSeparator(s) && pos + 1 < n && (isDigit(text[pos + 1] ?? END) || (text[pos + 1] ?? END) === 40)) {
      pos++;
      continue;
    }
    // One slash between area code and subscriber number: +49 176/12345678.
    if (s === 47 && !slashed && (ends.length > 1 || total >= 4) && isDigit(text[pos + 1] ?? END)) {
      slashed = true;
      pos++;
      continue;
    }
    if (s === 40 || (afterParenthesis && isDigit(s))) continue;
    break;
  }
  const firstEnd = ends[0];
  if (start === i - 1 && (firstEnd === undefined || (text[firstEnd - 1] ?? END) !== 41)) start = i;
  const last = longestFittingEnd(text, ends, counts);
  return last === -1 ? undefined : [start, last];
}

/**
 * The end of the longest prefix of the digit groups (`ends`, with digit `counts`, digits in
 * `digitBuffer`) that is a valid number for its calling code, extension included; or -1.
 */
function longestFittingEnd(text: Units, ends: readonly number[], counts: readonly number[]): number {
  const code = leadingCallingCode();
  if (code === 0) return -1;
  const codeLength = code < 10 ? 1 : code < 100 ? 2 : 3;
  for (let g = ends.length - 1; g >= 0; g--) {
    const digits = counts[g] ?? 0;
    const national = digits - codeLength;
    if (national <= 0) break;
    const last = phoneEnd(text, ends[g] ?? 0);
    if (last === -1) continue;
    const fits =
      code === 1 ? isNanpInternational(national) : nationalLengthFits(code, national, digitBuffer[codeLength] ?? 0);
    if (fits) return last;
  }
  return -1;
}

/**
 * An international number written with the `00` (ITU-T E.164 / most of the world) or `011`
 * (NANP) international prefix instead of `+`, starting at the digit run `[i, runEnd)`:
 * `0044 20 7946 0958`, `00 44 20 7946 0958`, `011 44 20 7946 0958`. An unbroken run of digits
 * (`00442079460958`) counts only after a context word. End or -1.
 */
export function matchPrefixedPhone(text: Units, i: number, runEnd: number): number {
  const c1 = text[i + 1] ?? END;
  const prefix = c1 === 48 ? 2 : c1 === 49 && (text[i + 2] ?? END) === 49 ? 3 : 0;
  if (prefix === 0 || runEnd - i < prefix) return -1;
  // A group inside a longer spaced list of digits (`DE89 3704 0044 0532 0130 00`, an IBAN) is
  // not a number's start.
  if (followsSpacedDigit(text, i)) return -1;
  let body = i + prefix;
  if (body === runEnd) {
    if (!isSeparator(text[body] ?? END) || !isDigit(text[body + 1] ?? END)) return -1;
    body++;
  }
  const match = matchInternationalPhone(text, i, body);
  if (match === undefined || match[0] !== i) return -1;
  const end = match[1];
  const separated = isSeparator(text[runEnd] ?? END) && runEnd + 1 < end;
  return separated || hasContextWord(text, i, PHONE_CONTEXT) ? end : -1;
}

/**
 * A national number written in groups with its trunk `0` (ITU-T E.123 national notation:
 * `03-1234-5678` JP, `06 12 34 56 78` FR, `020 7946 0958` GB, `030/1234567` DE) whose first
 * digit run `[i, runEnd)` starts with `0`: 9–11 digits in two or more groups, separated by one
 * kind of separator (a `/` may follow the area code). Only after a context word (`Tel:`,
 * `電話`), since without one such groups are as often dates, amounts or ids. End or -1.
 */
export function matchGroupedNationalPhone(text: Units, i: number, runEnd: number): number {
  const first = runEnd - i;
  if (first < 2 || first > 5 || (text[i + 1] ?? END) === 48) return -1;
  let digits = first;
  let pos = runEnd;
  let kind = -1;
  let slashed = false;
  let end = -1;
  for (;;) {
    const s = text[pos] ?? END;
    if (s === 47 && !slashed && end === -1) {
      slashed = true;
    } else if (isSeparator(s) && (kind === -1 || s === kind)) {
      kind = s;
    } else {
      break;
    }
    const g = pos + 1;
    const gEnd = digitRunEnd(text, g);
    const len = gEnd - g;
    if (len === 0 || len > 8 || digits + len > 11) break;
    digits += len;
    end = gEnd;
    pos = gEnd;
  }
  if (end === -1 || digits < 9) return -1;
  // The groups go on with digits that do not fit: a longer list of numbers, not a phone.
  if (isSeparator(text[end] ?? END) && isDigit(text[end + 1] ?? END)) return -1;
  const last = phoneEnd(text, end);
  if (last === -1) return -1;
  return hasContextWord(text, i, PHONE_CONTEXT) ? last : -1;
}
