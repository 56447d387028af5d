/**
 * Email addresses: a scan outward from each `@` instead of a regular expression. The local part
 * is read leftwards, the domain rightwards, each with a hard length bound (RFC 5321: 64 and 253),
 * so the work per `@` is bounded and 1 MiB of `a@a@a@…` stays linear.
 */
import { ASCII_CLASS, LABEL, LOCAL, isUnicodeWordUnit } from "./chars.js";

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
 * Start of the local part ending before `at`, or -1. It depends only on the 65 characters
 * before `at` (never on earlier matches), which is what lets a stream re-scan a window and get
 * the same answer as a scan of the whole text.
 */
function localStart(text: string, at: number): number {
  let s = at;
  const limit = Math.max(0, at - MAX_LOCAL);
  while (s > limit && isLocalUnit(text.charCodeAt(s - 1))) s--;
  // Still inside local-part characters at the limit: the token is longer than an address can
  // be, so cutting it would invent one.
  if (s === limit && s > 0 && isLocalUnit(text.charCodeAt(s - 1))) return -1;
  if (s >= 1 && text.charCodeAt(s - 1) === 92 && isEscapeLetter(text.charCodeAt(s))) s++; // "\nalice@…"
  while (s < at && text.charCodeAt(s) === 46) s++; // leading dots belong to the sentence
  return s < at && text.charCodeAt(at - 1) !== 46 ? s : -1;
}

function isValidTld(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 2) return false;
  let asciiLetters = true;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) | 0x20;
    if (c < 97 || c > 122) {
      asciiLetters = false;
      break;
    }
  }
  if (asciiLetters) return !FILE_EXTENSION_TLDS.has(text.slice(start, end).toLowerCase());
  // Punycode (`xn--p1ai`) or a Unicode TLD (`рф`, `中国`): no ASCII digits-only or mixed junk.
  if (length > 4 && text.slice(start, start + 4).toLowerCase() === "xn--") return true;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 || !isUnicodeWordUnit(c)) return false;
  }
  return true;
}

/** End of the domain that starts at `from` (just after `@`), or -1. */
function domainEnd(text: string, from: number): number {
  const n = text.length;
  const limit = Math.min(n, from + MAX_DOMAIN + 1);
  let e = from;
  let labels = 0;
  let lastLabelStart: number;
  for (;;) {
    const labelStart = e;
    while (e < limit && isLabelUnit(text.charCodeAt(e))) e++;
    if (e === labelStart) return -1; // empty label (`a@.com`, `a@b..com`)
    if (e - labelStart > MAX_LABEL) return -1;
    if (text.charCodeAt(labelStart) === 45 || text.charCodeAt(e - 1) === 45) return -1; // leading/trailing hyphen
    labels++;
    lastLabelStart = labelStart;
    if (e < limit && text.charCodeAt(e) === 46 && e + 1 < limit && isLabelUnit(text.charCodeAt(e + 1))) {
      e++;
      continue;
    }
    break;
  }
  if (e === limit && limit < n && isLabelUnit(text.charCodeAt(e))) return -1; // longer than a domain may be
  if (e - from > MAX_DOMAIN) return -1;
  if (e < n) {
    const c = text.charCodeAt(e);
    if (c === 95 || c === 64) return -1; // `_` or `@` right after: the token goes on, do not cut it
  }
  if (labels < 2 || !isValidTld(text, lastLabelStart, e)) return -1;
  return e;
}

/**
 * Appends every email address in `text` to `out` as [start, end] pairs, in order of their `@`.
 * Two addresses glued together (`a@b.io+c@d.io`) overlap; the redactor merges them.
 */
export function scanEmails(text: string, out: number[]): void {
  let at = text.indexOf("@");
  while (at !== -1) {
    const start = localStart(text, at);
    if (start !== -1) {
      const end = domainEnd(text, at + 1);
      if (end !== -1) out.push(start, end);
    }
    at = text.indexOf("@", at + 1);
  }
}
