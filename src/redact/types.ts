/** The shapes every detector and the redactor share. */

/** The detectors moatkit ships. */
export type BuiltinDetectorType = "email" | "ssn" | "phone" | "credit_card";

/** Every built-in detector type, in the order the docs list them. */
export const BUILTIN_DETECTOR_TYPES: readonly BuiltinDetectorType[] = ["email", "ssn", "phone", "credit_card"];

/**
 * One detected value: `text.slice(start, end)` is the value. Offsets are UTF-16 code units
 * (JavaScript string indices), end-exclusive.
 */
export interface RedactionSpan {
  /** The detector's type, e.g. `"email"` or a custom type such as `"employee_id"`. */
  readonly type: string;
  /** Index of the first character. */
  readonly start: number;
  /** Index one past the last character. */
  readonly end: number;
}

/**
 * A detector: something that finds values of one type in a string. Custom detectors implement
 * this directly (or come from {@link regexDetector}); the built-in ones come from
 * `emailDetector()`, `ssnDetector()`, `phoneDetector()` and `creditCardDetector()`.
 *
 * @example
 * ```ts
 * const employeeId: Detector = {
 *   type: "employee_id",
 *   find: (text) => [...text.matchAll(/\bEMP-\d{6}\b/g)].map((m) => ({ start: m.index, end: m.index + m[0].length })),
 *   maxLength: 10,
 * };
 * ```
 */
export interface Detector {
  /** Lower-case identifier (`[a-z][a-z0-9_]*`); the default label is its upper-case form. */
  readonly type: string;
  /**
   * Every value of this type in `text`, as `{ start, end }` offsets. They may come in any order
   * and may overlap; the redactor sorts them and resolves overlaps.
   */
  find(text: string): Iterable<DetectedRange>;
  /**
   * On overlap the higher priority wins (then the longer match). Built-ins: email 40,
   * credit_card 30, ssn 20, phone 10. Custom detectors default to 50: a pattern someone wrote
   * for their own data is usually the most specific thing in the text.
   */
  readonly priority?: number;
  /**
   * The longest match this detector can return, in characters. Streams hold back enough text
   * for it (default 256); a longer match split across chunks could be missed by a stream.
   */
  readonly maxLength?: number;
}

/** Where a detector found a value: `text.slice(start, end)`. */
export interface DetectedRange {
  /** Index of the first character. */
  readonly start: number;
  /** Index one past the last character. */
  readonly end: number;
}

/** What a replacement function is given for each match. */
export interface RedactionMatch {
  /** The detector type. */
  readonly type: string;
  /** The matched text (the sensitive value itself). */
  readonly value: string;
  /** Offset of the match in the input. */
  readonly start: number;
  /** End offset (exclusive). */
  readonly end: number;
}
