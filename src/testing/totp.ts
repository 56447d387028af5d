import { z } from "zod";
import { parseOptions } from "../_internal/options.js";
import { type TotpAlgorithm, totpCodeForStep, totpStepAt } from "../mfa/totp.js";
import { type TotpSecretInput, decodeTotpSecret } from "../mfa/totp-secret.js";
import { MoatError } from "../errors.js";

/** Options for {@link totpCode} and {@link totpStep}; match the verifier's. */
export interface TotpCodeOptions {
  /** Default `"SHA1"`. */
  readonly algorithm?: TotpAlgorithm;
  /** Default 6. */
  readonly digits?: number;
  /** Seconds per step. Default 30. */
  readonly period?: number;
}

const optionsSchema = z.strictObject({
  algorithm: z.enum(["SHA1", "SHA256", "SHA512"]).default("SHA1"),
  digits: z.number().int().min(6).max(8).default(6),
  period: z.number().int().min(1).max(86_400).default(30),
});

function requireTime(atMs: unknown): number {
  if (typeof atMs !== "number" || !Number.isSafeInteger(Math.floor(atMs)) || atMs < 0) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "time must be a non-negative number of milliseconds" });
  }
  return atMs;
}

/**
 * The TOTP code an authenticator app would show at `atMs` for `secret` (base32, as
 * `createTotp().enroll()` returns it). For tests: pair it with a fake clock.
 *
 * @throws MoatError ERR_INVALID_INPUT for a malformed secret or time; ERR_CONFIG for bad options.
 * @example
 * ```ts
 * import { fakeClock, totpCode } from "moatkit/testing";
 * const clock = fakeClock();
 * const totp = createTotp({ issuer: "Acme", store, now: clock.now });
 * const { secret } = totp.enroll({ accountName: "ada@example.com" });
 * await totp.verify({ userId: "u1", secret, code: totpCode(secret, clock.now()) }); // ok
 * ```
 */
export function totpCode(secret: TotpSecretInput, atMs: number, options: TotpCodeOptions = {}): string {
  const opts = parseOptions(optionsSchema, options, "totpCode options");
  return totpCodeForStep(decodeTotpSecret(secret), totpStepAt(requireTime(atMs), opts.period), opts);
}

/**
 * The RFC 6238 time step containing `atMs` (what `verify` returns as `step`).
 *
 * @example
 * ```ts
 * totpStep(59_000); // 1
 * ```
 */
export function totpStep(atMs: number, options: Pick<TotpCodeOptions, "period"> = {}): number {
  const { period } = parseOptions(optionsSchema, options, "totpStep options");
  return totpStepAt(requireTime(atMs), period);
}
