/**
 * What a detected value is replaced with: a label (`[EMAIL]`), a mask that keeps the shape (and
 * the last four digits of a card), a keyed hash tag that maps equal values to equal tokens, or
 * the caller's function.
 */
import { MoatError } from "../errors.js";
import { hmacSha256Hex } from "../_internal/hash.js";
import { isUnicodeWordUnit } from "./chars.js";
import type { RedactionMatch } from "./types.js";

/** A replacement function: gets each match, returns the text to put in its place. */
export type ReplaceFunction = (match: RedactionMatch) => string;

/** How values are replaced. */
export type ReplaceMode = "label" | "mask" | "hash" | ReplaceFunction;

/** Hex characters of the HMAC kept in a hash tag (48 bits: ample to correlate, short in logs). */
export const HASH_TAG_HEX = 12;

/** The default label for a type: `email` → `[EMAIL]`. */
export function labelFor(type: string): string {
  return `[${type.toUpperCase()}]`;
}

/** The form of a value that the hash and pseudonyms compare: digits for numbers, lower-case email. */
function normalizeValue(type: string, value: string): string {
  if (type === "credit_card" || type === "ssn" || type === "phone") return value.replace(/\D/g, "");
  if (type === "email") return value.toLowerCase();
  return value;
}

function isAlnumUnit(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    ((c | 0x20) >= 97 && (c | 0x20) <= 122) ||
    isUnicodeWordUnit(c) ||
    (c >= 0xd800 && c <= 0xdfff)
  );
}

/** Masks letters and digits with `*`, keeping punctuation; cards keep their last four digits. */
function maskValue(type: string, value: string): string {
  let keepDigits = type === "credit_card" ? 4 : 0;
  let out = "";
  for (let i = value.length - 1; i >= 0; i--) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57 && keepDigits > 0) {
      keepDigits--;
      out = value.charAt(i) + out;
    } else {
      out = (isAlnumUnit(c) ? "*" : value.charAt(i)) + out;
    }
  }
  return out;
}

/** A function from match to replacement text for a mode. */
export function compileReplacer(
  mode: ReplaceMode,
  hashKey: Uint8Array | string | undefined,
): (type: string, value: string, start: number, end: number) => string {
  if (typeof mode === "function") {
    return (type, value, start, end) => {
      const out = mode({ type, value, start, end });
      if (typeof out !== "string")
        throw new MoatError("ERR_INVALID_INPUT", { message: "replace function must return a string" });
      return out;
    };
  }
  switch (mode) {
    case "label": {
      const cache = new Map<string, string>();
      return (type) => {
        let label = cache.get(type);
        if (label === undefined) {
          label = labelFor(type);
          cache.set(type, label);
        }
        return label;
      };
    }
    case "mask":
      return (type, value) => maskValue(type, value);
    case "hash": {
      if (hashKey === undefined) throw new MoatError("ERR_CONFIG", { message: 'replace "hash" needs a hashKey' });
      const key = hashKey;
      // The type is part of the MAC input so the same digits as a phone and as an SSN differ.
      return (type, value) =>
        `[${type.toUpperCase()}:${hmacSha256Hex(key, `${type}\u0000${normalizeValue(type, value)}`).slice(0, HASH_TAG_HEX)}]`;
    }
  }
}
