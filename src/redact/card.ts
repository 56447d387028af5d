/**
 * Payment-card validation: issuer prefix + issuer length + Luhn. Luhn alone is not a card: on
 * real access logs nearly every Luhn hit is a 13-digit millisecond timestamp (pii-shield#209),
 * and a random digit run passes Luhn one time in ten.
 *
 * The issuer table (data/iin-ranges.ts, generated from credit-card-type) has ~170 rows with
 * prefixes of one to eight digits; scanning it row by row for every digit run would cost more
 * than the rest of the scan. It is compiled once, at import, into a decimal trie: checking a
 * candidate walks at most eight nodes, whatever the table's size.
 */
import { canEndNumber, canStartNumber, digitRunEnd } from "./boundaries.js";
import { END, type Units, isDigit } from "./chars.js";
import { insideIban, IBAN_MAX_TEXT } from "./card-iban.js";
import { compileContextWords, hasContextWord } from "./context.js";
import { IIN_RANGES, type CardBrand } from "./data/iin-ranges.js";

/** Shortest card number the table allows (Maestro issues 12 to 19 digits). */
export const CARD_MIN_DIGITS = 12;
/** Longest card number (ISO/IEC 7812). */
export const CARD_MAX_DIGITS = 19;

/** The prefixes covering `[lo, hi]` (same width) with as few trie nodes as possible. */
function coverRange(lo: string, hi: string, out: string[]): void {
  if (lo === hi) {
    out.push(lo);
    return;
  }
  let i = 0;
  while (lo[i] === hi[i]) i++;
  const head = lo.slice(0, i);
  const a = Number(lo[i]);
  const b = Number(hi[i]);
  const tail = lo.length - i - 1;
  let first = a;
  let last = b;
  if (!/^0*$/.test(lo.slice(i + 1))) {
    coverRange(lo, head + String(a) + "9".repeat(tail), out);
    first = a + 1;
  }
  if (!/^9*$/.test(hi.slice(i + 1))) {
    coverRange(head + String(b) + "0".repeat(tail), hi, out);
    last = b - 1;
  }
  for (let d = first; d <= last; d++) out.push(head + String(d));
}

interface PrefixTrie {
  /** `next[node * 10 + digit]`: the child node, or 0 (node 0 is the root, never a child). */
  readonly next: Uint16Array;
  /** `lengths[node]`: bit n set when a range ending at this node allows n digits. */
  readonly lengths: Int32Array;
}

function compileTrie(ranges: readonly { from: number; to: number; lengths: readonly number[] }[]): PrefixTrie {
  const next: number[] = new Array<number>(10).fill(0);
  const lengths: number[] = [0];
  const prefixes: string[] = [];
  for (const range of ranges) {
    let mask = 0;
    for (const l of range.lengths) mask |= 1 << l;
    prefixes.length = 0;
    coverRange(String(range.from), String(range.to), prefixes);
    for (const prefix of prefixes) {
      let node = 0;
      for (let k = 0; k < prefix.length; k++) {
        const slot = node * 10 + prefix.charCodeAt(k) - 48;
        let child = next[slot] ?? 0;
        if (child === 0) {
          child = lengths.length;
          lengths.push(0);
          for (let d = 0; d < 10; d++) next.push(0);
          next[slot] = child;
        }
        node = child;
      }
      lengths[node] = (lengths[node] ?? 0) | mask;
    }
  }
  // ~860 nodes today: 16-bit child indexes keep the table small enough to stay in cache.
  if (lengths.length > 0xffff) throw new Error("IIN table too large for a 16-bit trie");
  return { next: Uint16Array.from(next), lengths: Int32Array.from(lengths) };
}

const TRIE: PrefixTrie = compileTrie(IIN_RANGES);
const TRIE_NEXT = TRIE.next;
const TRIE_LENGTHS = TRIE.lengths;

/** Bit n set when some range whose prefix starts these digits allows n digits. */
function allowedLengths(digits: ArrayLike<number>, length: number): number {
  let node = 0;
  let mask = 0;
  for (let k = 0; k < length; k++) {
    node = TRIE_NEXT[node * 10 + (digits[k] ?? 0)] ?? 0;
    if (node === 0) break;
    mask |= TRIE_LENGTHS[node] ?? 0;
  }
  return mask;
}

/** Marks a {@link prefixLengthsAt} walk that ran out of digits before the trie ended. */
const OPEN = 1 << 30;

/**
 * The allowed-length mask of the digits `text[i, i + count)`, walked straight on the text so that
 * a run no network starts (`17…` timestamps, `2024`) is refused before any copying. Has the
 * {@link OPEN} bit when the trie goes deeper than `count` digits (more groups are needed).
 */
function prefixLengthsAt(text: Units, i: number, count: number): number {
  let node = 0;
  let mask = 0;
  for (let k = 0; k < count; k++) {
    node = TRIE_NEXT[node * 10 + (text[i + k] ?? END) - 48] ?? 0;
    if (node === 0) return mask;
    mask |= TRIE_LENGTHS[node] ?? 0;
  }
  return mask | OPEN;
}

/** Luhn (mod 10) over `length` digit values. */
export function luhnValid(digits: ArrayLike<number>, length: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = length - 1; i >= 0; i--) {
    let d = digits[i] ?? 0;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * The brand whose IIN range and length fit these digits, or undefined. Where ranges overlap
 * (Maestro's catch-all 6 and Discover's 6011) the longest prefix names the brand, then the
 * earlier row. Reads the table row by row: for naming, not for scanning.
 */
export function cardBrand(digits: ArrayLike<number>, length: number): CardBrand | undefined {
  if (length < CARD_MIN_DIGITS || length > CARD_MAX_DIGITS) return undefined;
  let best: CardBrand | undefined;
  let bestWidth = 0;
  for (const range of IIN_RANGES) {
    const width = String(range.from).length;
    if (width <= bestWidth || !range.lengths.includes(length)) continue;
    let prefix = 0;
    for (let k = 0; k < width; k++) prefix = prefix * 10 + (digits[k] ?? 0);
    if (prefix >= range.from && prefix <= range.to) {
      best = range.brand;
      bestWidth = width;
    }
  }
  return best;
}

/** Whether `length` digit values form a card number: known issuer range and length, and Luhn. */
export function isCardNumber(digits: ArrayLike<number>, length: number): boolean {
  return (
    length >= CARD_MIN_DIGITS &&
    length <= CARD_MAX_DIGITS &&
    (allowedLengths(digits, length) & (1 << length)) !== 0 &&
    luhnValid(digits, length)
  );
}

/**
 * How far past a card's first digit the detector reads (its stream look-ahead): the longest card
 * is 25 characters (19 digits in groups of at least three, plus separators), but ruling out an
 * IBAN around it reads up to the longest printed IBAN.
 */
export const CARD_MAX_LENGTH: number = Math.max(25, IBAN_MAX_TEXT);

/**
 * Only Maestro issues 12-digit numbers, and a 12-digit run is far more often something else:
 * FedEx tracking numbers and AWS account ids are 12 digits, and one in ten passes Luhn. Presidio's
 * card pattern needs 13 digits. So a 12-digit card counts only after a card word, as the bare
 * nine-digit SSN and ten-digit phone do: "maestro 6759 6498 2643", "card: 501800000009".
 */
const SHORT_CARD_DIGITS = 12;

/** Words that make a 12-digit Maestro-range number a card (lower case, same line, no digit between). */
export const CARD_CONTEXT_WORDS: readonly string[] = [
  "card",
  "cards",
  "cc",
  "credit",
  "debit",
  "pan",
  "maestro",
  "mastercard",
  "cardnumber",
  "ccnum",
  // de, nl, fr, es, pt, it
  "karte",
  "kartennummer",
  "kaart",
  "carte",
  "tarjeta",
  "cartão",
  "cartao",
  "carta",
];
const CARD_CONTEXT = compileContextWords(CARD_CONTEXT_WORDS);

function hasCardContext(text: Units, i: number): boolean {
  return hasContextWord(text, i, CARD_CONTEXT);
}

/** The most groups a card has (4 + 3 + 3 + 3 + 3 + 3 digits). */
const CARD_MAX_GROUPS = 6;

/**
 * Start of the digit group of 3–6 digits that ends one space before `i`, or -1 when `i` does
 * not follow such a group (`… 1234 ⟨i⟩`). (After `-` a digit never starts a number at all.)
 */
function previousGroupStart(text: Units, i: number): number {
  if (i < 4 || (text[i - 1] ?? END) !== 32 || !isDigit(text[i - 2] ?? END)) return -1;
  let q = i - 2;
  while (q > 0 && isDigit(text[q - 1] ?? END)) q--;
  const glen = i - 1 - q;
  return glen >= 3 && glen <= 6 ? q : -1;
}

/**
 * Whether a card could start at one of the groups before `i` in a space-separated chain and
 * reach over `i` (`3637 ⟨3637⟩ 3637 3637 3637`): then `i` is inside that card, not a card's
 * start. Decided from the text alone, never from which matches came before, so the answer
 * depends on at most one card's worth of text before `i`. (The scan's own rule, "no new card
 * inside the last one", depends on where a long chain begins, however far back; a stream, which
 * re-scans from inside the chain, then grouped it differently from `redact` and left a group in
 * clear.) Two cards written one after the other still both count: a card's groups after its
 * first start with digits no issuer uses, or fail Luhn, in all but contrived chains.
 */
function coveredByEarlierCard(text: Units, i: number): boolean {
  let j = i;
  for (let k = 1; k < CARD_MAX_GROUPS; k++) {
    j = previousGroupStart(text, j);
    if (j === -1) return false;
    if (canStartNumber(text, j) && matchGroupedCard(text, j, digitRunEnd(text, j)) > i) return true;
  }
  return false;
}

const cardDigits = new Uint8Array(CARD_MAX_DIGITS);
const groupEnds: number[] = [];
const groupDigits: number[] = [];

/**
 * The end of a card number whose first digit run is `[i, runEnd)`, or -1. Accepted forms: one
 * run of 12–19 digits (never part of a longer run), or groups separated by one kind of single
 * separator (space or `-`): a first group of 4–6 digits, inner groups of 3–6, a last group of
 * 1–6 (so 4-4-4-1 and 4-6-5 both work). With trailing groups the longest valid prefix wins.
 * A 12-digit number needs a card word before it; a number inside an IBAN
 * (`DE71 4111 1111 1111 1111 11`) is not a card; a group that a card starting at an earlier
 * group of the same chain reaches over starts none ({@link coveredByEarlierCard}).
 */
export function matchCard(text: Units, i: number, runEnd: number): number {
  const len = runEnd - i;
  if (len >= CARD_MIN_DIGITS) {
    // The trie is at most eight deep, so the walk over a 12+ digit run always ends.
    if (len > CARD_MAX_DIGITS || (prefixLengthsAt(text, i, len) & (1 << len)) === 0) return -1;
    if (!canEndNumber(text, runEnd)) return -1;
    for (let k = 0; k < len; k++) cardDigits[k] = (text[i + k] ?? END) - 48;
    if (!luhnValid(cardDigits, len) || (len === SHORT_CARD_DIGITS && !hasCardContext(text, i))) return -1;
    return insideIban(text, i, runEnd) ? -1 : runEnd;
  }
  const end = matchGroupedCard(text, i, runEnd);
  return end !== -1 && coveredByEarlierCard(text, i) ? -1 : end;
}

/** {@link matchCard} for a first group of 4–6 digits, without looking at the groups before it. */
function matchGroupedCard(text: Units, i: number, runEnd: number): number {
  const len = runEnd - i;
  if (len < 4 || len > 6 || prefixLengthsAt(text, i, len) === 0) return -1;
  const sep = text[runEnd] ?? END;
  if (sep !== 32 && sep !== 45) return -1;
  // Two groups hold at most 12 digits, so a card has an inner group of three digits or more
  // after this one. Checked first: dates (`2024-01-15`) and times reach this point on every line.
  if (digitRunEnd(text, runEnd + 1) - runEnd - 1 < 3) return -1;
  for (let k = 0; k < len; k++) cardDigits[k] = (text[i + k] ?? END) - 48;
  let total = len;
  // `length = 0` is a runtime call even on an empty array.
  if (groupEnds.length !== 0) groupEnds.length = 0;
  if (groupDigits.length !== 0) groupDigits.length = 0;
  groupEnds.push(runEnd);
  groupDigits.push(len);
  let pos = runEnd;
  while (pos < text.length && (text[pos] ?? END) === sep) {
    const g = pos + 1;
    const gEnd = digitRunEnd(text, g);
    const glen = gEnd - g;
    if (glen === 0 || glen > 6 || total + glen > CARD_MAX_DIGITS) break;
    for (let k = 0; k < glen; k++) cardDigits[total + k] = (text[g + k] ?? END) - 48;
    total += glen;
    groupEnds.push(gEnd);
    groupDigits.push(total);
    pos = gEnd;
    // A group shorter than three can only be the last one.
    if (glen < 3) break;
  }
  if (total < CARD_MIN_DIGITS) return -1;
  const lengths = allowedLengths(cardDigits, total);
  for (let w = groupEnds.length - 1; w >= 1; w--) {
    const digits = groupDigits[w] ?? 0;
    if (digits < CARD_MIN_DIGITS) break;
    const end = groupEnds[w] ?? 0;
    if ((lengths & (1 << digits)) === 0 || !canEndNumber(text, end) || !luhnValid(cardDigits, digits)) continue;
    if (digits === SHORT_CARD_DIGITS && !hasCardContext(text, i)) continue;
    return insideIban(text, i, end) ? -1 : end;
  }
  return -1;
}
