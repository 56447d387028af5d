/**
 * Extensions written after a phone number: `x123`, `X 123`, `ext123`, `ext. 123`, `EXT:123`,
 * `extn 123`, `extension 123`, `;ext=123` (RFC 3966), `#123` (glued only), optionally after a
 * space or `, `. ITU-T E.123 writes the number and the extension apart; in practice they are
 * glued, so the extension belongs to the match. Scans a bounded window: at most
 * {@link EXTENSION_MAX_LENGTH} characters after the number, so adversarial input (`x` repeated
 * after digits, long digit runs) stays linear.
 */
import { canEndNumber } from "./boundaries.js";
import { END, type Units, hasLowerAt, isDigit, lowerAscii } from "./chars.js";

/** The most extension digits accepted (libphonenumber allows up to 7 after `x`/`ext`). */
const MAX_EXTENSION_DIGITS = 7;
/** The longest extension: `, ` + `extension` + `:` + ` ` + 7 digits, plus margin. */
export const EXTENSION_MAX_LENGTH = 24;

/** Length of the marker word (`x`, `ext`, `extn`, `extension`) at `p`, or 0. */
function markerLength(text: Units, p: number): number {
  if (lowerAscii(text[p] ?? END) === 120) return 1; // x
  if (lowerAscii(text[p] ?? END) !== 101 || lowerAscii(text[p + 1] ?? END) !== 120) return 0;
  if (lowerAscii(text[p + 2] ?? END) !== 116) return 0; // ext
  if (hasLowerAt(text, p + 3, "ension")) return 9;
  return lowerAscii(text[p + 3] ?? END) === 110 ? 4 : 3; // extn / ext
}

/** Where the extension's digits (1–7 of them) end when they start at `p`; -1 if none fit. */
function extensionDigitsEnd(text: Units, p: number): number {
  let q = p;
  while (q - p <= MAX_EXTENSION_DIGITS && isDigit(text[q] ?? END)) q++;
  if (q === p || q - p > MAX_EXTENSION_DIGITS) return -1;
  return canEndNumber(text, q) ? q : -1;
}

/** The end of an extension written right after a number that ends at `e`, or -1. */
export function extensionEnd(text: Units, e: number): number {
  let p = e;
  const c = text[p] ?? END;
  if (c === 35) return extensionDigitsEnd(text, p + 1); // #123: glued only (` #12` is often an item)
  if (c === 59) {
    // RFC 3966: ;ext=123
    return hasLowerAt(text, p + 1, "ext=") ? extensionDigitsEnd(text, p + 5) : -1;
  }
  if (c === 44 && (text[p + 1] ?? END) === 32) p += 2;
  else if (c === 32) p++;
  const m = markerLength(text, p);
  if (m === 0) return -1;
  p += m;
  if (m > 1) {
    const s = text[p] ?? END;
    if (s === 46 || s === 58 || s === 61) p++; // ext. ext: ext=
  }
  if ((text[p] ?? END) === 32) p++;
  return extensionDigitsEnd(text, p);
}

/** Where a phone match ending at `e` really ends: after its extension, at `e`, or -1 when it cannot end there. */
export function phoneEnd(text: Units, e: number): number {
  const ext = extensionEnd(text, e);
  if (ext !== -1) return ext;
  return canEndNumber(text, e) ? e : -1;
}
