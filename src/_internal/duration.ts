/**
 * Durations as options accept either milliseconds or a short string ("90s", "15m", "2h", "30d"),
 * the forms jose and most SaaS configs use.
 */
import { z } from "zod";
import { MoatError } from "../errors.js";

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_RE = /^(\d{1,9})\s?(ms|s|m|h|d|w)$/;

/** A duration: milliseconds, or a string such as "15m". */
export type Duration = number | string;

/** Milliseconds in a duration; throws ERR_CONFIG on anything that is not a positive duration. */
export function parseDuration(value: Duration, what = "duration"): number {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value > 0) return value;
  } else if (typeof value === "string") {
    const m = DURATION_RE.exec(value.trim());
    if (m !== null) {
      const ms = Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? Number.NaN);
      if (Number.isSafeInteger(ms) && ms > 0) return ms;
    }
  }
  throw new MoatError("ERR_CONFIG", { message: `${what} must be a positive duration such as 900000 or "15m"` });
}

/** A zod schema that accepts a duration and outputs milliseconds. */
export const durationSchema: z.ZodType<number, Duration> = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch {
    ctx.addIssue({ code: "custom", message: 'expected a positive duration such as 900000 or "15m"' });
    return z.NEVER;
  }
});
