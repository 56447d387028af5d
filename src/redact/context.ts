/**
 * Context words. A bare nine-digit run is an SSN and a bare ten-digit run a phone number only
 * when a word such as "ssn" or "phone" comes shortly before it on the same line, as in
 * Presidio's context enhancement; without one, such runs are ids far more often than PII.
 */

/** How far before a value (in characters, same line) a context word may stand. */
export const CONTEXT_WINDOW = 48;

/** Words that make a bare nine-digit run an SSN. */
export const SSN_CONTEXT_WORDS: readonly string[] = ["ssn", "ssns", "ss#", "social security", "social sec", "soc sec", "socsec"];

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

/**
 * Whether one of `words` (lower case) appears as a word within {@link CONTEXT_WINDOW}
 * characters before `start`, on the same line, with no digit between it and `start`.
 * camelCase and snake_case keys count (`mobilePhone`, `phone_number`, `ssn:`), substrings of
 * other words do not (`hotel`, `callback`).
 */
export function hasContextWord(text: string, start: number, words: readonly string[]): boolean {
  let from = Math.max(0, start - CONTEXT_WINDOW);
  const newline = text.lastIndexOf("\n", start - 1);
  if (newline >= from) from = newline + 1;
  if (from >= start) return false;
  const window = text.slice(from, start);
  // The word must introduce this value: "phone=(415) 555-0132 account=2345678901" gives the
  // account number no context, because another number stands between.
  let lastDigit = window.length - 1;
  while (lastDigit >= 0 && !isAsciiDigit(window.charCodeAt(lastDigit))) lastDigit--;
  const lower = window.toLowerCase();
  for (const word of words) {
    let at = lower.indexOf(word, lastDigit + 1 - word.length < 0 ? 0 : lastDigit + 1 - word.length);
    while (at !== -1) {
      const before = at === 0 ? 32 : window.charCodeAt(at - 1);
      const first = window.charCodeAt(at);
      const after = at + word.length < window.length ? window.charCodeAt(at + word.length) : 32;
      const leftOk = !(isLower(before) || isUpper(before)) || (isUpper(first) && isLower(before));
      if (leftOk && !isLower(after) && at + word.length > lastDigit) return true;
      at = lower.indexOf(word, at + 1);
    }
  }
  return false;
}
