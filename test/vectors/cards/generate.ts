/**
 * Regenerates src/redact/data/iin-ranges.ts: the card detector's issuer table. Run with
 * `npx tsx test/vectors/cards/generate.ts` after upgrading credit-card-type; the test
 * test/redact/card-ranges.test.ts fails while the committed table and the package disagree.
 *
 * The source is braintree/credit-card-type (MIT, a devDependency), read through its public API
 * (`getTypeInfo`), plus the rows in {@link ADDITIONS} (networks and legacy lengths it lacks, each
 * with its source) minus the lengths in {@link NARROWED} (each with its reason). See README.md
 * beside this file for sources and licences.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The networks the shipped table names (credit-card-type's ids, with `amex`/`diners` kept from 0.2). */
export const CARD_BRANDS = [
  "visa",
  "mastercard",
  "amex",
  "diners",
  "discover",
  "troy",
  "jcb",
  "unionpay",
  "naranja",
  "verve",
  "maestro",
  "elo",
  "mir",
  "hiper",
  "hipercard",
  "rupay",
] as const;

/** A network id of the shipped table. */
export type CardBrandId = (typeof CARD_BRANDS)[number];

/** One row of the shipped table: inclusive prefixes of the same width, and the lengths. */
export interface IinRow {
  readonly brand: CardBrandId;
  readonly from: number;
  readonly to: number;
  readonly lengths: readonly number[];
}

/** A row added to credit-card-type's data, with where it comes from. */
export interface CitedRow extends IinRow {
  readonly source: string;
}

/** credit-card-type id → shipped brand id. */
export const BRAND_OF_CARD_TYPE: Readonly<Record<string, CardBrandId>> = {
  visa: "visa",
  mastercard: "mastercard",
  "american-express": "amex",
  "diners-club": "diners",
  discover: "discover",
  troy: "troy",
  jcb: "jcb",
  unionpay: "unionpay",
  naranja: "naranja",
  verve: "verve",
  maestro: "maestro",
  elo: "elo",
  mir: "mir",
  hiper: "hiper",
  hipercard: "hipercard",
};

/** Where the added rows come from (full citations in README.md beside this file). */
export const SOURCES = {
  "wikipedia-iin":
    'Wikipedia, "Payment card number", section "Issuer identification number (IIN)": the table of ' +
    "networks, IIN ranges and lengths (ranges are facts; page text CC BY-SA)",
  "payu-formats":
    'PayU India, "Card Number Formats" (docs.payu.in/docs/card-number-formats): "JCB: starting with ' +
    '2131 or 1800, length 15 digits or starting with 35, length 16 digits"',
  "validator-js": "validator.js isCreditCard (MIT): jcb /^(?:2131|1800|35\\d{3})\\d{11}$/",
} as const;

/** Rows credit-card-type lacks (or has at other lengths), each with its source. */
export const ADDITIONS: readonly CitedRow[] = [
  { brand: "visa", from: 4, to: 4, lengths: [13], source: "legacy 13-digit Visa (Visa 4: 13, 16, 19) [wikipedia-iin]" },
  {
    brand: "diners",
    from: 3095,
    to: 3095,
    lengths: [14, 16, 19],
    source: "Diners Club International 300–305, 3095, 36, 38–39 [wikipedia-iin]",
  },
  { brand: "jcb", from: 1800, to: 1800, lengths: [15], source: "legacy 15-digit JCB [payu-formats, validator-js]" },
  { brand: "jcb", from: 2131, to: 2131, lengths: [15], source: "legacy 15-digit JCB [payu-formats, validator-js]" },
  ...[
    [60, 60],
    [65, 65],
    [81, 82],
    [508, 508],
    [353, 353],
    [356, 356],
  ].map(([from, to]): CitedRow => ({
    brand: "rupay",
    from: from ?? 0,
    to: to ?? 0,
    lengths: [16],
    source: "RuPay (NPCI) 60, 65, 81, 82, 508, 353, 356 at 16 digits [wikipedia-iin]",
  })),
];

/** Lengths of credit-card-type rows left out of the shipped table, with the reason. */
export const NARROWED: readonly {
  brand: CardBrandId;
  from: number;
  to: number;
  drop: readonly number[];
  short: string;
  why: string;
}[] = [
  {
    brand: "jcb",
    from: 2131,
    to: 2131,
    drop: [16, 17, 18, 19],
    short: "legacy JCB is 15 digits; 16–19 digits here are µs/ns timestamps",
    why:
      "credit-card-type gives every JCB prefix JCB's 16–19 lengths; 2131 and 1800 are the legacy " +
      "15-digit JCB ranges (ADDITIONS). At 16 or 19 digits these prefixes are microsecond and " +
      "nanosecond Unix timestamps (1800000000 s is 2027-01-15, 2131000000 s is 2037-07-11).",
  },
  {
    brand: "jcb",
    from: 1800,
    to: 1800,
    drop: [16, 17, 18, 19],
    short: "legacy JCB is 15 digits; 16–19 digits here are µs/ns timestamps",
    why: "As for 2131.",
  },
];

/** What the generator needs from credit-card-type: its public `types` and `getTypeInfo`. */
export interface CreditCardTypeApi {
  readonly types: Readonly<Record<string, string>>;
  getTypeInfo(type: string): {
    readonly patterns: readonly (number | readonly number[])[];
    readonly lengths: readonly number[];
  };
}

function sameWidth(from: number, to: number): boolean {
  return String(from).length === String(to).length && from <= to;
}

/** credit-card-type's rows, unchanged: one per pattern, with the network's lengths. */
export function rowsFromCreditCardType(api: CreditCardTypeApi): IinRow[] {
  const rows: IinRow[] = [];
  for (const id of Object.values(api.types)) {
    const brand = BRAND_OF_CARD_TYPE[id];
    if (brand === undefined) throw new Error(`credit-card-type has a network this table does not name: ${id}`);
    const info = api.getTypeInfo(id);
    for (const pattern of info.patterns) {
      const [from, to] = typeof pattern === "number" ? [pattern, pattern] : [pattern[0] ?? -1, pattern[1] ?? -1];
      if (!sameWidth(from, to))
        throw new Error(`credit-card-type ${id}: unexpected pattern ${JSON.stringify(pattern)}`);
      rows.push({ brand, from, to, lengths: [...info.lengths].sort((a, b) => a - b) });
    }
  }
  return rows;
}

/** credit-card-type's rows with the {@link NARROWED} lengths taken out. */
export function narrowedPackageRows(api: CreditCardTypeApi): IinRow[] {
  const rows = rowsFromCreditCardType(api).map((row) => {
    const narrowed = NARROWED.find((n) => n.brand === row.brand && n.from === row.from && n.to === row.to);
    return narrowed === undefined ? row : { ...row, lengths: row.lengths.filter((l) => !narrowed.drop.includes(l)) };
  });
  return rows.filter((row) => row.lengths.length > 0);
}

/** The shipped table: credit-card-type's rows, narrowed, then the additions. */
export function buildIinRows(api: CreditCardTypeApi): IinRow[] {
  return [
    ...narrowedPackageRows(api),
    ...ADDITIONS.map(({ brand, from, to, lengths }) => ({ brand, from, to, lengths })),
  ];
}

function renderRow(row: IinRow): string {
  return `  { brand: "${row.brand}", from: ${String(row.from)}, to: ${String(row.to)}, lengths: [${row.lengths.join(", ")}] },`;
}

/** The text of src/redact/data/iin-ranges.ts. */
export function renderIinModule(api: CreditCardTypeApi, version: string): string {
  const fromPackage = narrowedPackageRows(api);
  const range = (r: { from: number; to: number }): string =>
    r.from === r.to ? String(r.from) : `${String(r.from)}–${String(r.to)}`;
  const citations = ADDITIONS.map((a) => ` *  - ${a.brand} ${range(a)} at ${a.lengths.join(", ")} digits: ${a.source}`);
  const narrowed = NARROWED.map((n) => ` *  - ${n.brand} ${range(n)}: not at ${n.drop.join(", ")} digits (${n.short})`);
  const sources = Object.entries(SOURCES).map(([key, text]) => ` *  [${key}] ${text}`);
  return `/**
 * Issuer identification number (IIN) ranges: which leading digits belong to which card network,
 * and the lengths that network issues (ISO/IEC 7812-1). A number is a card only if its prefix and
 * its length match one row here and it passes Luhn.
 *
 * Generated by test/vectors/cards/generate.ts; do not edit by hand. The rows come from
 * braintree/credit-card-type ${version} (MIT, Copyright (c) 2009-2018 Braintree, a division of
 * PayPal, Inc.; see test/vectors/cards/LICENSE), read through its public getTypeInfo(), with
 * these changes:
 *
 * Narrowed (reasons in the generator):
${narrowed.join("\n")}
 *
 * Added (after the package's rows):
${citations.join("\n")}
 *
 * Sources:
${sources.join("\n")}
 */

/** A card network named by the table. */
export type CardBrand =
${CARD_BRANDS.map((b) => `  | "${b}"`).join("\n")};

/** One IIN range. \`from\`/\`to\` are inclusive and have the same number of digits. */
export interface IinRange {
  /** The network. */
  readonly brand: CardBrand;
  /** Lowest prefix in the range, e.g. 2221. */
  readonly from: number;
  /** Highest prefix in the range, e.g. 2720. */
  readonly to: number;
  /** Allowed total lengths (digits). */
  readonly lengths: readonly number[];
}

/** Every range the card detector accepts (ranges of different networks may overlap). */
export const IIN_RANGES: readonly IinRange[] = [
${fromPackage.map(renderRow).join("\n")}
  // Added rows (sources above).
${ADDITIONS.map(renderRow).join("\n")}
];
`;
}

const require = createRequire(import.meta.url);

/** credit-card-type as installed, and its version. */
export function loadCreditCardType(): { api: CreditCardTypeApi; version: string } {
  const api = require("credit-card-type") as CreditCardTypeApi;
  const version = (require("credit-card-type/package.json") as { version: string }).version;
  return { api, version };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { api, version } = loadCreditCardType();
  const target = join(
    dirname(fileURLToPath(import.meta.url)),
    "..",
    "..",
    "..",
    "src",
    "redact",
    "data",
    "iin-ranges.ts",
  );
  writeFileSync(target, renderIinModule(api, version));
  console.log(`wrote ${String(buildIinRows(api).length)} IIN rows to ${target}`);
}
