/**
 * The built-in detectors as {@link Detector} objects, and {@link regexDetector} for custom
 * patterns. Each built-in works on its own (`emailDetector().find(text)`); inside a redactor the
 * numeric ones share a single pass over the text.
 */
import { MoatError } from "../errors.js";
import { CARD_MAX_LENGTH } from "./card.js";
import { unitsOf } from "./chars.js";
import { EMAIL_MAX_LENGTH, scanEmails } from "./email.js";
import { type NumberScanPlan, scanNumbers } from "./number-scan.js";
import { PHONE_MAX_LENGTH } from "./phone.js";
import { type PhoneRegions, compilePhoneRegions, isPhoneRegion } from "./phone-regions.js";
import { SSN_MAX_LENGTH, type SsnRules, compileSsnRules } from "./ssn.js";
import type { BuiltinDetectorType, Detector } from "./types.js";
import { assertKnownKeys, knownKeys } from "../_internal/options.js";

/** Priorities of the built-in detectors (higher wins an overlap). */
export const BUILTIN_PRIORITY: Readonly<Record<BuiltinDetectorType, number>> = {
  email: 40,
  credit_card: 30,
  ssn: 20,
  phone: 10,
};

/** Priority of a custom detector that does not set one. */
export const DEFAULT_CUSTOM_PRIORITY = 50;
/** Longest match assumed for a custom detector that does not say. */
export const DEFAULT_CUSTOM_MAX_LENGTH = 256;

/** What the engine needs to know about a built-in detector to fuse it into its own pass. */
export type BuiltinSpec =
  | { readonly kind: "email"; readonly singleLabelDomains: boolean }
  | { readonly kind: "credit_card" }
  | { readonly kind: "phone"; readonly regions: PhoneRegions | undefined }
  | { readonly kind: "ssn"; readonly rules: SsnRules };

const builtinSpecs = new WeakMap<Detector, BuiltinSpec>();

/** The built-in spec behind a detector made by this module, or undefined for a custom one. */
export function builtinSpecOf(detector: Detector): BuiltinSpec | undefined {
  return builtinSpecs.get(detector);
}

function pairsToSpans(pairs: readonly number[]): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (let k = 0; k < pairs.length; k += 2) spans.push({ start: pairs[k] ?? 0, end: pairs[k + 1] ?? 0 });
  return spans;
}

function requireString(text: unknown): string {
  if (typeof text !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: "text must be a string" });
  return text;
}

function register(detector: Detector, spec: BuiltinSpec): Detector {
  builtinSpecs.set(detector, Object.freeze(spec));
  return Object.freeze(detector);
}

function numericFind(plan: NumberScanPlan, pick: "card" | "ssn" | "phone") {
  return (text: string): { start: number; end: number }[] => {
    const out = { card: [], ssn: [], phone: [] };
    const str = requireString(text);
    scanNumbers(str, unitsOf(str), plan, out);
    return pairsToSpans(out[pick]);
  };
}

/** Options for {@link emailDetector}. */
export interface EmailDetectorOptions {
  /**
   * Also match single-label domains (`root@localhost`, `ops@mailhub`), which RFC 5321 allows on
   * private networks. Off by default: in public text `name@word` is usually a mention or a handle.
   * The label must hold a letter and not be a file extension.
   */
  readonly singleLabelDomains?: boolean;
}

/**
 * Email addresses: RFC 5321/5322/6531 addresses. Dot-atom local parts with every atext character,
 * quoted local parts (`"john doe"@…`, also JSON-escaped), address literals (`[192.0.2.1]`,
 * `[IPv6:…]`), subdomains, IDN (punycode and Unicode) domains. A match never cuts a word:
 * `x_alice@example.com_y` is not an address. `=`, `/`, `?`, `&`, `|`, `{`, `}` and `` ` ``
 * right after a letter or digit end the text before an address (`key=alice@x.io` yields
 * `alice@x.io`); `a..b@x.io` is refused.
 *
 * @example
 * ```ts
 * emailDetector().find("mail alice+billing@eu.example.com"); // [{ start: 5, end: 33 }]
 * emailDetector({ singleLabelDomains: true }).find("root@localhost"); // one match
 * ```
 */
export function emailDetector(options: EmailDetectorOptions = {}): Detector {
  const raw: unknown = options;
  if (typeof raw !== "object" || raw === null)
    throw new MoatError("ERR_CONFIG", { message: "invalid emailDetector options" });
  assertKnownKeys(options, knownKeys<EmailDetectorOptions>({ singleLabelDomains: true }), "emailDetector options");
  const flag: unknown = options.singleLabelDomains;
  if (flag !== undefined && typeof flag !== "boolean") {
    throw new MoatError("ERR_CONFIG", { message: 'invalid emailDetector options at "singleLabelDomains"' });
  }
  const singleLabelDomains = flag === true;
  return register(
    {
      type: "email",
      priority: BUILTIN_PRIORITY.email,
      maxLength: EMAIL_MAX_LENGTH,
      find(text) {
        const out: number[] = [];
        const str = requireString(text);
        scanEmails(str, unitsOf(str), out, singleLabelDomains);
        return pairsToSpans(out);
      },
    },
    { kind: "email", singleLabelDomains },
  );
}

/**
 * Payment-card numbers: 12–19 digits, plain or grouped by single spaces or dashes, with a known
 * issuer prefix and length (`IIN_RANGES`, generated from credit-card-type: Visa, Mastercard incl.
 * 2-series, Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir, RuPay, Troy, Elo, Hipercard …)
 * and a valid Luhn check digit, UnionPay included. 12 digits (Maestro) only after a card word; a
 * number inside a valid IBAN is not a card.
 *
 * @example
 * ```ts
 * creditCardDetector().find("card 4242 4242 4242 4242, ts 1715501723481"); // one match
 * ```
 */
export function creditCardDetector(): Detector {
  return register(
    {
      type: "credit_card",
      priority: BUILTIN_PRIORITY.credit_card,
      maxLength: CARD_MAX_LENGTH,
      find: numericFind({ card: true, ssn: undefined, phone: false }, "card"),
    },
    { kind: "credit_card" },
  );
}

/** Options for {@link ssnDetector}. */
export interface SsnDetectorOptions {
  /**
   * Numbers that are valid in form but known not to be anyone's (any punctuation). Replaces the
   * default `SSN_DENY_LIST` (Woolworth 078-05-1120, 219-09-9999, 123-45-6789, 987-65-4320…4329).
   */
  readonly denyList?: readonly string[];
}

/**
 * US Social Security numbers: `AAA-GG-SSSS`, `AAA GG SSSS`, `AAA.GG.SSSS`; a bare nine-digit run
 * only after a context word ("ssn", "social security"). Never area 000, 666 or 900–999, group
 * 00, serial 0000, one repeated digit, or a deny-listed number.
 *
 * @example
 * ```ts
 * ssnDetector().find("SSN 536-22-4781");                    // one match
 * ssnDetector({ denyList: [] }).find("ssn: 123-45-6789");   // one match (sample number allowed)
 * ```
 */
export function ssnDetector(options: SsnDetectorOptions = {}): Detector {
  const raw: unknown = options;
  if (typeof raw !== "object" || raw === null)
    throw new MoatError("ERR_CONFIG", { message: "invalid ssnDetector options" });
  assertKnownKeys(options, knownKeys<SsnDetectorOptions>({ denyList: true }), "ssnDetector options");
  const denyList: unknown = options.denyList;
  if (denyList !== undefined && (!Array.isArray(denyList) || !denyList.every((d) => typeof d === "string"))) {
    throw new MoatError("ERR_CONFIG", { message: 'invalid ssnDetector options at "denyList"' });
  }
  const rules = compileSsnRules(options.denyList);
  return register(
    {
      type: "ssn",
      priority: BUILTIN_PRIORITY.ssn,
      maxLength: SSN_MAX_LENGTH,
      find: numericFind({ card: false, ssn: rules, phone: false }, "ssn"),
    },
    { kind: "ssn", rules },
  );
}

/** Options for {@link phoneDetector}. */
export interface PhoneDetectorOptions {
  /**
   * Also recognise the national formats of these regions (ISO 3166-1 alpha-2 codes as
   * libphonenumber lists them, upper case: `"GB"`, `"DE"`; see `PHONE_REGIONS`), for a service
   * that knows where its users live: `030 1234567`, `07911 123456`, `01 23 45 67 89`. A number
   * counts when it is the region's trunk prefix plus a national number libphonenumber calls a
   * valid fixed-line, mobile, personal, voicemail, pager or VoIP number (or the national number
   * alone, where the region writes it so). Off by default: each region costs some precision
   * (the README lists it per region). NANP regions (`"US"`, `"CA"` …) add nothing, their
   * national formats are always on.
   */
  readonly regions?: readonly string[];
}

/**
 * Phone numbers: international numbers with `+` and a valid country calling code and national
 * length, and North American national formats checked with the NANP rules. A bare ten-digit run
 * counts only after a context word ("phone", "tel", "mobile" …). With `regions`, the national
 * formats of those regions too.
 *
 * @example
 * ```ts
 * phoneDetector().find("call (415) 555-0132 or +44 20 7946 0958"); // two matches
 * phoneDetector().find("v1.415.555, 2024-01-15, 10.0.0.1");        // none
 * phoneDetector({ regions: ["GB", "DE"] }).find("07911 123456 or 030 1234567"); // two matches
 * ```
 */
export function phoneDetector(options: PhoneDetectorOptions = {}): Detector {
  const raw: unknown = options;
  if (typeof raw !== "object" || raw === null)
    throw new MoatError("ERR_CONFIG", { message: "invalid phoneDetector options" });
  assertKnownKeys(options, knownKeys<PhoneDetectorOptions>({ regions: true }), "phoneDetector options");
  const list: unknown = options.regions;
  if (list !== undefined && (!Array.isArray(list) || !list.every(isPhoneRegion))) {
    throw new MoatError("ERR_CONFIG", { message: 'invalid phoneDetector options at "regions"' });
  }
  const regions = list === undefined ? undefined : compilePhoneRegions(list);
  return register(
    {
      type: "phone",
      priority: BUILTIN_PRIORITY.phone,
      maxLength: PHONE_MAX_LENGTH,
      find: numericFind({ card: false, ssn: undefined, phone: true, phoneRegions: regions }, "phone"),
    },
    { kind: "phone", regions },
  );
}

/** The default detector for a built-in type name. */
export function builtinDetector(type: BuiltinDetectorType): Detector {
  switch (type) {
    case "email":
      return emailDetector();
    case "ssn":
      return ssnDetector();
    case "phone":
      return phoneDetector();
    case "credit_card":
      return creditCardDetector();
  }
}

/** Options for {@link regexDetector}. */
export interface RegexDetectorOptions {
  /** Lower-case type name, e.g. `"employee_id"`. */
  readonly type: string;
  /**
   * The candidate pattern. It is run with the `g` flag (added if missing). Keep it linear: a
   * pattern with nested quantifiers can backtrack for a long time on hostile input.
   */
  readonly pattern: RegExp;
  /** Optional check of each candidate (a checksum, a lookup); return false to drop it. */
  readonly validate?: (match: string) => boolean;
  /** Overlap priority (default 50). */
  readonly priority?: number;
  /** Longest match in characters (default 256), for streams. */
  readonly maxLength?: number;
}

const TYPE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Whether `type` is a valid detector type name. */
export function isDetectorTypeName(type: unknown): type is string {
  return typeof type === "string" && TYPE_NAME.test(type);
}

/**
 * A detector from a regular expression and an optional validator.
 *
 * @example
 * ```ts
 * const employeeId = regexDetector({ type: "employee_id", pattern: /\bEMP-\d{6}\b/, maxLength: 10 });
 * const redactor = createRedactor({ detectors: ["email", employeeId] });
 * ```
 */
export function regexDetector(options: RegexDetectorOptions): Detector {
  const raw: unknown = options;
  if (typeof raw !== "object" || raw === null)
    throw new MoatError("ERR_CONFIG", { message: "invalid regexDetector options" });
  assertKnownKeys(
    options,
    knownKeys<RegexDetectorOptions>({ type: true, pattern: true, validate: true, priority: true, maxLength: true }),
    "regexDetector options",
  );
  const { type, pattern, validate, priority, maxLength } = options;
  if (!isDetectorTypeName(type))
    throw new MoatError("ERR_CONFIG", { message: 'invalid regexDetector options at "type"' });
  if (!(pattern instanceof RegExp))
    throw new MoatError("ERR_CONFIG", { message: 'invalid regexDetector options at "pattern"' });
  if (validate !== undefined && typeof validate !== "function")
    throw new MoatError("ERR_CONFIG", { message: 'invalid regexDetector options at "validate"' });
  if (priority !== undefined && !Number.isFinite(priority))
    throw new MoatError("ERR_CONFIG", { message: 'invalid regexDetector options at "priority"' });
  if (maxLength !== undefined && !(Number.isSafeInteger(maxLength) && maxLength > 0)) {
    throw new MoatError("ERR_CONFIG", { message: 'invalid regexDetector options at "maxLength"' });
  }
  const flags = pattern.flags.replace(/[gy]/g, "");
  const source = pattern.source;
  return Object.freeze({
    type,
    priority: priority ?? DEFAULT_CUSTOM_PRIORITY,
    maxLength: maxLength ?? DEFAULT_CUSTOM_MAX_LENGTH,
    find(text: string): { start: number; end: number }[] {
      const re = new RegExp(source, `${flags}g`);
      const spans: { start: number; end: number }[] = [];
      for (let m = re.exec(requireString(text)); m !== null; m = re.exec(text)) {
        const value = m[0];
        if (value.length === 0) {
          re.lastIndex++;
          continue;
        }
        if (validate === undefined || validate(value)) spans.push({ start: m.index, end: m.index + value.length });
      }
      return spans;
    },
  });
}
