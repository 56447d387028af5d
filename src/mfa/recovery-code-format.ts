/**
 * Recovery codes are 10 Crockford base32 characters (50 bits) shown as `XXXXX-XXXXX`. Crockford's
 * alphabet leaves out I, L, O and U, so what a user reads back off paper is normalized: case is
 * ignored, dashes and spaces dropped, O read as 0 and I or L as 1.
 */
import { type RandomSource, randomBytes } from "../_internal/runtime.js";

/** Crockford's base32 alphabet, in value order. */
export const CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Characters per code (5 bits each: 50 bits). */
const RECOVERY_CODE_LENGTH = 10;

// Longer input is refused before any other work.
const MAX_INPUT_LENGTH = 64;

const READ_AS: Readonly<Record<string, string>> = { O: "0", I: "1", L: "1" };

/** A fresh random code, normalized (no dash). */
export function randomRecoveryCode(random: RandomSource): string {
  // 32 divides 256, so taking the low five bits of each byte is unbiased.
  let out = "";
  for (const b of randomBytes(random, RECOVERY_CODE_LENGTH)) out += CROCKFORD_ALPHABET.charAt(b & 31);
  return out;
}

/** `ABCDEFGHJK` → `ABCDE-FGHJK`. */
export function formatRecoveryCode(normalized: string): string {
  return `${normalized.slice(0, 5)}-${normalized.slice(5)}`;
}

/** The canonical form of what a user typed, or `null` if it cannot be a recovery code. */
export function normalizeRecoveryCode(input: string): string | null {
  if (input.length > MAX_INPUT_LENGTH) return null;
  let out = "";
  for (const raw of input) {
    if (raw === "-" || raw === " ") continue;
    // ASCII only: full Unicode upper-casing would map "ß" to "SS" and "ı" to "I".
    const upper = raw >= "a" && raw <= "z" ? raw.toUpperCase() : raw;
    const c = READ_AS[upper] ?? upper;
    if (!CROCKFORD_ALPHABET.includes(c)) return null;
    out += c;
  }
  return out.length === RECOVERY_CODE_LENGTH ? out : null;
}
