/**
 * jose reports every verification failure as an error with a stable `code` (and, for claim
 * failures, the claim). This maps them onto moatkit's closed set of reasons, so callers switch
 * on a reason instead of catching a library's error classes.
 */
import { errors } from "jose";

/** Every reason a token can fail verification for. */
export type TokenFailureReason =
  | "malformed"
  | "invalid_signature"
  | "expired"
  | "not_yet_valid"
  | "unknown_key"
  | "wrong_audience"
  | "wrong_issuer"
  | "revoked"
  /** A remote key set could not fetch a usable JWKS (outage, timeout, refused response). */
  | "keys_unavailable";

const CLAIM_REASONS: Readonly<Record<string, TokenFailureReason>> = {
  nbf: "not_yet_valid",
  aud: "wrong_audience",
  iss: "wrong_issuer",
  exp: "expired",
};

/**
 * The reason for a jose error, or `undefined` for an error that is not jose's (a bug or a
 * runtime failure, which the caller rethrows rather than reporting as a bad token). Every other
 * jose error (bad structure, bad base64url or JSON, unsupported `crit`) is `malformed`.
 */
export function joseFailureReason(err: unknown): TokenFailureReason | undefined {
  if (!(err instanceof errors.JOSEError)) return undefined;
  if (err instanceof errors.JWSSignatureVerificationFailed) return "invalid_signature";
  // `alg: none`, or any algorithm the key set does not use: there is no valid signature.
  if (err instanceof errors.JOSEAlgNotAllowed) return "invalid_signature";
  if (err instanceof errors.JWTExpired) return "expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    // A required claim that is missing, or a claim of the wrong type, is a malformed token.
    if (err.reason !== "check_failed") return "malformed";
    return CLAIM_REASONS[err.claim] ?? "malformed";
  }
  return "malformed";
}
