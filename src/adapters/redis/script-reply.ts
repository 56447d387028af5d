/**
 * Lua replies arrive as `unknown`. Scripts here reply with flat arrays of strings (numbers are
 * kept as the strings they were stored as: Lua's tostring prints large numbers in exponent
 * form), and this checks the shape before anything trusts it.
 */
import { MoatError } from "../../errors.js";

/** Throws the ERR_STORE for a reply that does not fit the script's contract. */
export function badReply(store: string): never {
  throw new MoatError("ERR_STORE", { message: `${store} store returned an unexpected reply` });
}

/** The reply as strings; anything else is a store fault (ERR_STORE). */
export function stringReply(reply: unknown, store: string): string[] {
  if (!Array.isArray(reply) || !reply.every((item): item is string => typeof item === "string")) badReply(store);
  return reply;
}

/** The reply as a non-negative integer; anything else is a store fault (ERR_STORE). */
export function countReply(reply: unknown, store: string): number {
  if (typeof reply !== "number" || !Number.isSafeInteger(reply) || reply < 0) badReply(store);
  return reply;
}

/** A decimal string stored by a script, as a number; anything else is a store fault. */
export function numberField(value: string | undefined, store: string): number {
  const n = value === undefined || value === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) badReply(store);
  return n;
}

/** A string field of a reply that must be present. */
export function textField(value: string | undefined, store: string): string {
  if (value === undefined) badReply(store);
  return value;
}
