/**
 * Where a number may start and end. A value is never cut out of a longer token: not out of a
 * longer digit run, not out of `v1.2.3`, `10.0.0.1`, `2024-01-15`, `ORD-4111…`, `550e8400-e29b…`
 * or `alice4155550132@…`. JSON and C escapes (`\n`, `\t`) count as separators, so a number
 * right after an escaped newline in a serialised log line is still seen.
 */
import { END, type Units, isAsciiWord, isDigit } from "./chars.js";

function isEscapeLetter(c: number): boolean {
  return c === 110 || c === 116 || c === 114 || c === 98 || c === 102; // n t r b f
}

/** Whether a numeric value may start at `i` (`text[i]` is a digit, `(` or `+`). */
export function canStartNumber(text: Units, i: number): boolean {
  if (i === 0) return true;
  const p = text[i - 1] ?? END;
  if (isAsciiWord(p)) return isEscapeLetter(p) && i >= 2 && (text[i - 2] ?? END) === 92;
  if (p === 43 || p === 64) return false; // `+1…` belongs to E.164, `@123` to a handle or address
  if (p === 45 || p === 46) return !(i >= 2 && isAsciiWord(text[i - 2] ?? END)); // x-123, 1.123
  if (p === 47) return !(i >= 2 && isDigit(text[i - 2] ?? END)); // 01/15
  return true;
}

/** Whether a numeric value may end at `e` (exclusive). */
export function canEndNumber(text: Units, e: number): boolean {
  if (e >= text.length) return true;
  const c = text[e] ?? END;
  if (isAsciiWord(c) || c === 64) return false; // a word goes on, or this is an address's local part
  if (c === 45 || c === 46 || c === 47) return !(e + 1 < text.length && isDigit(text[e + 1] ?? END)); // 1-2, 1.5, 1/2
  return true;
}

/** Whether the digits at `i` follow `<digit><space>`: part of a longer list of numbers. */
export function followsSpacedDigit(text: Units, i: number): boolean {
  return i >= 2 && (text[i - 1] ?? END) === 32 && isDigit(text[i - 2] ?? END);
}

/** Whether `<space><digit>` comes at `e`: the list of numbers goes on. */
export function precedesSpacedDigit(text: Units, e: number): boolean {
  return e + 1 < text.length && (text[e] ?? END) === 32 && isDigit(text[e + 1] ?? END);
}

/** End of the ASCII digit run starting at `i` (returns `i` when there is none). */
export function digitRunEnd(text: Units, i: number): number {
  const n = text.length;
  let j = i;
  while (j < n && isDigit(text[j] ?? END)) j++;
  return j;
}
