/**
 * TOTP (RFC 6238) on otplib, with replay protection by time step: a code is accepted only if
 * its step is later than the last step accepted for the user, advanced atomically in the store.
 */
import { generateSync, generateURI, verify as otpVerify } from "otplib";
import { z } from "zod";
import { parseInput, parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, randomBytes, systemClock, systemRandom } from "../_internal/runtime.js";
import { Secret, isSecret } from "../_internal/secret.js";
import { storeSchema, wrapStore } from "../_internal/store.js";
import { MoatError, type Result } from "../errors.js";
import { otpCrypto } from "./otp-crypto.js";
import { TOTP_STEP_STORE_METHODS, type TotpStepStore } from "./store.js";
import { MAX_TOTP_SECRET_BYTES, type TotpSecretInput, decodeTotpSecret, encodeTotpSecret } from "./totp-secret.js";
import { identifierSchema } from "../_internal/identifier.js";

/** The HMAC behind the codes. Authenticator apps universally support SHA1; some ignore the others. */
export type TotpAlgorithm = "SHA1" | "SHA256" | "SHA512";

/** Options for {@link createTotp}. */
export interface TotpOptions {
  /** Your product's name, shown in the authenticator app. Must not contain ":". */
  readonly issuer: string;
  /** Default `"SHA1"` (what every authenticator app supports). */
  readonly algorithm?: TotpAlgorithm;
  /** Code length, 6–8. Default 6. */
  readonly digits?: number;
  /** Seconds per time step, 10–300. Default 30. */
  readonly period?: number;
  /** Steps accepted either side of the current one (clock drift), 0–10. Default 1. */
  readonly window?: number;
  /** Where the last accepted step of each user is kept. */
  readonly store: TotpStepStore;
  /** Secret length in bytes for {@link Totp.enroll}, 20–64. Default 20 (160 bits, RFC 4226's recommendation). */
  readonly secretBytes?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly now?: Clock;
  /** CSPRNG for secrets; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
}

/** What {@link Totp.enroll} returns. Both values carry the secret, so both redact in logs. */
export interface TotpEnrollment {
  /** The shared secret as unpadded base32. Store it encrypted (e.g. with `moatkit/crypto`). */
  readonly secret: Secret<string>;
  /** The `otpauth://totp/…` URI to show as a QR code; it contains the secret. */
  readonly uri: Secret<string>;
}

/** Why a TOTP code was refused. */
export type TotpFailureReason = "malformed" | "invalid" | "replayed";

/** The result of {@link Totp.verify}: the accepted time step, or why the code was refused. */
export type TotpVerifyResult = Result<
  {
    /** The time step the code belonged to, now the user's last accepted step. */
    readonly step: number;
  },
  TotpFailureReason
>;

/** A TOTP verifier made by {@link createTotp}. */
export interface Totp {
  /**
   * A new secret and its `otpauth://` URI for `accountName` (the user's email or name, shown in
   * the app; must not contain ":"). Nothing is stored: keep the secret, then confirm enrolment
   * by {@link Totp.verify}ing the first code the user types — that also records its step, so the
   * setup code cannot be used again to log in.
   */
  enroll(input: { readonly accountName: string }): TotpEnrollment;
  /**
   * Checks a code (spaces allowed, e.g. "123 456"). `malformed`: not exactly `digits` digits —
   * refused without computing any HMAC. `invalid`: no step within the window produces it.
   * `replayed`: it matches a step no later than the user's last accepted step (the same code
   * again, or an older one after a newer). On success the step is recorded atomically, so of N
   * concurrent verifications of one code exactly one succeeds.
   */
  verify(input: {
    readonly userId: string;
    readonly secret: TotpSecretInput;
    readonly code: string;
  }): Promise<TotpVerifyResult>;
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === "function", { message: "expected a function" });
const noColon = (what: string) =>
  z
    .string()
    .min(1)
    .max(256)
    .refine((s) => !s.includes(":"), { message: `${what} must not contain ":"` });

const optionsSchema = z.strictObject({
  issuer: noColon("issuer"),
  algorithm: z.enum(["SHA1", "SHA256", "SHA512"]).default("SHA1"),
  digits: z.number().int().min(6).max(8).default(6),
  period: z.number().int().min(10).max(300).default(30),
  window: z.number().int().min(0).max(10).default(1),
  store: storeSchema<TotpStepStore>(TOTP_STEP_STORE_METHODS),
  secretBytes: z.number().int().min(20).max(MAX_TOTP_SECRET_BYTES).default(20),
  now: fn.optional(),
  random: fn.optional(),
});

const enrollSchema = z.strictObject({ accountName: noColon("accountName") });
const verifySchema = z.strictObject({
  userId: identifierSchema,
  secret: z.union([z.string(), z.custom<Secret<string>>((v) => isSecret(v))]),
  code: z.string(),
});

const OTPLIB_ALGORITHM = { SHA1: "sha1", SHA256: "sha256", SHA512: "sha512" } as const;

// Longer input is refused before any other work.
const MAX_CODE_INPUT = 64;

/** The digits of `code` with spaces removed, or `null` if that is not exactly `digits` ASCII digits. */
function normalizeTotpCode(code: string, digits: number): string | null {
  if (code.length > MAX_CODE_INPUT) return null;
  const compact = code.replaceAll(" ", "");
  return compact.length === digits && /^[0-9]+$/.test(compact) ? compact : null;
}

/** The TOTP time step containing `atMs` (RFC 6238 T with T0 = 0). */
export function totpStepAt(atMs: number, period: number): number {
  return Math.floor(Math.floor(atMs / 1000) / period);
}

/** The code of `step` for a decoded secret (used by `moatkit/testing`'s helpers). */
export function totpCodeForStep(
  secret: Uint8Array,
  step: number,
  options: { readonly algorithm: TotpAlgorithm; readonly digits: number; readonly period: number },
): string {
  return generateSync({
    strategy: "totp",
    secret,
    algorithm: OTPLIB_ALGORITHM[options.algorithm],
    digits: options.digits,
    period: options.period,
    epoch: step * options.period,
    crypto: otpCrypto,
  });
}

/**
 * Creates a TOTP enroller and verifier with replay protection.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createTotp } from "moatkit/mfa";
 * import { createMemoryTotpStepStore } from "moatkit/adapters/memory";
 * const totp = createTotp({ issuer: "Acme", store: createMemoryTotpStepStore() });
 * const { secret, uri } = totp.enroll({ accountName: "ada@example.com" });
 * // show uri.reveal() as a QR code, store secret.reveal() encrypted, then:
 * const result = await totp.verify({ userId: "u1", secret, code: "123 456" });
 * if (!result.ok) console.log(result.reason); // "malformed" | "invalid" | "replayed"
 * ```
 */
export function createTotp(options: TotpOptions): Totp {
  const opts = parseOptions(optionsSchema, options, "createTotp options");
  const { issuer, algorithm, digits, period, window, secretBytes } = opts;
  const store = wrapStore("totpSteps", opts.store, TOTP_STEP_STORE_METHODS);
  const now = options.now ?? systemClock;
  const random = options.random ?? systemRandom;

  function currentEpochSeconds(): number {
    const ms = now();
    if (!Number.isSafeInteger(Math.floor(ms)) || ms < 0) {
      throw new MoatError("ERR_CONFIG", { message: "the clock returned an invalid time" });
    }
    return Math.floor(ms / 1000);
  }

  return {
    enroll(input) {
      const { accountName } = parseInput(enrollSchema, input, "TOTP enroll input");
      const secret = encodeTotpSecret(randomBytes(random, secretBytes));
      const uri = generateURI({
        issuer,
        label: accountName,
        secret,
        algorithm: OTPLIB_ALGORITHM[algorithm],
        digits,
        period,
      });
      return { secret: new Secret(secret), uri: new Secret(uri) };
    },

    async verify(input) {
      const { userId, secret, code } = parseInput(verifySchema, input, "TOTP verify input");
      const key = decodeTotpSecret(secret);
      const token = normalizeTotpCode(code, digits);
      if (token === null) return { ok: false, reason: "malformed" };

      const match = await otpVerify({
        strategy: "totp",
        secret: key,
        token,
        algorithm: OTPLIB_ALGORITHM[algorithm],
        digits,
        period,
        epoch: currentEpochSeconds(),
        epochTolerance: window * period,
        crypto: otpCrypto,
      });
      if (!match.valid || !("timeStep" in match)) return { ok: false, reason: "invalid" };

      const step = match.timeStep;
      const advanced: unknown = await store.advanceTotpStep(userId, step);
      if (typeof advanced !== "boolean") {
        throw new MoatError("ERR_STORE", { message: "totpSteps store returned a non-boolean from advanceTotpStep" });
      }
      return advanced ? { ok: true, step } : { ok: false, reason: "replayed" };
    },
  };
}
