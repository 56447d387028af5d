/**
 * Character classes for the hand-written scanners. The scanners look at UTF-16 code units with
 * `charCodeAt` and a table lookup instead of regular expressions, which keeps every detector
 * linear in the input and lets one pass serve several detectors.
 */

/** ASCII digit. */
const DIGIT = 1;
/** ASCII letter, digit or underscore: a `\w` character. */
const WORD = 2;
/** Allowed in the dot-atom local part of an email address (RFC 5322 §3.2.3 atext, plus `.`). */
export const LOCAL = 4;
/** Allowed in a domain label (LDH: letters, digits, hyphen). */
export const LABEL = 8;

/** Class bits for each ASCII code unit. */
export const ASCII_CLASS: Uint8Array = buildAsciiClasses();

function buildAsciiClasses(): Uint8Array {
  const table = new Uint8Array(128);
  const add = (chars: string, bits: number): void => {
    for (let i = 0; i < chars.length; i++) {
      const c = chars.charCodeAt(i);
      table[c] = (table[c] ?? 0) | bits;
    }
  };
  const digits = "0123456789";
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  add(digits, DIGIT | WORD | LOCAL | LABEL);
  add(letters, WORD | LOCAL | LABEL);
  add("_", WORD | LOCAL);
  // All of atext. Those that also delimit values in logs (`=`, `/`, `'` …) are handled by the
  // email scanner's start rule, so `key=alice@x.io` does not glue the key to the address.
  add(".!#$%&'*+-/=?^`{|}~", LOCAL);
  add("-", LABEL);
  return table;
}

/** Whether `c` is an ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether `c` is an ASCII `\w` character (letter, digit, underscore). */
export function isAsciiWord(c: number): boolean {
  return c < 128 && ((ASCII_CLASS[c] ?? 0) & WORD) !== 0;
}

// 0 = not yet known, 1 = letter/number/mark, 2 = other. Filled lazily: most text never needs it.
const unicodeWordCache = new Uint8Array(65_536);
const UNICODE_WORD = /^[\p{L}\p{N}\p{M}]$/u;

/**
 * Whether a non-ASCII BMP code unit is a letter, number or combining mark (IDN domains and
 * internationalised local parts). Surrogates are never word units here, so an emoji stops a scan.
 */
export function isUnicodeWordUnit(c: number): boolean {
  if (c < 128 || (c >= 0xd800 && c <= 0xdfff)) return false;
  let known = unicodeWordCache[c] ?? 2;
  if (known === 0) {
    known = UNICODE_WORD.test(String.fromCharCode(c)) ? 1 : 2;
    unicodeWordCache[c] = known;
  }
  return known === 1;
}
