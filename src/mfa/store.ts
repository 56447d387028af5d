/**
 * The storage contracts of `moatkit/mfa`. Memory, Postgres and Redis implementations live in
 * `moatkit/adapters/*`; any other implementation can prove itself with the conformance suite in
 * `moatkit/testing` (stores `totpSteps` and `recoveryCodes`).
 */
import { MoatError } from "../errors.js";

/**
 * The last TOTP time step each user had accepted. RFC 6238 §5.2: a verifier must not accept the
 * second attempt of a code; comparing steps (not codes) also refuses every code of an earlier
 * step.
 */
export interface TotpStepStore {
  /**
   * Atomically records `step` as the user's last accepted step if, and only if, it is greater
   * than the one recorded (or none is). Returns whether it did. Of N concurrent calls with the
   * same step, exactly one returns `true`.
   */
  advanceTotpStep(userId: string, step: number): Promise<boolean>;
  /** The user's last accepted step, or `null` if none was ever accepted. */
  getLastTotpStep(userId: string): Promise<number | null>;
}

/** The methods every {@link TotpStepStore} has (checked at construction and by the suite). */
export const TOTP_STEP_STORE_METHODS: readonly (keyof TotpStepStore)[] = ["advanceTotpStep", "getLastTotpStep"];

/** One stored recovery code: its lookup selector and its bcrypt hash (never the code). */
export interface RecoveryCodeEntry {
  /** A short keyed digest of the code, unique among the user's codes; picks the one hash to compare. */
  readonly selector: string;
  /** bcrypt hash of the normalized code. */
  readonly hash: string;
}

/** The unused recovery codes of each user. */
export interface RecoveryCodeStore {
  /**
   * Atomically replaces the user's whole set with `entries` (an empty list removes them all).
   * Concurrent replacements leave exactly one of the sets, never a mix.
   */
  replaceRecoveryCodes(userId: string, entries: readonly RecoveryCodeEntry[]): Promise<void>;
  /** The hash stored under `selector` for the user, or `null`. */
  findRecoveryCode(userId: string, selector: string): Promise<string | null>;
  /**
   * Atomically removes the entry `selector` if it still holds `hash`, and returns how many codes
   * the user has left; `null` if there was no such entry (already used, or replaced). Of N
   * concurrent calls for one entry, exactly one returns a number.
   */
  consumeRecoveryCode(userId: string, selector: string, hash: string): Promise<number | null>;
  /** How many unused codes the user has. */
  countRecoveryCodes(userId: string): Promise<number>;
}

/** The methods every {@link RecoveryCodeStore} has (checked at construction and by the suite). */
export const RECOVERY_CODE_STORE_METHODS: readonly (keyof RecoveryCodeStore)[] = [
  "replaceRecoveryCodes",
  "findRecoveryCode",
  "consumeRecoveryCode",
  "countRecoveryCodes",
];

/**
 * Checks a step before a store writes it: TOTP steps are non-negative safe integers. Part of the
 * store contract: `advanceTotpStep` must call it first, so a bad step fails the same way in every
 * store (the conformance suite checks it), and never reaches a column that would round or wrap it.
 *
 * @throws MoatError ERR_INVALID_INPUT when `step` is not a non-negative safe integer.
 * @example
 * ```ts
 * import { requireTotpStep } from "moatkit/stores";
 * async advanceTotpStep(userId, step) {
 *   requireTotpStep(step);
 *   // INSERT … or UPDATE … SET last_step = ? WHERE user_id = ? AND last_step < ?
 * }
 * ```
 */
export function requireTotpStep(step: unknown): number {
  if (typeof step !== "number" || !Number.isSafeInteger(step) || step < 0) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "TOTP step must be a non-negative safe integer" });
  }
  return step;
}
