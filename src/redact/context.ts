/**
 * Context words. A bare nine-digit run is an SSN and a bare ten-digit run a phone number only
 * when a word such as "ssn" or "phone" comes shortly before it on the same line, as in
 * Presidio's context enhancement; without one, such runs are ids far more often than PII.
 */
import { END, type Units, lowerAscii } from "./chars.js";

/** How far before a value (in characters, same line) a context word may stand. */
const CONTEXT_WINDOW = 48;

/** Words that make a bare nine-digit run an SSN. */
export const SSN_CONTEXT_WORDS: readonly string[] = [
  "ssn",
  "ssns",
  "ss#",
  "social security",
  "social sec",
  "soc sec",
  "socsec",
];

/** Words that make a bare ten-digit run (or an unusual grouping) a phone number. */
export const PHONE_CONTEXT_WORDS: readonly string[] = [
  "phone",
  "phones",
  "telephone",
  "tel",
  "mobile",
  "cell",
  "cellphone",
  "call",
  "fax",
  "sms",
  "whatsapp",
  // Signatures and logs
  "mob",
  "cel",
  "desk",
  "direct",
  "ph",
  "signal",
  "telegram",
  // Other languages: de, nl, fr, es, pt, it, nordic, pl
  "telefon",
  "telefonnummer",
  "rufnummer",
  "handy",
  "mobil",
  "telefoon",
  "gsm",
  "téléphone",
  "portable",
  "teléfono",
  "telefono",
  "móvil",
  "movil",
  "celular",
  "telefone",
  "telemóvel",
  "cellulare",
  "tlf",
  "puhelin",
  "puh",
  "komórka",
  "kom",
  "tfn",
  "telepon",
  "ponsel",
  "điện thoại",
  "đt",
  // Scripts with case: Cyrillic (ru, uk, bg, sr), Greek. Inflected forms are listed, as a
  // word may not run on into other letters (`тел` is not `телевизор`).
  "телефон",
  "телефона",
  "телефону",
  "телефоном",
  "тел",
  "моб",
  "мобильный",
  "мобильного",
  "мобільний",
  "сотовый",
  "τηλέφωνο",
  "τηλ",
  "κινητό",
  // Scripts without case count wherever they stand: ja, zh, ko, ar, fa, he, hi, bn, th.
  "電話",
  "电话",
  "携帯",
  "手机",
  "手機",
  "전화",
  "휴대폰",
  "핸드폰",
  "هاتف",
  "جوال",
  "موبايل",
  "تلفن",
  "טלפון",
  "נייד",
  "फ़ोन",
  "\u095E\u094B\u0928", // फ़ोन with the precomposed letter
  "फोन",
  "मोबाइल",
  "दूरभाष",
  "ফোন",
  "โทร",
];

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// Character classes of non-ASCII code units, filled lazily (most text never needs them).
const LETTER = 1;
const LOWER = 2;
const UPPER = 4;
const KNOWN = 8;
const unicodeClass = new Uint8Array(65_536);
const unicodeFold = new Uint16Array(65_536);
const IS_LETTER = /^[\p{L}\p{M}]$/u;
const IS_LOWER = /^\p{Ll}$/u;
const IS_UPPER = /^[\p{Lu}\p{Lt}]$/u;

function classOf(c: number): number {
  let k = unicodeClass[c] ?? 0;
  if (k === 0) {
    const ch = String.fromCharCode(c);
    k = KNOWN;
    if (IS_LETTER.test(ch)) k |= LETTER;
    if (IS_LOWER.test(ch)) k |= LOWER;
    if (IS_UPPER.test(ch)) k |= UPPER;
    const lowered = ch.toLowerCase();
    // One unit to one unit only (`İ` lowers to two): anything else compares as itself.
    unicodeFold[c] = lowered.length === 1 ? lowered.charCodeAt(0) : c;
    unicodeClass[c] = k;
  }
  return k;
}

function isLower(c: number): boolean {
  return c < 128 ? c >= 97 && c <= 122 : (classOf(c) & LOWER) !== 0;
}

function isUpper(c: number): boolean {
  return c < 128 ? c >= 65 && c <= 90 : (classOf(c) & UPPER) !== 0;
}

/** A letter or combining mark of any script (a word goes on). */
function isLetter(c: number): boolean {
  if (c < 128) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return (classOf(c) & LETTER) !== 0;
}

/** `c` in lower case (simple one-to-one case mapping). */
function fold(c: number): number {
  if (c < 128) return lowerAscii(c);
  // Full-width Latin letters (ＴＥＬ, typed with East Asian input methods) read as ASCII.
  if (c >= 0xff21 && c <= 0xff3a) return c - 0xfee0 + 32;
  if (c >= 0xff41 && c <= 0xff5a) return c - 0xfee0;
  classOf(c);
  return unicodeFold[c] ?? c;
}

/** Whether `word` (lower case) is at `at` in `text`, ignoring case. */
function wordAt(text: Units, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (fold(text[at + k] ?? END) !== word.charCodeAt(k)) return false;
  return true;
}

/** A word list compiled for lookup: words by their first (lower-case) code unit. */
interface CompiledWords {
  /** Words whose first unit is ASCII, by that unit. */
  readonly ascii: (readonly CompiledWord[] | undefined)[];
  /** The others, by their first unit. */
  readonly other: ReadonlyMap<number, readonly CompiledWord[]>;
}

interface CompiledWord {
  readonly text: string;
  /**
   * Whether the word's script has no letter case (Han, kana, Hangul, Arabic, Hebrew,
   * Devanagari, Thai …). Such scripts glue words together (`電話番号`) or attach prefixes and
   * suffixes to them (`الهاتف`, `הטלפון`), so the word counts wherever it stands.
   */
  readonly anywhere: boolean;
}

function compileWords(words: readonly string[]): CompiledWords {
  const ascii: CompiledWord[][] = [];
  const other = new Map<number, CompiledWord[]>();
  for (const raw of words) {
    const text = raw.toLowerCase();
    const word = { text, anywhere: text.toUpperCase() === text };
    const first = text.charCodeAt(0);
    const list = first < 128 ? (ascii[first] ??= []) : other.get(first);
    if (list === undefined) other.set(first, [word]);
    else list.push(word);
  }
  return { ascii, other };
}

/** A context word list compiled for {@link hasContextWord}. */
export type ContextWords = CompiledWords;

/**
 * Compiles a context word list, once per list at module load: the lookup per call (a table
 * keyed by the list) cost more than the search itself on a short log line.
 */
export function compileContextWords(words: readonly string[]): ContextWords {
  return compileWords(words);
}

/**
 * Whether one of `words` appears as a word within {@link CONTEXT_WINDOW} characters before
 * `start`, on the same line, with no digit between it and `start`. Case is ignored in every
 * script (`TELEFON`, `Телефон`). camelCase and snake_case keys count (`mobilePhone`,
 * `phone_number`, `ssn:`), substrings of other words do not (`hotel`, `callback`, `телефонировать`
 * is not `телефон`); words of scripts without case count wherever they stand (`電話番号`).
 */
export function hasContextWord(text: Units, start: number, words: ContextWords): boolean {
  // The word must introduce this value: "phone=(415) 555-0132 account=2345678901" gives the
  // account number no context, because another number stands between. So only the stretch
  // after the last digit (or line break) before `start` is searched, without copying it.
  const floor = Math.max(0, start - CONTEXT_WINDOW);
  let from = start;
  while (from > floor) {
    const c = text[from - 1] ?? END;
    if (isAsciiDigit(c) || c === 10) break;
    from--;
  }
  if (from === start) return false;
  const { ascii, other } = words;
  for (let at = from; at < start; at++) {
    const first = text[at] ?? END;
    const folded = fold(first);
    const candidates = folded < 128 ? ascii[folded] : other.get(folded);
    if (candidates === undefined) continue;
    const before = at === 0 ? 32 : (text[at - 1] ?? END);
    // A word starts after a non-letter, or at a camelCase hump (`mobilePhone`).
    const startsWord = !isLetter(before) || (isUpper(first) && isLower(before));
    for (const word of candidates) {
      const end = at + word.text.length;
      if (end > start || !wordAt(text, at, word.text)) continue;
      if (word.anywhere) return true;
      if (startsWord && !isLower(end < text.length ? (text[end] ?? END) : 32)) return true;
    }
  }
  return false;
}

/** {@link SSN_CONTEXT_WORDS}, compiled. */
export const SSN_CONTEXT: ContextWords = compileContextWords(SSN_CONTEXT_WORDS);
/** {@link PHONE_CONTEXT_WORDS}, compiled. */
export const PHONE_CONTEXT: ContextWords = compileContextWords(PHONE_CONTEXT_WORDS);
