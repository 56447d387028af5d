/**
 * `requireMfa()`: a route guard for a second factor, optionally a recent one (step-up). It reads
 * the subject's `amr` and `authTime`, which `authenticate` takes from the token's `amr` and
 * `auth_time` claims. moatkit/mfa's policy resolution is reused through its leaf module, which
 * loads only zod (not otplib or bcryptjs).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { type Duration, durationSchema } from "../_internal/duration.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, systemClock } from "../_internal/runtime.js";
import { type MfaPolicyInput, resolveMfaPolicy } from "../mfa/policy.js";
import { sendCredentialFailure } from "./credentials.js";
import { sendHttpError } from "./http-errors.js";
import { getSubject, type RequestSubject } from "./subject.js";
import type { Middleware, NextFunction } from "./types.js";

/**
 * The `amr` values (RFC 8176 and common practice) that count as a second factor by default:
 * one-time passwords, hardware and software keys (WebAuthn, passkeys), recovery codes, and
 * `mfa` itself. SMS (`sms`) and phone (`tel`) are left out; list them in `methods` to accept them.
 */
export const DEFAULT_MFA_METHODS: readonly string[] = Object.freeze([
  "mfa",
  "otp",
  "totp",
  "hwk",
  "swk",
  "webauthn",
  "recovery",
]);

/** MFA settings for one subject, resolved with moatkit/mfa's `resolveMfaPolicy` against the subject's role(s). */
export type MfaPolicySettings = Omit<MfaPolicyInput, "role">;

/**
 * Who must pass {@link requireMfa}: a list of roles, or a function answering `true`/`false`, or
 * the subject's MFA settings (platform, org, tenant, user), resolved with moatkit/mfa's policy
 * (a subject needs MFA when the resolution for any of its roles is `"required"`).
 */
export type MfaRequired =
  | readonly string[]
  | ((
      subject: RequestSubject,
      req: IncomingMessage,
    ) => boolean | MfaPolicySettings | Promise<boolean | MfaPolicySettings>);

/** Options of {@link requireMfa}. */
export interface RequireMfaOptions {
  /**
   * How recent the last interactive authentication must be (`"10m"`, or ms), counted from the
   * subject's `authTime`. Without it, any second factor in `amr` will do.
   */
  readonly maxAge?: Duration | undefined;
  /** The `amr` values that count as a second factor (default {@link DEFAULT_MFA_METHODS}). */
  readonly methods?: readonly string[] | undefined;
  /** Who needs MFA on this route (default: every subject). */
  readonly required?: MfaRequired | undefined;
  /** Clock in ms (default `Date.now`). */
  readonly now?: Clock | undefined;
}

const nameSchema = z.string().min(1).max(128);
const optionsSchema = z.strictObject({
  maxAge: durationSchema.optional(),
  methods: z.array(nameSchema).min(1).max(32).optional(),
  required: z
    .union([z.array(nameSchema).min(1).max(1000), functionSchema<Exclude<MfaRequired, readonly string[]>>()])
    .optional(),
  now: functionSchema<Clock>().optional(),
});

function rolesOf(subject: RequestSubject): readonly string[] {
  return typeof subject.role === "string" ? [subject.role] : subject.role;
}

// Only the shape: resolveMfaPolicy validates the settings themselves.
function isSettingsShaped(value: unknown): value is MfaPolicySettings {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What the `required` function answered, as a decision. The type is what TypeScript promises;
 * anything else at run time is a wiring bug.
 */
function decide(answer: unknown, subject: RequestSubject): boolean {
  if (typeof answer === "boolean") return answer;
  if (isSettingsShaped(answer)) {
    try {
      return rolesOf(subject).some((role) => resolveMfaPolicy({ ...answer, role }) === "required");
    } catch (err) {
      throw new MoatError("ERR_CONFIG", {
        message: "requireMfa: required() returned invalid MFA settings",
        cause: err,
      });
    }
  }
  throw new MoatError("ERR_CONFIG", { message: "requireMfa: required() must return a boolean or MFA settings" });
}

/**
 * Lets the request through if its subject authenticated with a second factor (`amr` holds one of
 * `methods`) and, with `maxAge`, did so recently enough (`authTime`). Otherwise answers 401
 * `{ "error": "mfa_required" }` with `WWW-Authenticate: Bearer error="insufficient_user_authentication"`
 * (RFC 9470, with `max_age` when set), so the client can ask the user for a second factor and
 * retry with the new token. No subject → 401 `ERR_UNAUTHENTICATED`.
 *
 * `required` limits the guard to some subjects: roles (`["owner", "admin"]`), or a function that
 * answers per request, for example with the organisation's and user's MFA settings, which are
 * resolved by moatkit/mfa's `resolveMfaPolicy`. A function that throws or answers something else
 * is an error passed to `next` (500): the guard never opens by mistake.
 *
 * Subjects from `apiKeyAuth` have no `amr`, so they are refused unless `required` exempts them.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * // Changing the billing details needs a second factor within the last 10 minutes.
 * app.put("/billing", authenticate({ tokens: sessions }), requireMfa({ maxAge: "10m" }), updateBilling);
 * // Owners and admins need MFA for the whole admin area.
 * app.use("/admin", requireMfa({ required: ["owner", "admin"] }));
 * ```
 */
export function requireMfa(options: RequireMfaOptions = {}): Middleware {
  const parsed = parseOptions(optionsSchema, options, "requireMfa options");
  const methods: ReadonlySet<string> = new Set(parsed.methods ?? DEFAULT_MFA_METHODS);
  const maxAge = parsed.maxAge;
  const now = parsed.now ?? systemClock;
  const required = parsed.required;
  const challenge = Object.freeze({
    "www-authenticate": `Bearer error="insufficient_user_authentication"${maxAge === undefined ? "" : `, max_age=${String(Math.floor(maxAge / 1000))}`}`,
  });

  function satisfied(subject: RequestSubject): boolean {
    if (subject.amr?.some((method) => methods.has(method)) !== true) return false;
    if (maxAge === undefined) return true;
    if (subject.authTime === undefined) return false;
    return now() - subject.authTime * 1000 <= maxAge;
  }

  function finish(subject: RequestSubject, needed: boolean, res: ServerResponse, next: NextFunction): void {
    if (!needed || satisfied(subject)) next();
    else sendCredentialFailure(res, "mfa_required", challenge);
  }

  return function moatkitRequireMfa(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const subject = getSubject(req);
    if (subject === undefined) {
      sendHttpError(res, "ERR_UNAUTHENTICATED");
      return;
    }
    if (required === undefined) {
      finish(subject, true, res, next);
    } else if (typeof required !== "function") {
      finish(
        subject,
        rolesOf(subject).some((role) => required.includes(role)),
        res,
        next,
      );
    } else {
      Promise.resolve()
        .then(() => required(subject, req))
        .then((answer) => {
          finish(subject, decide(answer, subject), res, next);
        })
        .catch(next);
    }
  };
}
