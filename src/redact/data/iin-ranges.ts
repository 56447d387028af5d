/**
 * Issuer identification number (IIN) ranges: which leading digits belong to which card network,
 * and the lengths that network issues. A number is a card only if its prefix and its length
 * match one row here and it passes Luhn (UnionPay included; see the README).
 *
 * Sources: ISO/IEC 7812 network allocations as published by the networks and collected in
 * braintree/credit-card-type (MIT). Presidio's regex misses the Mastercard 2-series and 17–19
 * digit numbers (presidio#2075); those are rows here, tested at their boundaries.
 */

/** One IIN range. `from`/`to` are inclusive and have the same number of digits. */
export interface IinRange {
  /** The network. */
  readonly brand: "visa" | "mastercard" | "amex" | "discover" | "jcb" | "diners" | "unionpay" | "maestro";
  /** Lowest prefix in the range, e.g. 2221. */
  readonly from: number;
  /** Highest prefix in the range, e.g. 2720. */
  readonly to: number;
  /** Allowed total lengths (digits). */
  readonly lengths: readonly number[];
}

const L16_19 = [16, 17, 18, 19];
const L13_19 = [13, 14, 15, 16, 17, 18, 19];

/** Every range the card detector accepts. */
export const IIN_RANGES: readonly IinRange[] = [
  { brand: "visa", from: 4, to: 4, lengths: [13, 16, 19] },
  { brand: "mastercard", from: 51, to: 55, lengths: [16] },
  { brand: "mastercard", from: 2221, to: 2720, lengths: [16] },
  { brand: "amex", from: 34, to: 34, lengths: [15] },
  { brand: "amex", from: 37, to: 37, lengths: [15] },
  { brand: "discover", from: 6011, to: 6011, lengths: L16_19 },
  { brand: "discover", from: 644, to: 649, lengths: L16_19 },
  { brand: "discover", from: 65, to: 65, lengths: L16_19 },
  { brand: "jcb", from: 3528, to: 3589, lengths: L16_19 },
  { brand: "diners", from: 300, to: 305, lengths: [14, 16, 19] },
  { brand: "diners", from: 3095, to: 3095, lengths: [14, 16, 19] },
  { brand: "diners", from: 36, to: 36, lengths: [14, 16, 19] },
  { brand: "diners", from: 38, to: 39, lengths: [14, 16, 19] },
  { brand: "unionpay", from: 62, to: 62, lengths: [14, 15, 16, 17, 18, 19] },
  { brand: "unionpay", from: 8100, to: 8171, lengths: [14, 15, 16, 17, 18, 19] },
  // Maestro is issued on wide, older ranges (50, 56–59, 63, 67) at 12–19 digits; the detector
  // stops at 13 like every other network here, since 12-digit runs are mostly not cards.
  { brand: "maestro", from: 493698, to: 493698, lengths: L13_19 },
  { brand: "maestro", from: 50, to: 50, lengths: L13_19 },
  { brand: "maestro", from: 56, to: 59, lengths: L13_19 },
  { brand: "maestro", from: 63, to: 63, lengths: L13_19 },
  { brand: "maestro", from: 67, to: 67, lengths: L13_19 },
];
