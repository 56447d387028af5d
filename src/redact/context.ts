/**
 * Context words. A bare nine-digit run is an SSN and a bare ten-digit run a phone number only
 * when a word such as "ssn" or "phone" comes shortly before it on the same line, as in
 * Presidio's context enhancement; without one, such runs are ids far more often than PII.
 */

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
  "komórka",
];

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Whether `word` (lower case) is at `at` in `text`, ignoring ASCII case. */
function wordAt(text: string, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (lower(text.charCodeAt(at + k)) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * Whether one of `words` (lower case) appears as a word within {@link CONTEXT_WINDOW}
 * characters before `start`, on the same line, with no digit between it and `start`.
 * camelCase and snake_case keys count (`mobilePhone`, `phone_number`, `ssn:`), substrings of
 * other words do not (`hotel`, `callback`).
 */
export function hasContextWord(text: string, start: number, words: readonly string[]): boolean {
  // The word must introduce this value: "phone=(415) 555-0132 account=2345678901" gives the
  // account number no context, because another number stands between. So only the stretch
  // after the last digit (or line break) before `start` is searched, without copying it.
  const floor = Math.max(0, start - CONTEXT_WINDOW);
  let from = start;
  while (from > floor) {
    const c = text.charCodeAt(from - 1);
    if (isAsciiDigit(c) || c === 10) break;
    from--;
  }
  const byFirst = indexByFirstLetter(words);
  for (let at = from; at < start; at++) {
    const candidates = byFirst.get(lower(text.charCodeAt(at)));
    if (candidates === undefined) continue;
    const before = at === 0 ? 32 : text.charCodeAt(at - 1);
    const first = text.charCodeAt(at);
    // A word starts after a non-letter, or at a camelCase hump (`mobilePhone`).
    if ((isLower(before) || isUpper(before)) && !(isUpper(first) && isLower(before))) continue;
    for (const word of candidates) {
      if (at + word.length > start || !wordAt(text, at, word)) continue;
      const after = at + word.length < text.length ? text.charCodeAt(at + word.length) : 32;
      if (!isLower(after)) return true;
    }
  }
  return false;
}

// Each word list grouped by its first letter, so a position costs one lookup, not one test per word.
const INDEXES = new WeakMap<readonly string[], Map<number, string[]>>();

function indexByFirstLetter(words: readonly string[]): Map<number, string[]> {
  let index = INDEXES.get(words);
  if (index === undefined) {
    index = new Map();
    for (const word of words) {
      const key = word.charCodeAt(0);
      const list = index.get(key);
      if (list === undefined) index.set(key, [word]);
      else list.push(word);
    }
    INDEXES.set(words, index);
  }
  return index;
}
