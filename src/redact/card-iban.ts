/**
 * IBANs (ISO 13616) around a card candidate. A German IBAN's account part can be a Luhn-valid
 * run in a card range (`DE71 4111 1111 1111 1111 11` holds a Visa-shaped 4111…), and an IBAN
 * written in groups of four puts each group after a space, where a card may start. A candidate
 * that lies inside a text IBAN whose mod-97 check holds is an account number, not a card.
 *
 * Only called once a candidate has passed the range, length and Luhn checks, so it costs
 * nothing on text without cards. It reads at most {@link IBAN_MAX_TEXT} characters before the
 * candidate and after the IBAN's start, which the card detector's stream look-ahead covers.
 */
import { END, type Units, isDigit } from "./chars.js";

/** Longest IBAN as printed: 34 characters in groups of four, with 8 single spaces. */
export const IBAN_MAX_TEXT = 42;
/** ISO 13616: an IBAN has 15 (Norway) to 34 characters. */
const IBAN_MIN_CHARS = 15;
const IBAN_MAX_CHARS = 34;

/** The value of an IBAN character (0–9, A/a = 10 … Z/z = 35), or -1. */
function ibanValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  if (c >= 97 && c <= 122) return c - 87;
  return -1;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Whether an IBAN's first four characters (two letters, two check digits) start at `p`. */
function ibanHeadAt(text: Units, p: number): boolean {
  return (
    p + 4 <= text.length &&
    isLetter(text[p] ?? END) &&
    isLetter(text[p + 1] ?? END) &&
    isDigit(text[p + 2] ?? END) &&
    isDigit(text[p + 3] ?? END)
  );
}

/**
 * Whether an IBAN that starts at `p` (groups of letters and digits split by single spaces) ends
 * at or after `end` with a valid check: the BBAN, then the country code and check digits, read
 * as one number, leave 1 modulo 97 (ISO 13616-1, ISO 7064 MOD 97-10).
 */
function validIbanCovering(text: Units, p: number, end: number): boolean {
  const n = text.length;
  const country =
    (ibanValue(text[p] ?? END) * 100 + ibanValue(text[p + 1] ?? END)) * 100 +
    ((text[p + 2] ?? END) - 48) * 10 +
    ((text[p + 3] ?? END) - 48);
  let rem = 0;
  let chars = 4;
  let pos = p + 4;
  const limit = Math.min(n, p + IBAN_MAX_TEXT);
  while (pos < limit) {
    let c = text[pos] ?? END;
    if (c === 32) {
      // One space between groups; anything else ends the IBAN.
      if (pos + 1 >= limit || ibanValue(text[pos + 1] ?? END) < 0) return false;
      pos++;
      c = text[pos] ?? END;
    }
    const v = ibanValue(c);
    if (v < 0) return false;
    rem = (v < 10 ? rem * 10 + v : rem * 100 + v) % 97;
    chars++;
    pos++;
    if (chars > IBAN_MAX_CHARS) return false;
    // A group ends here: the IBAN may end here too.
    if (pos >= end && chars >= IBAN_MIN_CHARS && (pos >= n || ibanValue(text[pos] ?? END) < 0)) {
      // Append the four country-code digits and the two check digits: rem·10^6 + country.
      if ((rem * 1_000_000 + country) % 97 === 1) return true;
    }
  }
  return false;
}

/**
 * Whether the card candidate `[start, end)` lies inside an IBAN: it follows one or more groups
 * (single spaces between them) back to a group that opens with two letters and two digits, and
 * that IBAN's mod-97 check holds over a length reaching past `end`.
 */
export function insideIban(text: Units, start: number, end: number): boolean {
  // Never read further back than the longest IBAN: a long word before a card costs nothing.
  const floor = Math.max(0, start - IBAN_MAX_TEXT);
  let g = start;
  while (g >= floor + 2 && (text[g - 1] ?? END) === 32) {
    let p = g - 1;
    while (p > floor && ibanValue(text[p - 1] ?? END) >= 0) p--;
    if (p === g - 1 || (p > 0 && ibanValue(text[p - 1] ?? END) >= 0)) return false;
    if (ibanHeadAt(text, p) && validIbanCovering(text, p, end)) return true;
    g = p;
  }
  return false;
}
