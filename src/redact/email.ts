/**
 * Email addresses: a scan outward from each `@` instead of a regular expression. The local part
 * is read leftwards, the domain rightwards, each with a hard length bound (RFC 5321: 64 and 253),
 * so the work per `@` is bounded and 1 MiB of `a@a@a@…` stays linear.
 */
import { ASCII_CLASS, END, LABEL, LOCAL, type Units, hasLowerAt, isUnicodeWordUnit, lowerAscii } from "./chars.js";

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const MAX_LABEL = 63;
/** The longest address this detector returns (local part, `@`, domain). */
export const EMAIL_MAX_LENGTH: number = MAX_LOCAL + 1 + MAX_DOMAIN;

/**
 * Last labels that look like a top-level domain but are file extensions that are not TLDs, so
 * `icon@2x.png` or `logo@dark.svg` (asset names) are not addresses. Real TLDs that are also
 * extensions (`.zip`, `.mov`, `.py`, `.sh`, `.md`) are deliberately absent.
 */
const FILE_EXTENSION_TLDS: ReadonlySet<string> = new Set([
  "png",
  "jpg",
  "jpeg",
  "gif",
  "svg",
  "webp",
  "ico",
  "bmp",
  "tif",
  "tiff",
  "avif",
  "heic",
  "js",
  "mjs",
  "cjs",
  "ts",
  "tsx",
  "jsx",
  "css",
  "scss",
  "sass",
  "map",
  "json",
  "yaml",
  "yml",
  "xml",
  "txt",
  "log",
  "html",
  "htm",
  "pdf",
  "csv",
  "tsv",
  "gz",
  "tgz",
  "lock",
  "exe",
  "dll",
  "wasm",
  "woff",
  "woff2",
  "ttf",
  "otf",
  "mp3",
  "mp4",
  "wav",
  "webm",
]);

/** How many units the longest of {@link FILE_EXTENSION_TLDS} has. */
const MAX_EXTENSION = Math.max(...[...FILE_EXTENSION_TLDS].map((e) => e.length));

/**
 * A label of up to {@link MAX_EXTENSION} ASCII units as a number, in lower case: its units in
 * base 128 (exact, as 128^7 < 2^53). -1 for a longer label or one with another unit. Comparing
 * numbers spares a string per address.
 */
function extensionKey(units: ArrayLike<number>, start: number, end: number): number {
  if (end - start > MAX_EXTENSION) return -1;
  let key = 0;
  for (let i = start; i < end; i++) {
    const c = units[i] ?? END;
    if (c >= 128) return -1;
    key = key * 128 + lowerAscii(c);
  }
  return key;
}

const FILE_EXTENSION_KEYS: ReadonlySet<number> = new Set(
  [...FILE_EXTENSION_TLDS].map((e) =>
    extensionKey(
      Array.from({ length: e.length }, (_, k) => e.charCodeAt(k)),
      0,
      e.length,
    ),
  ),
);

/** Whether `text[start, end)` is one of {@link FILE_EXTENSION_TLDS}, in any case. */
function isFileExtension(text: Units, start: number, end: number): boolean {
  const key = extensionKey(text, start, end);
  return key !== -1 && FILE_EXTENSION_KEYS.has(key);
}

function isLocalUnit(c: number): boolean {
  return c < 128 ? ((ASCII_CLASS[c] ?? 0) & LOCAL) !== 0 : isUnicodeWordUnit(c);
}

function isLabelUnit(c: number): boolean {
  return c < 128 ? ((ASCII_CLASS[c] ?? 0) & LABEL) !== 0 : isUnicodeWordUnit(c);
}

/** Letters a C/JSON escape puts after a backslash (`\n`, `\t` …): not part of the value. */
function isEscapeLetter(c: number): boolean {
  return c === 110 || c === 116 || c === 114 || c === 98 || c === 102; // n t r b f
}

/**
 * Atext characters that also separate a key or path from a value in logs (`key=`, `/path/`,
 * `?q=`, `a&b`, `a|b`, `{`, `}`, `` ` ``). Right after a word character they end the text
 * before an address instead of joining it: `email=alice@x.io` yields `alice@x.io`.
 */
function isCutDelimiter(c: number): boolean {
  return c === 61 || c === 47 || c === 63 || c === 38 || c === 124 || c === 123 || c === 125 || c === 96;
}

/** Delimiters (and `'`, `.`) that an address does not start with: `'alice@x.io'`, `/alice@…`. */
function isLeadingJunk(c: number): boolean {
  return c === 46 || c === 39 || isCutDelimiter(c);
}

/** A letter or digit (not `_`, which atext-heavy local parts put before a delimiter). */
function isAlnumUnit(c: number): boolean {
  return c < 128 ? (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) : isUnicodeWordUnit(c);
}

/** Whether the local part must start after `text[d]` (a delimiter right after a letter or digit). */
function cutsAt(text: Units, d: number): boolean {
  return isCutDelimiter(text[d] ?? END) && d > 0 && isAlnumUnit(text[d - 1] ?? END);
}

/**
 * Start of the local part ending before `at`, or -1. It depends only on the 66 characters
 * before `at` (never on earlier matches), which is what lets a stream re-scan a window and get
 * the same answer as a scan of the whole text.
 */
function localStart(text: Units, at: number): number {
  if (at > 0 && (text[at - 1] ?? END) === 34) return quotedLocalStart(text, at);
  let s = at;
  const limit = Math.max(0, at - MAX_LOCAL);
  while (s > limit && isLocalUnit(text[s - 1] ?? END) && !cutsAt(text, s - 1)) s--;
  // Still inside local-part characters at the limit: the token is longer than an address can
  // be, so cutting it would invent one.
  if (s === limit && s > 0 && isLocalUnit(text[s - 1] ?? END) && !cutsAt(text, s - 1)) return -1;
  if (s >= 1 && (text[s - 1] ?? END) === 92 && isEscapeLetter(text[s] ?? END)) s++; // "\nalice@…"
  while (s < at && isLeadingJunk(text[s] ?? END)) s++; // `.`, quotes and keys belong to the sentence
  if (s >= at || (text[at - 1] ?? END) === 46) return -1;
  for (let i = s + 1; i < at; i++) if ((text[i] ?? END) === 46 && (text[i - 1] ?? END) === 46) return -1; // `a..b`
  return s;
}

/**
 * Start of a quoted local part (RFC 5322 §3.2.4 quoted-string, RFC 6531 UTF-8) whose closing
 * quote is just before `at`, or -1. Bounded by the 64-octet local-part limit.
 */
function quotedLocalStart(text: Units, at: number): number {
  const limit = Math.max(0, at - MAX_LOCAL);
  if (at >= 2 && (text[at - 2] ?? END) === 92) return escapedQuotedLocalStart(text, at, limit);
  let open = at - 2;
  // The nearest quote that is not escaped (`"a\"b"`); the check below catches `"a\\"`.
  while (open >= limit && ((text[open] ?? END) !== 34 || (open > 0 && (text[open - 1] ?? END) === 92))) open--;
  if (open < limit || open === at - 2) return -1; // no opening quote, or `""`
  for (let i = open + 1; i < at - 1; i++) {
    const c = text[i] ?? END;
    if (c === 92) {
      i++; // quoted-pair: `\` and the next printable character
      if (i >= at - 1) return -1; // the closing quote is escaped
      continue;
    }
    if (c < 32 || c === 127 || (c >= 0xd800 && c <= 0xdfff)) return -1;
  }
  return open;
}

function isValidTld(text: Units, start: number, end: number): boolean {
  const length = end - start;
  if (length < 2) return false;
  let asciiLetters = true;
  for (let i = start; i < end; i++) {
    const c = (text[i] ?? END) | 0x20;
    if ((c < 97 || c > 122) && c !== 45) {
      asciiLetters = false;
      break;
    }
  }
  if (asciiLetters) return !isFileExtension(text, start, end);
  // Punycode (`xn--p1ai`) or a Unicode TLD (`рф`, `中国`): no ASCII digits-only or mixed junk.
  if (length > 4 && hasLowerAt(text, start, "xn--")) return true;
  for (let i = start; i < end; i++) {
    const c = text[i] ?? END;
    if (c < 128 || !isUnicodeWordUnit(c)) return false;
  }
  return true;
}

/**
 * A quoted local part inside a JSON or C string, `\"john doe\"@…`: start of the opening `\"`,
 * or -1. The quoted text must hold neither a quote nor a backslash.
 */
function escapedQuotedLocalStart(text: Units, at: number, limit: number): number {
  for (let i = at - 3; i > limit; i--) {
    const c = text[i] ?? END;
    if (c === 34) return (text[i - 1] ?? END) === 92 && i < at - 3 ? i - 1 : -1;
    if (c === 92 || c < 32 || c === 127) return -1;
  }
  return -1;
}

/** Whether `text[start, end)` is a dotted quad of 0–255 (RFC 5321 §4.1.3 IPv4-address-literal). */
function isIpv4(text: Units, start: number, end: number): boolean {
  let parts = 0;
  let i = start;
  while (i < end) {
    let value = 0;
    const first = i;
    while (i < end && i - first < 3 && (text[i] ?? END) >= 48 && (text[i] ?? END) <= 57) {
      value = value * 10 + (text[i] ?? END) - 48;
      i++;
    }
    if (i === first || value > 255) return false;
    parts++;
    if (i === end) break;
    if ((text[i] ?? END) !== 46) return false;
    i++;
    if (i === end) return false;
  }
  return parts === 4;
}

/** Whether `text[start, end)` is `IPv6:` and hex groups (RFC 5321 §4.1.3 IPv6-address-literal). */
function isIpv6(text: Units, start: number, end: number): boolean {
  if (end - start < 7 || !hasLowerAt(text, start, "ipv6:")) return false;
  let colons = 0;
  for (let i = start + 5; i < end; i++) {
    const c = text[i] ?? END;
    const lower = c | 0x20;
    if (c === 58) colons++;
    else if (!((c >= 48 && c <= 57) || (lower >= 97 && lower <= 102) || c === 46)) return false;
  }
  return colons >= 2 && colons <= 7;
}

/** End of an address literal `[…]` that starts at `from`, or -1. */
function literalEnd(text: Units, from: number): number {
  const limit = Math.min(text.length, from + MAX_DOMAIN);
  let close = from + 1;
  while (close < limit && (text[close] ?? END) !== 93 && (text[close] ?? END) !== 91) close++;
  if (close >= limit || (text[close] ?? END) !== 93) return -1;
  return isIpv4(text, from + 1, close) || isIpv6(text, from + 1, close) ? close + 1 : -1;
}

/** End of the domain that starts at `from` (just after `@`), or -1. */
function domainEnd(text: Units, from: number, singleLabel: boolean): number {
  if (from < text.length && (text[from] ?? END) === 91) return literalEnd(text, from);
  const n = text.length;
  const limit = Math.min(n, from + MAX_DOMAIN + 1);
  let e = from;
  let labels = 0;
  let lastLabelStart = from;
  let previousLabelStart: number;
  for (;;) {
    const labelStart = e;
    while (e < limit && isLabelUnit(text[e] ?? END)) e++;
    if (e === labelStart) return -1; // empty label (`a@.com`, `a@b..com`)
    if (e - labelStart > MAX_LABEL) return -1;
    if ((text[labelStart] ?? END) === 45 || (text[e - 1] ?? END) === 45) return -1; // leading/trailing hyphen
    labels++;
    previousLabelStart = lastLabelStart;
    lastLabelStart = labelStart;
    if (e < limit && (text[e] ?? END) === 46 && e + 1 < limit && isLabelUnit(text[e + 1] ?? END)) {
      e++;
      continue;
    }
    break;
  }
  if (e === limit && limit < n && isLabelUnit(text[e] ?? END)) return -1; // longer than a domain may be
  if (e - from > MAX_DOMAIN) return -1;
  if (e < n) {
    const c = text[e] ?? END;
    if (c === 95 || c === 64) return -1; // `_` or `@` right after: the token goes on, do not cut it
  }
  if (labels < 2) return singleLabel && isHostName(text, from, e) ? e : -1;
  if (!isValidTld(text, lastLabelStart, e)) return -1;
  // A hyphenated top label after a number is a version range (`lodash@4.x-next`), not a domain.
  if (isPlainHyphenated(text, lastLabelStart, e) && !hasLetter(text, previousLabelStart, lastLabelStart - 1)) return -1;
  return e;
}

/** Whether an ASCII label has a hyphen and is not punycode (`foo-bar`, not `xn--p1ai`). */
function isPlainHyphenated(text: Units, start: number, end: number): boolean {
  let hyphen = false;
  for (let i = start; i < end && !hyphen; i++) hyphen = text[i] === 45;
  return hyphen && !hasLowerAt(text, start, "xn--");
}

function hasLetter(text: Units, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text[i] ?? END;
    if (c >= 128 || ((c | 0x20) >= 97 && (c | 0x20) <= 122)) return true;
  }
  return false;
}

/** A single-label domain (`localhost`): it must hold a letter and not be a file extension. */
function isHostName(text: Units, start: number, end: number): boolean {
  return !isFileExtension(text, start, end) && hasLetter(text, start, end);
}

/**
 * Appends every email address in `str` (whose units are `text`) to `out` as [start, end] pairs, in order of their `@`.
 * Two addresses glued together (`a@b.io+c@d.io`) overlap; the redactor merges them.
 */
export function scanEmails(str: string, text: Units, out: number[], singleLabel: boolean = false): void {
  let at = str.indexOf("@");
  while (at !== -1) {
    const start = localStart(text, at);
    if (start !== -1) {
      const end = domainEnd(text, at + 1, singleLabel);
      if (end !== -1) out.push(start, end);
    }
    at = str.indexOf("@", at + 1);
  }
}
