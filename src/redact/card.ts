/**
 * Payment-card validation: issuer prefix + issuer length + Luhn. Luhn alone is not a card: on
 * real access logs nearly every Luhn hit is a 13-digit millisecond timestamp (pii-shield#209),
 * and a random digit run passes Luhn one time in ten.
 */
import { canEndNumber, digitRunEnd } from "./boundaries.js";
import { IIN_RANGES, type IinRange } from "./data/iin-ranges.js";

/** Shortest and longest card numbers (ISO/IEC 7812). */
export const CARD_MIN_DIGITS = 13;
export const CARD_MAX_DIGITS = 19;

interface CompiledRange {
  readonly range: IinRange;
  /** 10^(6 − prefix digits): divides a 6-digit prefix down to this range's width. */
  readonly divisor: number;
  /** Bit n set when n digits is an allowed length. */
  readonly lengthMask: number;
}

function compile(range: IinRange): CompiledRange {
  const width = String(range.from).length;
  let lengthMask = 0;
  for (const l of range.lengths) lengthMask |= 1 << l;
  return { range, divisor: 10 ** (6 - width), lengthMask };
}

const COMPILED: readonly CompiledRange[] = IIN_RANGES.map(compile);

/** Luhn (mod 10) over `length` digit values. */
export function luhnValid(digits: ArrayLike<number>, length: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = length - 1; i >= 0; i--) {
    let d = digits[i] ?? 0;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The brand whose IIN range and length fit these digits, or undefined. */
export function cardBrand(digits: ArrayLike<number>, length: number): IinRange["brand"] | undefined {
  if (length < CARD_MIN_DIGITS || length > CARD_MAX_DIGITS) return undefined;
  let prefix6 = 0;
  for (let i = 0; i < 6; i++) prefix6 = prefix6 * 10 + (digits[i] ?? 0);
  const bit = 1 << length;
  for (const c of COMPILED) {
    if ((c.lengthMask & bit) === 0) continue;
    const prefix = Math.floor(prefix6 / c.divisor);
    if (prefix >= c.range.from && prefix <= c.range.to) return c.range.brand;
  }
  return undefined;
}

/** Whether `length` digit values form a card number: known issuer range and length, and Luhn. */
export function isCardNumber(digits: ArrayLike<number>, length: number): boolean {
  return cardBrand(digits, length) !== undefined && luhnValid(digits, length);
}

/** The longest card match: 19 digits in groups of at least three, plus separators. */
export const CARD_MAX_LENGTH = 25;

const cardDigits = new Uint8Array(CARD_MAX_DIGITS);
const groupEnds: number[] = [];
const groupDigits: number[] = [];

/**
 * The end of a card number whose first digit run is `[i, runEnd)`, or -1. Accepted forms: one
 * run of 13–19 digits (never part of a longer run), or groups separated by one kind of single
 * separator (space or `-`): a first group of 4–6 digits, inner groups of 3–6, a last group of
 * 1–6 (so 4-4-4-1 and 4-6-5 both work). With trailing groups the longest valid prefix wins.
 */
export function matchCard(text: string, i: number, runEnd: number): number {
  const len = runEnd - i;
  // No network issues numbers starting with 0, 1, 7 or 9 (timestamps start with 1).
  const first = text.charCodeAt(i);
  if (first <= 49 || first === 55 || first === 57) return -1;
  if (len >= CARD_MIN_DIGITS) {
    if (len > CARD_MAX_DIGITS || !canEndNumber(text, runEnd)) return -1;
    for (let k = 0; k < len; k++) cardDigits[k] = text.charCodeAt(i + k) - 48;
    return isCardNumber(cardDigits, len) ? runEnd : -1;
  }
  if (len < 4 || len > 6) return -1;
  const sep = text.charCodeAt(runEnd);
  if (sep !== 32 && sep !== 45) return -1;
  // Two groups hold at most 12 digits, so a card has an inner group of three digits or more
  // after this one. Checked first: dates (`2024-01-15`) and times reach this point on every line.
  if (digitRunEnd(text, runEnd + 1) - runEnd - 1 < 3) return -1;
  for (let k = 0; k < len; k++) cardDigits[k] = text.charCodeAt(i + k) - 48;
  let total = len;
  // `length = 0` is a runtime call even on an empty array.
  if (groupEnds.length !== 0) groupEnds.length = 0;
  if (groupDigits.length !== 0) groupDigits.length = 0;
  groupEnds.push(runEnd);
  groupDigits.push(len);
  let pos = runEnd;
  while (pos < text.length && text.charCodeAt(pos) === sep) {
    const g = pos + 1;
    const gEnd = digitRunEnd(text, g);
    const glen = gEnd - g;
    if (glen === 0 || glen > 6 || total + glen > CARD_MAX_DIGITS) break;
    for (let k = 0; k < glen; k++) cardDigits[total + k] = text.charCodeAt(g + k) - 48;
    total += glen;
    groupEnds.push(gEnd);
    groupDigits.push(total);
    pos = gEnd;
    // A group shorter than three can only be the last one.
    if (glen < 3) break;
  }
  for (let w = groupEnds.length - 1; w >= 1; w--) {
    const digits = groupDigits[w] ?? 0;
    if (digits < CARD_MIN_DIGITS) break;
    const end = groupEnds[w] ?? 0;
    if (canEndNumber(text, end) && isCardNumber(cardDigits, digits)) return end;
  }
  return -1;
}
