/**
 * `moatkit/redact`: PII detection and redaction for logs and LLM calls. Emails, US SSNs, phone
 * numbers (E.164, NANP, and the national formats of regions a service names) and payment cards
 * (issuer range + length + Luhn) are found by hand-written linear scanners with validators, in
 * strings, structured values and streams; policies decide per organisation and per API key;
 * pseudonyms make LLM prompts reversible.
 *
 * @example
 * ```ts
 * import { createRedactor, redact } from "moatkit/redact";
 *
 * redact("alice@example.com called from (415) 555-0132"); // "[EMAIL] called from [PHONE]"
 *
 * const redactor = createRedactor({ replace: "mask" });
 * redactor.redact("card 4242 4242 4242 4242"); // "card **** **** **** 4242"
 * ```
 *
 * @module
 */
export {
  createRedactor,
  redact,
  type DetectorInput,
  type RedactValueOptions,
  type Redactor,
  type RedactorOptions,
} from "./redactor.js";
export {
  creditCardDetector,
  emailDetector,
  phoneDetector,
  regexDetector,
  ssnDetector,
  type RegexDetectorOptions,
  type SsnDetectorOptions,
  type EmailDetectorOptions,
  type PhoneDetectorOptions,
} from "./detectors.js";
export { PHONE_REGIONS } from "./phone-regions.js";
export {
  BUILTIN_DETECTOR_TYPES,
  type BuiltinDetectorType,
  type DetectedRange,
  type Detector,
  type RedactionMatch,
  type RedactionSpan,
} from "./types.js";
export { HASH_TAG_HEX, type ReplaceFunction, type ReplaceMode } from "./replace.js";
export { DEFAULT_SENSITIVE_KEYS } from "./sensitive-keys.js";
export { REDACTED } from "../_internal/redacted.js";
export type { Pseudonymized } from "./pseudonymize.js";
export {
  resolveRedactionPolicy,
  type ApiKeyRedaction,
  type ApiKeyRedactionSetting,
  type RedactionPolicy,
  type RedactionPolicyInput,
} from "./policy.js";
export {
  forLlm,
  type ForLlmOptions,
  type LlmContentPart,
  type LlmMessage,
  type LlmRedaction,
  type LlmToolCall,
} from "./llm.js";
export { pinoRedaction, type PinoRedactionOptions } from "./pino-hooks.js";
export { IIN_RANGES, type CardBrand, type IinRange } from "./data/iin-ranges.js";
export { SSN_DENY_LIST, SSN_INVALID_AREAS } from "./data/ssn-rules.js";
export { luhnValid } from "./card.js";
