/**
 * The card detector's issuer table (src/redact/data/iin-ranges.ts) against its source, pinned per
 * network, and labelled cases per network: each case names the rule it comes from.
 *
 * Rules cited below:
 * - [ISO 7812] ISO/IEC 7812-1: a PAN is at most 19 digits, its first digit is the major industry
 *   identifier (MII), its leading digits the issuer identification number (IIN), its last digit
 *   the Luhn (mod 10) check digit.
 * - [ISO 13616] ISO 13616-1 IBAN: two letters, two check digits, an account part; 15 to 34
 *   characters; printed in groups of four; valid when the rearranged number is 1 mod 97.
 * - [cct] braintree/credit-card-type 10.3.0 (MIT): the network's patterns and lengths.
 * - [wikipedia-iin], [payu-formats], [validator-js]: the sources of the added rows, listed in
 *   test/vectors/cards/generate.ts and its README.
 * - [moatkit] a precision rule of this detector (12 digits need a card word; narrowed JCB legacy
 *   prefixes; never out of a longer token), documented in src/redact/card.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CARD_MAX_DIGITS, CARD_MIN_DIGITS, cardBrand, isCardNumber, luhnValid } from "../../src/redact/card.js";
import { IIN_RANGES, type CardBrand, type IinRange } from "../../src/redact/data/iin-ranges.js";
import { createRedactor, creditCardDetector } from "../../src/redact/index.js";
import {
  ADDITIONS,
  BRAND_OF_CARD_TYPE,
  NARROWED,
  SOURCES,
  buildIinRows,
  loadCreditCardType,
} from "../vectors/cards/generate.js";
import { loadCardBrandCases } from "../vectors/index.js";
import { splitAt, viaNodeStream } from "./stream-helpers.js";

const cards = creditCardDetector();
const found = (text: string): string[] => [...cards.find(text)].map((s) => text.slice(s.start, s.end));
const digitsOf = (s: string): number[] => Array.from(s, Number);
const isCard = (number: string): boolean => isCardNumber(digitsOf(number), number.length);

/** `body` completed with the Luhn check digit that makes it valid [ISO 7812]. */
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(digitsOf(body + String(d)), body.length + 1)) return body + String(d);
  throw new Error("unreachable");
}

/** A Luhn-valid number of `length` digits that starts with `prefix`. */
function numberAt(prefix: string | number, length: number): string {
  const p = String(prefix);
  return withCheckDigit(p + "0".repeat(length - p.length - 1));
}

/** The same number with its check digit moved by one: never Luhn-valid. */
function breakLuhn(number: string): string {
  const last = Number(number.at(-1));
  return number.slice(0, -1) + String((last + 1) % 10);
}

const grouped = (number: string, sep: string): string => (number.match(/.{1,4}/g) ?? []).join(sep);

/** Text in which a card of this length is expected: 12 digits need a card word [moatkit]. */
const sentence = (shown: string, digits: number): string =>
  digits === 12 ? `maestro card ${shown}.` : `paid with ${shown}.`;

const { api, version } = loadCreditCardType();

describe("card ranges: the shipped table against credit-card-type (drift)", () => {
  it(`equals what test/vectors/cards/generate.ts builds from credit-card-type ${version} (regenerate after an upgrade)`, () => {
    expect(IIN_RANGES).toEqual(buildIinRows(api));
  });

  // Independent of the generator: every pattern and length credit-card-type publishes is a card
  // here at both ends of the pattern, unless a NARROWED entry says why not.
  const published = Object.values(api.types).flatMap((id) => {
    const info = api.getTypeInfo(id);
    return info.patterns.flatMap((pattern) => {
      const [from, to] = typeof pattern === "number" ? [pattern, pattern] : [pattern[0] ?? 0, pattern[1] ?? 0];
      const narrowed = NARROWED.find((n) => n.brand === BRAND_OF_CARD_TYPE[id] && n.from === from && n.to === to);
      return info.lengths.map((length) => [id, from, to, length, narrowed?.drop.includes(length) === true] as const);
    });
  });

  it.each(published)("[cct] %s %i–%i at %i digits is a card (narrowed: %s)", (_id, from, to, length, dropped) => {
    for (const prefix of [from, to]) {
      const number = numberAt(prefix, length);
      // A narrowed length may still be a card through another network's row; only where no row
      // of another network covers it must it be refused.
      if (dropped) {
        const other = IIN_RANGES.some(
          (r) => r.lengths.includes(length) && inRange(number, r) && !(r.from === from && r.to === to),
        );
        expect(isCard(number), number).toBe(other);
      } else {
        expect(isCard(number), number).toBe(true);
      }
    }
  });

  it("every narrowing still names a credit-card-type row (else it is stale and must be reviewed)", () => {
    for (const n of NARROWED) {
      const id = Object.keys(BRAND_OF_CARD_TYPE).find((k) => BRAND_OF_CARD_TYPE[k] === n.brand) ?? "";
      const info = api.getTypeInfo(id);
      const hasRow = info.patterns.some((p) =>
        typeof p === "number" ? p === n.from && p === n.to : p[0] === n.from && p[1] === n.to,
      );
      expect(hasRow, `${n.brand} ${String(n.from)}`).toBe(true);
      expect(n.drop.every((l) => info.lengths.includes(l))).toBe(true);
    }
  });

  it("every added row cites a listed source", () => {
    for (const a of ADDITIONS) {
      const keys = [...a.source.matchAll(/\[([^\]]+)\]/g)].flatMap((m) => (m[1] ?? "").split(", "));
      expect(keys.length, a.source).toBeGreaterThan(0);
      for (const key of keys) expect(Object.keys(SOURCES), a.source).toContain(key);
    }
  });

  it("credit-card-type still lacks what the additions add (else drop the addition)", () => {
    const rows = buildIinRows(api).slice(0, -ADDITIONS.length);
    for (const a of ADDITIONS) {
      const covered = a.lengths.every((l) =>
        rows.some((r) => r.brand === a.brand && r.from === a.from && r.to === a.to && r.lengths.includes(l)),
      );
      expect(covered, `${a.brand} ${String(a.from)}`).toBe(false);
    }
  });
});

/** Whether `number`'s leading digits fall in the row's range (string comparison, no trie). */
function inRange(number: string, r: { from: number; to: number }): boolean {
  const width = String(r.from).length;
  const prefix = Number(number.slice(0, width));
  return prefix >= r.from && prefix <= r.to;
}

describe("card ranges: credit-card-type's own test numbers (test/vectors/data/cards)", () => {
  // Its tests type 34343434343434 as Amex by prefix only: Amex is 15 digits, so it is no card.
  const fullNumbers = loadCardBrandCases().single.filter(
    (c) => c.isFullNumber && c.luhnValid === true && c.input !== "34343434343434",
  );

  it("has the networks moatkit 0.2 dropped from cards_combined.json", () => {
    const brands = new Set(fullNumbers.map((c) => c.expectedBrand));
    for (const b of ["elo", "troy", "naranja", "hipercard", "hiper"]) expect(brands).toContain(b);
  });

  it.each(fullNumbers.map((c) => [c.expectedBrand, c.input] as const))(
    "[cct] finds %s %s, and names its network",
    (brand, number) => {
      expect(found(`paid with ${number}.`)).toEqual([number]);
      expect(cardBrand(digitsOf(number), number.length)).toBe(BRAND_OF_CARD_TYPE[brand]);
    },
  );
});

describe("card ranges: the compiled prefix trie agrees with the table", () => {
  const prefixes = IIN_RANGES.flatMap((r) => [String(r.from), String(r.to), String(r.from - 1), String(r.to + 1)]);
  it("for numbers around every range edge, of every length 11–20", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.integer({ min: 11, max: 20 }),
        fc.string({ unit: fc.constantFrom(..."0123456789".split("")), minLength: 20, maxLength: 20 }),
        (prefix, length, filler) => {
          if (prefix.length >= length || prefix.startsWith("-")) return;
          const body = (prefix + filler).slice(0, length - 1);
          for (const number of [withCheckDigit(body), breakLuhn(withCheckDigit(body))]) {
            const expected =
              luhnValid(digitsOf(number), number.length) &&
              IIN_RANGES.some((r) => r.lengths.includes(number.length) && inRange(number, r));
            expect(isCard(number), number).toBe(expected);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("lengths stay within ISO/IEC 7812 (12–19 for the networks here) [ISO 7812]", () => {
    expect(CARD_MIN_DIGITS).toBe(12);
    expect(CARD_MAX_DIGITS).toBe(19);
    for (const r of IIN_RANGES)
      for (const l of r.lengths) expect(l >= 12 && l <= 19, `${r.brand} ${String(l)}`).toBe(true);
    expect(isCard(numberAt(4, 20))).toBe(false);
    expect(isCard(numberAt(6, 11))).toBe(false);
  });
});

interface Pin {
  readonly first: readonly [number, number];
  readonly last: readonly [number, number];
  readonly lengths: readonly number[];
  readonly source: string;
}

/**
 * Each network's first and last range (in table order) and its lengths. The ranges are the
 * networks' IIN allocations under ISO/IEC 7812 as published in the cited tables; a change here
 * is a change of coverage and must be reviewed, not regenerated away.
 */
const PINS: Readonly<Record<CardBrand, Pin>> = {
  visa: {
    first: [4, 4],
    last: [4, 4],
    lengths: [13, 16, 18, 19],
    source: "Visa: MII 4; 16/18/19 [cct], legacy 13 [wikipedia-iin]",
  },
  mastercard: {
    first: [51, 55],
    last: [2720, 2720],
    lengths: [16],
    source: "Mastercard: 51–55 and the 2-series 2221–2720 [cct, wikipedia-iin]",
  },
  amex: {
    first: [34, 34],
    last: [37, 37],
    lengths: [15],
    source: "American Express: 34, 37 at 15 [cct, wikipedia-iin]",
  },
  diners: {
    first: [300, 305],
    last: [3095, 3095],
    lengths: [14, 16, 19],
    source: "Diners Club International: 300–305, 36, 38, 39 [cct], 3095 [wikipedia-iin]",
  },
  discover: { first: [6011, 6011], last: [65, 65], lengths: [16, 19], source: "Discover: 6011, 644–649, 65 [cct]" },
  troy: {
    first: [9792, 9792],
    last: [65880900, 65880900],
    lengths: [16],
    source: "Troy (BKM, Türkiye): 9792 and 65xxxx sub-ranges at 16 [cct, wikipedia-iin]",
  },
  jcb: {
    first: [3528, 3589],
    last: [2131, 2131],
    lengths: [15, 16, 17, 18, 19],
    source: "JCB: 3528–3589 at 16–19 [cct]; legacy 1800, 2131 at 15 [payu-formats, validator-js]",
  },
  unionpay: {
    first: [620, 620],
    last: [8164, 8171],
    lengths: [14, 15, 16, 17, 18, 19],
    source: "UnionPay: 62…, 81… [cct]",
  },
  naranja: { first: [589562, 589562], last: [527572, 527572], lengths: [16], source: "Naranja (Argentina) [cct]" },
  verve: { first: [506099, 506127], last: [507941, 507941], lengths: [16, 18, 19], source: "Verve (Nigeria) [cct]" },
  maestro: {
    first: [493698, 493698],
    last: [6, 6],
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
    source: "Maestro: 50…, 56–59, 63, 67 and the MII-6 catch-all at 12–19 [cct, wikipedia-iin]",
  },
  elo: { first: [401178, 401178], last: [655021, 655058], lengths: [16], source: "Elo (Brazil) [cct]" },
  mir: {
    first: [2200, 2204],
    last: [2200, 2204],
    lengths: [16, 17, 18, 19],
    source: "Mir (NSPK, Russia): 2200–2204 [cct, wikipedia-iin]",
  },
  hiper: { first: [637095, 637095], last: [637612, 637612], lengths: [16], source: "Hiper (Brazil) [cct]" },
  hipercard: {
    first: [606282, 606282],
    last: [606282, 606282],
    lengths: [16],
    source: "Hipercard (Brazil): 606282 [cct]",
  },
  rupay: {
    first: [60, 60],
    last: [356, 356],
    lengths: [16],
    source: "RuPay (NPCI, India): 60, 65, 81, 82, 508, 353, 356 at 16 [wikipedia-iin]",
  },
};

function rowsOf(brand: CardBrand): IinRange[] {
  return IIN_RANGES.filter((r) => r.brand === brand);
}

describe("card ranges: each network's first and last range and lengths are pinned", () => {
  it("names every network of the table, and only those", () => {
    expect(new Set(IIN_RANGES.map((r) => r.brand))).toEqual(new Set(Object.keys(PINS)));
  });

  it.each(Object.entries(PINS))("%s", (brand, pin) => {
    const rows = rowsOf(brand as CardBrand);
    const first = rows[0];
    const last = rows.at(-1);
    expect([first?.from, first?.to], pin.source).toEqual([...pin.first]);
    expect([last?.from, last?.to], pin.source).toEqual([...pin.last]);
    expect(
      [...new Set(rows.flatMap((r) => r.lengths))].sort((a, b) => a - b),
      pin.source,
    ).toEqual([...pin.lengths]);
  });
});

// ---------------------------------------------------------------------------------------------
// Labelled cases

interface LabelledCase {
  readonly label: string;
  readonly text: string;
  /** The substrings the detector must return, in order. */
  readonly expected: readonly string[];
  readonly rule: string;
}

/** Positive cases: each network's first-range low edge and last-range high edge, at each length, in three forms. */
function positiveCases(): LabelledCase[] {
  const out: LabelledCase[] = [];
  for (const [brand, pin] of Object.entries(PINS)) {
    const rows = rowsOf(brand as CardBrand);
    for (const [edge, prefix, row] of [
      ["first range, low edge", pin.first[0], rows[0]],
      ["last range, high edge", pin.last[1], rows.at(-1)],
    ] as const) {
      for (const length of row?.lengths ?? []) {
        const number = numberAt(prefix, length);
        for (const [form, shown] of [
          ["plain", number],
          ["spaced", grouped(number, " ")],
          ["dashed", grouped(number, "-")],
        ] as const) {
          out.push({
            label: `${brand} ${edge} ${String(prefix)} at ${String(length)} digits, ${form}`,
            text: sentence(shown, length),
            expected: [shown],
            rule: `${pin.source}; Luhn [ISO 7812]`,
          });
        }
      }
    }
  }
  return out;
}

/** Negative cases built from the positives: the same numbers with a wrong check digit. */
function luhnInvalidCases(): LabelledCase[] {
  const out: LabelledCase[] = [];
  for (const [brand, pin] of Object.entries(PINS)) {
    for (const length of pin.lengths) {
      const number = breakLuhn(numberAt(pin.first[0], length));
      out.push({
        label: `${brand} ${String(pin.first[0])} at ${String(length)} digits, check digit off by one`,
        text: sentence(grouped(number, " "), length),
        expected: [],
        rule: "Luhn check digit [ISO 7812]",
      });
    }
  }
  return out;
}

/** Wrong lengths: for each network's first range, every length 11–20 that no row of any network allows there. */
function wrongLengthCases(): LabelledCase[] {
  const out: LabelledCase[] = [];
  for (const [brand, pin] of Object.entries(PINS)) {
    for (let length = 11; length <= 20; length++) {
      const number = numberAt(pin.first[0], length);
      if (IIN_RANGES.some((r) => r.lengths.includes(length) && inRange(number, r))) continue;
      out.push({
        label: `${brand} ${String(pin.first[0])} at ${String(length)} digits`,
        text: sentence(number, length),
        expected: [],
        rule: `${pin.source}: not a length of this range`,
      });
    }
  }
  return out;
}

const OUT_OF_RANGE: readonly LabelledCase[] = [
  ["Mastercard 2-series below 2221", numberAt(2220, 16), "Mastercard 2221–2720 [cct]"],
  ["Mastercard 2-series above 2720", numberAt(2721, 16), "Mastercard 2221–2720 [cct]"],
  [
    "55… at 13: neither Mastercard (16) nor Maestro (56–59)",
    numberAt(55, 13),
    "Mastercard 51–55 at 16; Maestro 50, 56–59 [cct]",
  ],
  ["Amex 33", numberAt(33, 15), "American Express 34, 37 [cct]"],
  ["Diners 306 at 14", numberAt(306, 14), "Diners 300–305, 3095 [cct, wikipedia-iin]"],
  ["Diners 3094 at 14", numberAt(3094, 14), "Diners 300–305, 3095 [cct, wikipedia-iin]"],
  ["JCB below 3528", numberAt(3527, 16), "JCB 3528–3589 [cct]"],
  ["JCB above 3589", numberAt(3590, 16), "JCB 3528–3589 [cct]"],
  ["legacy JCB 1799 at 15", numberAt(1799, 15), "legacy JCB 1800, 2131 [payu-formats]"],
  ["legacy JCB 1801 at 15", numberAt(1801, 15), "legacy JCB 1800, 2131 [payu-formats]"],
  ["legacy JCB 2130 at 15", numberAt(2130, 15), "legacy JCB 1800, 2131 [payu-formats]"],
  ["legacy JCB 2132 at 15", numberAt(2132, 15), "legacy JCB 1800, 2131 [payu-formats]"],
  ["Troy 9791", numberAt(9791, 16), "Troy 9792 [cct]"],
  ["Troy 9793", numberAt(9793, 16), "Troy 9792 [cct]"],
  ["Mir 2199", numberAt(2199, 16), "Mir 2200–2204 [cct]"],
  ["Mir 2205", numberAt(2205, 16), "Mir 2200–2204 [cct]"],
  [
    "UnionPay 8172 at 14 (RuPay 81 is 16 digits only)",
    numberAt(8172, 14),
    "UnionPay 8110–8171 [cct]; RuPay 16 [wikipedia-iin]",
  ],
  ["RuPay 83", numberAt(83, 16), "RuPay 81, 82 [wikipedia-iin]"],
  ["RuPay 80", numberAt(80, 16), "RuPay 81, 82 [wikipedia-iin]"],
  ["MII 7 (petroleum) has no network here", numberAt(7, 16), "no row starts with 7 [cct]"],
  ["MII 0 has no network here", numberAt(0, 16), "no row starts with 0 [cct]"],
  ["MII 1 outside 1800", numberAt(1, 15), "only 1800 at 15 starts with 1 [payu-formats]"],
].map(([label, number, rule]) => ({
  label: label ?? "",
  text: `paid with ${number ?? ""}.`,
  expected: [],
  rule: rule ?? "",
}));

// ISO 13616 IBANs: ISO 7064 MOD 97-10 check digits for `country` + `bban`.
function ibanValue(s: string): string {
  return Array.from(s.toUpperCase(), (ch) => (/[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch)).join("");
}
function mod97(digits: string): number {
  let rem = 0;
  for (const ch of digits) rem = (rem * 10 + Number(ch)) % 97;
  return rem;
}
function iban(country: string, bban: string): string {
  const check = 98 - mod97(ibanValue(`${bban}${country}00`));
  return `${country}${String(check).padStart(2, "0")}${bban}`;
}
const ibanGrouped = (code: string): string => grouped(code, " ");

const VISA16 = "4111111111111111";
const VISA18 = numberAt(4, 18);
const DINERS14 = "30569309025904";

const IBAN_CASES: readonly LabelledCase[] = [
  // The issue's examples and other published sample IBANs: no card inside, nothing found.
  ["DE89 3704 0044 0532 0130 00 (published sample)", "IBAN DE89 3704 0044 0532 0130 00", []],
  ["GB82WEST12345698765432 (published sample, electronic form)", "IBAN GB82WEST12345698765432", []],
  ["GB82 WEST 1234 5698 7654 32 (printed)", "IBAN GB82 WEST 1234 5698 7654 32", []],
  ["DE89370400440532013000 (electronic form)", "iban=DE89370400440532013000", []],
  // Valid IBANs whose account part holds a Luhn-valid number in a card range.
  ["DE IBAN holding a Visa 16 in groups of four", `IBAN ${ibanGrouped(iban("DE", `${VISA16}11`))}`, []],
  ["DE IBAN holding a Visa 18, one group after the head", `IBAN ${iban("DE", VISA18).slice(0, 4)} ${VISA18}`, []],
  ["DE IBAN holding a Visa 18 in groups of four", `IBAN ${ibanGrouped(iban("DE", VISA18))}`, []],
  ["FR IBAN (27) holding a Visa 16", `virement ${ibanGrouped(iban("FR", `${VISA16}0000000`))} ok`, []],
  ["GB IBAN with a bank code, holding a Diners 14", `IBAN: ${ibanGrouped(iban("GB", `WEST${DINERS14}`))}`, []],
  ["LC IBAN (32) holding a Visa 16", ibanGrouped(iban("LC", `HEMM${VISA16}00000000`)), []],
  ["lower-case IBAN", `iban ${ibanGrouped(iban("DE", `${VISA16}11`)).toLowerCase()}`, []],
  ["IBAN in JSON", `{"iban":"${ibanGrouped(iban("DE", `${VISA16}11`))}"}`, []],
  // Controls: the same digits are a card when no valid IBAN holds them.
  ["the account digits alone", `paid with ${grouped(VISA16, " ")} 11`, [grouped(VISA16, " ")]],
  ["wrong IBAN check digits", `IBAN DE00 ${grouped(`${VISA16}11`, " ")}`, [grouped(VISA16, " ")]],
  [
    "IBAN cut short (check fails)",
    `IBAN ${ibanGrouped(iban("DE", `${VISA16}11`)).slice(0, -3)}`,
    [grouped(VISA16, " ")],
  ],
  ["a word shaped like an IBAN head", `ref AB12 ${grouped(VISA16, " ")}`, [grouped(VISA16, " ")]],
  [
    "two spaces after the head",
    `${iban("DE", `${VISA16}11`).slice(0, 4)}  ${grouped(VISA16, " ")}`,
    [grouped(VISA16, " ")],
  ],
  [
    "a card after an IBAN on the same line",
    `IBAN DE89 3704 0044 0532 0130 00, card ${grouped(VISA16, " ")}`,
    [grouped(VISA16, " ")],
  ],
].map(([label, text, expected]) => ({
  label: String(label),
  text: String(text),
  expected: expected as string[],
  rule: "an IBAN is an account number, not a card [ISO 13616]; the card rules otherwise [ISO 7812]",
}));

const MICROSECOND_2027 = withCheckDigit("180012345678901");
const NANOSECOND_2027 = withCheckDigit("180012345678901234");
const TRACKING = withCheckDigit("63960042581");
const AWS_ACCOUNT = withCheckDigit("60123456789");

const NOT_CARDS: readonly LabelledCase[] = [
  ["13-digit millisecond timestamp", "ts=1715501723481", [], "MII 1 has no 13-digit network; pii-shield#209 [moatkit]"],
  [
    "Luhn-valid microsecond timestamp of January 2027 (1800…)",
    `"ts":${MICROSECOND_2027}`,
    [],
    "JCB 1800 is 15 digits only [payu-formats; moatkit]",
  ],
  [
    "Luhn-valid nanosecond timestamp of January 2027 (1800…)",
    `t=${NANOSECOND_2027}`,
    [],
    "JCB 1800 is 15 digits only [payu-formats; moatkit]",
  ],
  [
    "Luhn-valid 12-digit tracking number (6…)",
    `order #A469890349 (tracking ${TRACKING}) pending`,
    [],
    "12 digits need a card word [moatkit]",
  ],
  [
    "Luhn-valid 12-digit AWS account id in an ARN",
    `arn:aws:iam::${AWS_ACCOUNT}:role/deploy`,
    [],
    "12 digits need a card word [moatkit]",
  ],
  ["Amazon-style order number", "order 123-1187191-7672155 shipped", [], "no group layout of a card [moatkit]"],
  ["order id glued to letters", `ORD${VISA16}`, [], "never out of a longer token [moatkit]"],
  ["card digits inside a longer run", `9${VISA16}`, [], "never out of a longer digit run [moatkit]"],
  ["version-like dotted digits", `v1.${VISA16}`, [], "never out of a longer token [moatkit]"],
  [
    "a card word, then another number before the 12 digits",
    `card on file, ticket 42: ${TRACKING}`,
    [],
    "the card word must introduce the number [moatkit]",
  ],
].map(([label, text, expected, rule]) => ({
  label: String(label),
  text: String(text),
  expected: expected as string[],
  rule: String(rule),
}));

const TWELVE_DIGITS: readonly LabelledCase[] = [
  ["12-digit Maestro after 'card'", `card ${TRACKING}`, [TRACKING]],
  ["12-digit Maestro after 'Maestro', grouped 4-4-4", `Maestro ${grouped(TRACKING, " ")}`, [grouped(TRACKING, " ")]],
  ["12-digit Maestro after a JSON key", `{"cardNumber":"${TRACKING}"}`, [TRACKING]],
  ["12-digit Maestro 50…", `debit card: ${numberAt(501800, 12)}`, [numberAt(501800, 12)]],
  ["12-digit Maestro 67…", `tarjeta ${numberAt(6759, 12)}`, [numberAt(6759, 12)]],
  ["12-digit 4… is never a card (Visa has no 12)", `card ${numberAt(4, 12)}`, []],
  ["12-digit 51… is never a card (Mastercard is 16)", `card ${numberAt(51, 12)}`, []],
].map(([label, text, expected]) => ({
  label: String(label),
  text: String(text),
  expected: expected as string[],
  rule: "Maestro issues 12–19 digits [cct, wikipedia-iin]; at 12 only after a card word [moatkit]",
}));

const NAMED_NETWORKS: readonly LabelledCase[] = [
  ["Mir 2200", numberAt(2200, 16), "Mir 2200–2204 [cct]"],
  ["Mir 2204 at 19", numberAt(2204, 19), "Mir 2200–2204 [cct]"],
  ["RuPay 60", numberAt(6070, 16), "RuPay 60 [wikipedia-iin]"],
  ["RuPay 65", numberAt(6521, 16), "RuPay 65 [wikipedia-iin]"],
  ["RuPay 81", numberAt(8190, 16), "RuPay 81 [wikipedia-iin]"],
  ["RuPay 82", numberAt(8200, 16), "RuPay 82 [wikipedia-iin]"],
  ["RuPay 508", numberAt(508500, 16), "RuPay 508 [wikipedia-iin]"],
  ["Troy 9792", "9792100000000001", "Troy 9792 [cct]; credit-card-type's own test number"],
  ["Hipercard 606282", "6062820524845321", "Hipercard 606282 [cct]; credit-card-type's own test number"],
  ["Elo 506699", "5066991111111118", "Elo 506699–506778 [cct]; credit-card-type's own test number"],
  ["Elo 627780", "6277809990229178", "Elo 627780 [cct]; credit-card-type's own test number"],
  ["legacy JCB 1800 at 15", numberAt(1800, 15), "legacy JCB [payu-formats, validator-js]"],
  ["legacy JCB 2131 at 15", numberAt(2131, 15), "legacy JCB [payu-formats, validator-js]"],
  ["60xx at 16 (RuPay 60)", numberAt(6099, 16), "RuPay 60 [wikipedia-iin]"],
  ["60xx at 13: Maestro's catch-all", numberAt(6099, 13), "Maestro MII 6 [cct]"],
  ["61xx at 13", numberAt(61, 13), "Maestro MII 6 [cct]"],
  ["Maestro 19", numberAt(6759, 19), "Maestro 12–19 [cct]"],
].map(([label, number, rule]) => ({
  label: String(label),
  text: `charged ${String(number)} today`,
  expected: [String(number)],
  rule: String(rule),
}));

describe("card ranges: labelled cases", () => {
  const groups: readonly (readonly [string, readonly LabelledCase[]])[] = [
    ["positive, per network at both edges and each length", positiveCases()],
    ["positive, the networks the issue named", NAMED_NETWORKS],
    ["12 digits", TWELVE_DIGITS],
    ["negative, Luhn-invalid", luhnInvalidCases()],
    ["negative, wrong length", wrongLengthCases()],
    ["negative, out of range", OUT_OF_RANGE],
    ["IBANs", IBAN_CASES],
    ["negative, ids, timestamps and tokens", NOT_CARDS],
  ];
  for (const [name, cases] of groups) {
    describe(name, () => {
      it.each(cases.map((c) => [c.label, c] as const))("%s", (_label, c) => {
        expect(found(c.text), `${c.text} — ${c.rule}`).toEqual([...c.expected]);
      });
    });
  }

  it("has cases for every network in every positive form", () => {
    const labels = positiveCases().map((c) => c.label);
    for (const brand of Object.keys(PINS)) {
      for (const form of ["plain", "spaced", "dashed"]) {
        expect(
          labels.some((l) => l.startsWith(`${brand} `) && l.endsWith(form)),
          `${brand} ${form}`,
        ).toBe(true);
      }
    }
    expect(wrongLengthCases().length).toBeGreaterThan(40);
  });

  it("names the brand by the longest matching prefix", () => {
    expect(cardBrand(digitsOf("6011111111111117"), 16)).toBe("discover");
    expect(cardBrand(digitsOf("6062820524845321"), 16)).toBe("hipercard");
    expect(cardBrand(digitsOf("9792100000000001"), 16)).toBe("troy");
    expect(cardBrand(digitsOf(numberAt(2200, 16)), 16)).toBe("mir");
    expect(cardBrand(digitsOf(numberAt(8200, 16)), 16)).toBe("rupay");
    expect(cardBrand(digitsOf(numberAt(6099, 16)), 16)).toBe("rupay");
    expect(cardBrand(digitsOf(numberAt(6099, 13)), 13)).toBe("maestro");
    expect(cardBrand(digitsOf(numberAt(1800, 15)), 15)).toBe("jcb");
    expect(cardBrand(digitsOf(numberAt(1800, 16)), 16)).toBeUndefined();
  });
});

describe("card ranges: streams and properties", () => {
  // A card-only redactor has the shortest look-ahead, so it is the strictest check that the
  // IBAN test's reach is covered.
  const cardOnly = createRedactor({ detectors: ["credit_card"] });
  const everything = createRedactor();
  const sample = [
    `IBAN ${ibanGrouped(iban("LC", `HEMM${VISA16}00000000`))} and card ${grouped(VISA16, " ")}`,
    `ref AB12 ${grouped(VISA16, " ")} / ${ibanGrouped(iban("DE", `${VISA16}11`))}`,
    `maestro card ${grouped(TRACKING, " ")} tracking ${TRACKING} ts ${MICROSECOND_2027}`,
  ].join("\n");

  it("the sample has cards found and IBANs refused", () => {
    expect(cardOnly.redact(sample)).toBe(
      [
        `IBAN ${ibanGrouped(iban("LC", `HEMM${VISA16}00000000`))} and card [CREDIT_CARD]`,
        `ref AB12 [CREDIT_CARD] / ${ibanGrouped(iban("DE", `${VISA16}11`))}`,
        `maestro card [CREDIT_CARD] tracking ${TRACKING} ts ${MICROSECOND_2027}`,
      ].join("\n"),
    );
  });

  it("a stream gives what redact gives, for every split of the sample into two chunks", async () => {
    for (const redactor of [cardOnly, everything]) {
      const expected = redactor.redact(sample);
      for (let cut = 0; cut <= sample.length; cut++) {
        expect(await viaNodeStream(redactor, [sample.slice(0, cut), sample.slice(cut)]), `cut ${String(cut)}`).toBe(
          expected,
        );
      }
    }
  });

  const piece = fc.constantFrom(
    VISA16,
    grouped(VISA16, " "),
    grouped(VISA18, " "),
    numberAt(2200, 16),
    numberAt(9792, 16),
    numberAt(1800, 15),
    MICROSECOND_2027,
    TRACKING,
    "card ",
    "DE89 ",
    ibanGrouped(iban("DE", `${VISA16}11`)),
    ibanGrouped(iban("LC", `HEMM${VISA16}00000000`)),
    " ",
    "\n",
    "-",
  );
  const text = fc
    .array(fc.oneof(piece, fc.string({ unit: fc.constantFrom(..."0123456789 -ADEabc".split("")), maxLength: 12 })), {
      maxLength: 14,
    })
    .map((p) => p.join(""));

  it("streams equal whole-text redaction for random splits of card and IBAN text", async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 6 }), async (input, cuts) => {
        expect(await viaNodeStream(cardOnly, splitAt(input, cuts))).toBe(cardOnly.redact(input));
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on card and IBAN text", () => {
    fc.assert(
      fc.property(text, (input) => {
        expect(typeof everything.redact(input)).toBe("string");
      }),
      { numRuns: 1000 },
    );
  });

  // As in adversarial.test.ts: 1 MiB each, within vitest's default 5 s timeout. Every card
  // candidate here triggers the IBAN or the card-word check; both read a bounded window.
  const MiB = 1024 * 1024;
  const fill = (unit: string): string => unit.repeat(Math.ceil(MiB / unit.length)).slice(0, MiB);
  it.each([
    ["IBAN heads before cards", fill(`DE89 ${grouped(VISA16, " ")} `)],
    ["valid IBANs holding cards", fill(`${ibanGrouped(iban("DE", `${VISA16}11`))} `)],
    ["IBAN-like group chains", fill("DE89 AAAA 4111 ")],
    ["card words before 12 digits", fill(`card ${TRACKING} `)],
    ["1800 runs", fill("1800")],
    ["Troy and Mir prefixes with spaces", fill("9792 2200 ")],
  ])("1 MiB of %s: redacts without throwing", (_name, input) => {
    expect(typeof cardOnly.redact(input)).toBe("string");
  });

  it("a card after 1 MiB of one long word is found (the IBAN walk-back stops at 42 characters)", () => {
    const input = `${"A".repeat(MiB)} ${grouped(VISA16, " ")}`;
    expect(cardOnly.redact(input).endsWith(" [CREDIT_CARD]")).toBe(true);
  });
});
