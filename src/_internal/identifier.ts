/**
 * The one rule for the identifiers moatkit is handed: tenant ids, user ids, session and token
 * subjects, API key owner ids, audit actor, org and target ids, roles and scopes. Every module
 * checks them with this rule, so one id gets one verdict everywhere (docs/identifiers.md).
 *
 * An identifier is a string that
 * - is 1–256 UTF-16 code units long (`string.length`; at most 768 bytes of UTF-8, so it fits any
 *   index and any store column moatkit creates),
 * - is well-formed Unicode: no unpaired surrogate, which has no UTF-8 form (an encoder would turn
 *   it into U+FFFD, so two different ids would be stored, bound and hashed alike),
 * - has no control character (Unicode category Cc): C0 U+0000–U+001F (NUL included: Postgres
 *   text cannot hold it), DEL U+007F and C1 U+0080–U+009F. A newline or escape in an id is never
 *   intended, and would forge lines in logs and audit exports.
 *
 * Anything else is allowed: quotes, `;`, `:`, spaces, emoji, format characters. Ids only travel
 * as bound parameters, associated data or canonical JSON, never spliced into SQL or headers. A
 * module may add a stricter rule of its own on top (a scope's printable-ASCII syntax, a TOTP
 * label's "no colon"), never a looser one.
 */
import { z } from "zod";
import { MoatError } from "../errors.js";

/** The most UTF-16 code units an identifier may have. */
export const MAX_IDENTIFIER_LENGTH = 256;

/** Why a value is not an identifier. */
type IdentifierProblem = "not_a_string" | "empty" | "too_long" | "control_character" | "lone_surrogate";

/** The first reason `value` breaks the identifier rule, or `undefined` when it is an identifier. */
export function identifierProblem(value: unknown): IdentifierProblem | undefined {
  if (typeof value !== "string") return "not_a_string";
  const n = value.length;
  if (n === 0) return "empty";
  if (n > MAX_IDENTIFIER_LENGTH) return "too_long";
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return "control_character";
    if (c >= 0xd800 && c <= 0xdfff) {
      // A high surrogate followed by a low one is a pair (one code point beyond U+FFFF).
      const next = value.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return "lone_surrogate";
      i++;
    }
  }
  return undefined;
}

/** Whether `value` is an identifier (see the module comment for the rule). */
export function isIdentifier(value: unknown): value is string {
  return identifierProblem(value) === undefined;
}

const PROBLEM_TEXT: Readonly<Record<IdentifierProblem, string>> = {
  not_a_string: "must be a string",
  empty: "must not be empty",
  too_long: `must be at most ${String(MAX_IDENTIFIER_LENGTH)} characters`,
  control_character: "must not contain control characters",
  lone_surrogate: "must be well-formed Unicode",
};

/**
 * Returns `value` when it is an identifier; otherwise throws ERR_INVALID_INPUT naming `what`
 * (e.g. `"tenantId"`) and the rule it breaks, never the value.
 */
export function requireIdentifier(value: unknown, what: string): string {
  if (isIdentifier(value)) return value;
  const problem = identifierProblem(value) ?? "not_a_string";
  throw new MoatError("ERR_INVALID_INPUT", { message: `${what} ${PROBLEM_TEXT[problem]}`, details: { problem } });
}

/**
 * The identifier rule as a zod schema with a shorter bound of a module's own (an audit action
 * name is at most 128): the rule, plus `value.length <= max`.
 */
export function boundedIdentifierSchema(max: number): z.ZodType<string> {
  return z.string().superRefine((value, ctx) => {
    const problem = identifierProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: PROBLEM_TEXT[problem], params: { problem } });
    else if (value.length > max)
      ctx.addIssue({
        code: "custom",
        message: `must be at most ${String(max)} characters`,
        params: { problem: "too_long" },
      });
  });
}

/** The identifier rule as a zod schema, for option and input schemas. */
export const identifierSchema: z.ZodType<string> = boundedIdentifierSchema(MAX_IDENTIFIER_LENGTH);
