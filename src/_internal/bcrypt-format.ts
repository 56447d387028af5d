/**
 * bcrypt hash strings: the supported costs, parsing a stored hash, and making a salt. A stored
 * hash of a cost outside 4–20 is treated as no bcrypt hash at all, so it is refused before any
 * bcrypt work (cost 31 would hold a worker for days).
 */
import { encodeBase64 } from "bcryptjs";
import { z } from "zod";
import { type RandomSource, randomBytes } from "./runtime.js";

/** The bcrypt cost moatkit uses unless told otherwise (2^12 rounds). */
export const DEFAULT_BCRYPT_COST = 12;

/** The lowest bcrypt cost bcryptjs accepts. */
export const MIN_BCRYPT_COST = 4;

/**
 * The highest cost moatkit hashes with or verifies: one cost-20 hash takes about a minute, and
 * each step up doubles it (bcrypt itself allows 31, which would hold a worker for days).
 */
export const MAX_BCRYPT_COST = 20;

/** bcrypt cost for option schemas: 4–20. */
export const bcryptCostSchema: z.ZodType<number> = z.number().int().min(MIN_BCRYPT_COST).max(MAX_BCRYPT_COST);

const BCRYPT_HASH_RE = /^\$2([aby])\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/**
 * The version and cost of a bcrypt hash string, or `null` if it is not one moatkit will use:
 * the wrong shape, or a cost outside 4–20.
 */
export function parseBcryptHash(hash: unknown): { readonly version: string; readonly cost: number } | null {
  if (typeof hash !== "string") return null;
  const m = BCRYPT_HASH_RE.exec(hash);
  if (m === null) return null;
  const cost = Number(m[2]);
  if (cost < MIN_BCRYPT_COST || cost > MAX_BCRYPT_COST) return null;
  return { version: `2${m[1] ?? ""}`, cost };
}

/** A `$2b$` salt string for `cost` from 16 random bytes. */
export function bcryptSalt(cost: number, random: RandomSource): string {
  return `$2b$${String(cost).padStart(2, "0")}$${encodeBase64(randomBytes(random, 16), 16)}`;
}
