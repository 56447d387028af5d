/**
 * Validation at the edge with zod. Options are checked once, when a factory is called; a bad
 * option is a configuration error (ERR_CONFIG), bad call arguments are ERR_INVALID_INPUT.
 * The zod issues go into `details` with their paths and codes only: zod messages describe what
 * was expected, and moatkit never echoes the received value, which may be a secret.
 */
import type { z } from "zod";
import { MoatError, type MoatErrorCode } from "../errors.js";

/** One validation problem, without the offending value. */
export interface ValidationIssue {
  /** Where in the input, e.g. `["keys", 0, "kid"]`. */
  readonly path: readonly (string | number)[];
  /** zod's issue code, e.g. `invalid_type`, `too_small`. */
  readonly code: string;
  /** What was expected; never contains the received value. */
  readonly message: string;
}

function toIssues(error: z.core.$ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === "symbol" ? String(p.description) : p)),
    code: issue.code,
    message: issue.message,
  }));
}

/**
 * Parses `input` with `schema`, throwing a MoatError with the issues in `details.issues`.
 *
 * @param what names the thing validated in the message, e.g. `"createEnvelope options"`.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code: MoatErrorCode = "ERR_CONFIG",
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = toIssues(result.error);
  const where = issues[0]?.path.join(".") ?? "";
  throw new MoatError(code, {
    message: `invalid ${what}${where === "" ? "" : ` at "${where}"`}`,
    details: { issues },
  });
}

/** {@link parseWith} for factory options: failures are ERR_CONFIG. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseWith(schema, input, what, "ERR_CONFIG");
}

/** {@link parseWith} for call arguments: failures are ERR_INVALID_INPUT. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseWith(schema, input, what, "ERR_INVALID_INPUT");
}
