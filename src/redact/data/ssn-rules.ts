/**
 * US Social Security number rules, as data. The SSA never issues area 000, 666 or 900–999,
 * group 00 or serial 0000 (SSA, "Social Security Number Randomization", 2011). Presidio accepts
 * 900-series numbers (presidio#2275); the ranges below are tested at their boundaries
 * (899/900, 665/666/667, 000/001).
 */

/** Area numbers (first three digits) that are never issued, as inclusive ranges. */
export const SSN_INVALID_AREAS: readonly (readonly [number, number])[] = [
  [0, 0],
  [666, 666],
  [900, 999],
];

/**
 * Numbers that are valid in form but publicly known not to belong to a person, so they are
 * test data rather than PII: the Woolworth wallet card (078-05-1120), the SSA's 1940s pamphlet
 * number (219-09-9999), the textbook sample (123-45-6789) and the range the SSA reserves for
 * advertisements (987-65-4320 to 987-65-4329, already outside the issued areas). Replace the
 * list with `ssnDetector({ denyList })`.
 */
export const SSN_DENY_LIST: readonly string[] = [
  "078-05-1120",
  "219-09-9999",
  "123-45-6789",
  "987-65-4320",
  "987-65-4321",
  "987-65-4322",
  "987-65-4323",
  "987-65-4324",
  "987-65-4325",
  "987-65-4326",
  "987-65-4327",
  "987-65-4328",
  "987-65-4329",
];
