/**
 * Character classes for the hand-written scanners. The scanners look at UTF-16 code units (read
 * from a typed array, see {@link Units}) with a table lookup instead of regular expressions,
 * which keeps every detector linear in the input and lets one pass serve several detectors.
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

/**
 * A text as its UTF-16 code units, as the scanners read it. Reading a string with
 * `charCodeAt` costs several times a typed-array read in V8 (the string's representation is
 * checked on every call), and the scanners read every character at least once: on log lines
 * the copy pays for itself several times over. Read with `units[i] ?? END`.
 */
export type Units = Uint16Array;

/**
 * What a read past either end of {@link Units} stands for: U+FFFF, a noncharacter that no
 * detector accepts (not a digit, letter, separator or sign), so a scanner stops there as it
 * would at the end of the text. (Like the NaN of `charCodeAt`, but an integer: a NaN would turn
 * every comparison into a floating-point one.)
 */
export const END = 0xffff;

type Ucs2Write = (this: Buffer, text: string, offset: number) => number;

/**
 * Node's UTF-16 writer, the one `buf.write(text, offset, "utf16le")` ends in, called without
 * that method's argument and encoding checks: about 4% of a log line's redaction time, measured
 * line by line on the labelled corpus. It is undocumented, so it is used only if it is there and
 * writes a probe text as expected; `write` stands in otherwise.
 */
const ucs2Write: Ucs2Write | undefined = probeUcs2Write((Buffer.prototype as { ucs2Write?: unknown }).ucs2Write);

/** `candidate` when it writes UTF-16 as `ucs2Write` does (checked on a probe text), else undefined. */
export function probeUcs2Write(candidate: unknown): Ucs2Write | undefined {
  if (typeof candidate !== "function") return undefined;
  const write = candidate as Ucs2Write;
  const probe = Buffer.alloc(8);
  try {
    if (write.call(probe, "a\uD800", 2) !== 4) return undefined;
  } catch {
    return undefined;
  }
  return probe.readUInt16LE(2) === 0x61 && probe.readUInt16LE(4) === 0xd800 ? write : undefined;
}

/** Writes `text`'s code units at the start of `buffer`. */
function writeUnits(buffer: Buffer, text: string): void {
  if (ucs2Write === undefined) buffer.write(text, 0, "utf16le");
  else ucs2Write.call(buffer, text, 0);
}

// One scratch buffer for the code units of texts up to 64 Ki units, rewritten by each call.
const SCRATCH_UNITS = 65_536;
let scratch: Buffer | undefined;
// Views of the scratch by length, made once each for log-line lengths: a new view per call
// costs half as much as the copy itself.
const VIEW_CACHE_UNITS = 2048;
const views: (Units | undefined)[] = [];

// Longer texts share a second buffer, grown to the longest seen. A buffer per call measured
// badly: each one is megabytes outside the JS heap, and allocating them so often kept V8's
// collector busy, which slowed even the short texts redacted in between by about a fifth. The
// buffer is let go once this many shorter texts in a row have not needed it, so one long text
// does not hold its memory for good.
const LONG_SCRATCH_IDLE_TEXTS = 1000;
let longScratch: Buffer | undefined;
let textsSinceLong = 0;

/**
 * The code units of `text`, in a scratch buffer shared by every call and valid until the next
 * call: the detection engine takes them once per text and hands them to the scanners, which
 * finish before anything else can run.
 */
export function unitsOf(text: string): Units {
  const n = text.length;
  if (n > SCRATCH_UNITS) {
    textsSinceLong = 0;
    if (longScratch === undefined || longScratch.length < n * 2) longScratch = Buffer.allocUnsafeSlow(n * 2);
    writeUnits(longScratch, text);
    return new Uint16Array(longScratch.buffer, longScratch.byteOffset, n);
  }
  if (longScratch !== undefined && ++textsSinceLong > LONG_SCRATCH_IDLE_TEXTS) longScratch = undefined;
  scratch ??= Buffer.allocUnsafeSlow(SCRATCH_UNITS * 2);
  writeUnits(scratch, text);
  if (n > VIEW_CACHE_UNITS) return new Uint16Array(scratch.buffer, scratch.byteOffset, n);
  let view = views[n];
  if (view === undefined) {
    view = new Uint16Array(scratch.buffer, scratch.byteOffset, n);
    views[n] = view;
  }
  return view;
}

/** The units `[start, end)` as a string. */
export function stringOf(units: Units, start: number, end: number): string {
  return String.fromCharCode(...units.subarray(start, end));
}

/** `c` with an ASCII capital letter made lower case; any other unit as it is. */
export function lowerAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Whether the units at `at` spell `word` (lower-case ASCII), ignoring ASCII case. */
export function hasLowerAt(units: Units, at: number, word: string): boolean {
  if (at < 0 || at + word.length > units.length) return false;
  for (let k = 0; k < word.length; k++) {
    const c = units[at + k] ?? END;
    if (lowerAscii(c) !== word.charCodeAt(k)) return false;
  }
  return true;
}
