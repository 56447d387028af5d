/**
 * Regenerates src/redact/data/phone-regions.ts from libphonenumber-js's metadata (a
 * devDependency; MIT, data from google/libphonenumber, Apache-2.0). Run with
 * `npx tsx test/redact/generate-phone-regions.ts` after upgrading libphonenumber-js; the test
 * test/redact/phone-regions-data.test.ts fails when the committed table and the metadata disagree.
 *
 * Per region it keeps the calling code, the national (trunk) prefix and the national number
 * patterns of the types that belong to a person (fixed line, mobile, personal, voicemail, pager,
 * VoIP). Toll-free, premium-rate, shared-cost and UAN numbers are businesses' service numbers
 * and are left out: recognising them costs precision and protects no one's privacy.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { parsePhoneNumberWithError } from "libphonenumber-js/max";
import { format, resolveConfig } from "prettier";

/** The compressed metadata layout of libphonenumber-js (metadata.max.json). */
export interface MaxMetadata {
  readonly version: number;
  readonly countries: Record<string, readonly unknown[]>;
}

/** Type indexes in a region's type list: FIXED_LINE, MOBILE, PERSONAL_NUMBER, VOICEMAIL, PAGER, VOIP. */
const PERSONAL_TYPES = [0, 1, 4, 5, 7, 8];
/**
 * Types that may be accepted without the trunk prefix, where the region's national format leaves
 * it out (Brazil, China's mobiles …). Rarer types (pager, VoIP …) count only with the prefix:
 * Germany's pagers, written `1643642`, would otherwise make every `164 …` a number.
 */
const BARE_CANDIDATE_TYPES = [0, 1];
/** Example numbers per type from which the national format's prefix and first group are read. */
const SAMPLES = 48;

/** One row of the generated table. */
export type PhoneRegionRow = readonly [
  region: string,
  callingCode: number,
  trunks: string,
  withTrunk: string,
  withoutTrunk: string,
  loneFirstDigits: string,
  lengths: string,
];

function typePattern(types: readonly unknown[] | undefined, index: number): string | undefined {
  const t = types?.[index];
  if (!Array.isArray(t) || typeof t[0] !== "string") return undefined;
  return t[0];
}

/** `0|80?` → 0, 8, 80; `[08]` → 0, 8: the simple national-prefix-for-parsing rules (no groups). */
function expandSimplePrefixRule(rule: unknown): string[] {
  if (typeof rule !== "string" || !/^[\d|?[\]]+$/.test(rule)) return [];
  const out: string[] = [];
  for (const alt of rule.split("|")) {
    const cls = /^\[(\d+)\]$/.exec(alt);
    if (cls?.[1] !== undefined) out.push(...cls[1].split(""));
    else if (/^\d+\?$/.test(alt)) out.push(alt.slice(0, -2), alt.slice(0, -1));
    else if (/^\d+$/.test(alt)) out.push(alt);
  }
  // Longer alternatives are carrier selection codes (GB's 180020), not trunk prefixes.
  return out.filter((p) => p !== "" && p.length <= 2);
}

/** How libphonenumber writes example numbers of one type in national format. */
interface WrittenForms {
  /** Digits written before the national number (the trunk prefix), by how often. */
  readonly prefixes: Map<string, number>;
  /** First digits written as a group of their own (`8 (912) …`, `9 3604 3935`). */
  readonly loneFirst: Set<string>;
  readonly valid: number;
}

/**
 * The national formats of deterministic example numbers drawn from a type's own pattern (the
 * metadata has no examples for most types). A pattern fast-check cannot read gives no examples.
 */
function writtenForms(region: string, callingCode: string, pattern: string): WrittenForms {
  const forms: WrittenForms = { prefixes: new Map(), loneFirst: new Set(), valid: 0 };
  let numbers: string[];
  try {
    numbers = fc.sample(fc.stringMatching(new RegExp(`^(?:${pattern})$`)), { numRuns: SAMPLES, seed: 19 });
  } catch {
    return forms;
  }
  let valid = 0;
  for (const nsn of numbers) {
    let parsed;
    try {
      parsed = parsePhoneNumberWithError(`+${callingCode}${nsn}`);
    } catch {
      continue;
    }
    if (!parsed.isValid() || parsed.country !== region) continue;
    const written = parsed.formatNational();
    const digits = written.replace(/\D/g, "");
    if (!digits.endsWith(nsn)) continue;
    valid++;
    const prefix = digits.slice(0, digits.length - nsn.length);
    forms.prefixes.set(prefix, (forms.prefixes.get(prefix) ?? 0) + 1);
    const first = /^\(?(\d+)/.exec(written)?.[1];
    if (first?.length === 1) forms.loneFirst.add(first);
  }
  return { ...forms, valid };
}

/** The table rows, sorted by region code. */
export function phoneRegionRows(metadata: MaxMetadata): PhoneRegionRow[] {
  const rows: PhoneRegionRow[] = [];
  for (const region of Object.keys(metadata.countries).sort()) {
    const entry = metadata.countries[region] ?? [];
    const callingCode = String(entry[0]);
    const trunk = typeof entry[5] === "string" ? entry[5] : "";
    // NANP regions (+1): their national formats are the default phone detector's.
    if (callingCode === "1") {
      rows.push([region, 1, trunk, "", "", "", ""]);
      continue;
    }
    const types = Array.isArray(entry[11]) ? (entry[11] as readonly unknown[]) : undefined;
    const trunks = new Set(trunk === "" ? [] : [trunk, ...expandSimplePrefixRule(entry[7])]);
    const loneFirst = new Set<string>();
    const all: string[] = [];
    const bare: string[] = [];
    const regionLengths = Array.isArray(entry[3]) ? (entry[3] as number[]) : [];
    const lengths = new Set<number>();
    for (const index of PERSONAL_TYPES) {
      const pattern = typePattern(types, index);
      if (pattern === undefined) continue;
      const own = (types?.[index] as unknown[])[1];
      for (const l of Array.isArray(own) ? (own as number[]) : regionLengths) lengths.add(l);
      if (all.includes(pattern)) continue;
      all.push(pattern);
      const forms = writtenForms(region, callingCode, pattern);
      for (const d of forms.loneFirst) loneFirst.add(d);
      for (const p of forms.prefixes.keys()) if (p !== "") trunks.add(p);
      const withoutPrefix = forms.prefixes.get("") ?? 0;
      if (BARE_CANDIDATE_TYPES.includes(index) && withoutPrefix * 2 > forms.valid) bare.push(pattern);
    }
    // A region without type data: its general national number pattern.
    if (all.length === 0 && typeof entry[2] === "string") {
      all.push(entry[2]);
      for (const l of regionLengths) lengths.add(l);
    }
    const lengthList = [...lengths].sort((a, b) => a - b).join(",");
    const union = all.join("|");
    const lone = [...loneFirst].sort().join("");
    const trunkList = [...trunks].sort((a, b) => b.length - a.length || a.localeCompare(b)).join("|");
    if (trunks.size === 0) rows.push([region, Number(callingCode), "", "", union, lone, lengthList]);
    else {
      const without = bare.length === all.length ? "=" : bare.join("|");
      rows.push([region, Number(callingCode), trunkList, union, without, lone, lengthList]);
    }
  }
  return rows;
}

const require = createRequire(import.meta.url);
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const metadata = require("libphonenumber-js/metadata.max.json") as MaxMetadata;
  const version = (require("libphonenumber-js/package.json") as { version: string }).version;
  const rows = phoneRegionRows(metadata).map((row) => `  ${row[0]}: ${JSON.stringify(row.slice(1))},`);
  const file = `/**
 * National phone number formats per region (ISO 3166-1 alpha-2, as libphonenumber names them),
 * for \`phoneDetector({ regions })\`. Generated by test/redact/generate-phone-regions.ts from
 * libphonenumber-js ${version} metadata (MIT; the data comes from google/libphonenumber,
 * Apache-2.0; see ./README.md); do not edit by hand.
 *
 * Each row: calling code; the national (trunk) prefixes, as libphonenumber parses and writes
 * them; the national significant numbers accepted after a trunk prefix; those accepted without
 * one ("=" the same; "" none); the digits its national format may write as a group of their
 * own at the start (\`8 (912) …\`, \`9 3604 3935\`); and the national number lengths. The
 * patterns are libphonenumber's own for fixed-line, mobile, personal, voicemail, pager and VoIP
 * numbers, so they encode both the valid lengths and the assigned leading digits. NANP regions
 * (+1) carry no patterns: their national formats are the default detector's.
 */

/**
 * [calling code, trunk prefixes ("|"-separated), pattern after a trunk prefix, pattern without
 * one, digits that may stand alone as the first group, national number lengths (","-separated)].
 */
export type PhoneRegionData = readonly [
  callingCode: number,
  trunks: string,
  withTrunk: string,
  withoutTrunk: string,
  loneFirstDigits: string,
  lengths: string,
];

/** Every region libphonenumber knows, by region code (one a line, kept so by prettier-ignore). */
// prettier-ignore
export const PHONE_REGION_DATA: Readonly<Record<string, PhoneRegionData>> = {
${rows.join("\n")}
};
`;
  const target = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "redact", "data", "phone-regions.ts");
  writeFileSync(target, await format(file, { ...(await resolveConfig(target)), filepath: target }));
  console.log(`wrote ${String(rows.length)} regions to ${target}`);
}
