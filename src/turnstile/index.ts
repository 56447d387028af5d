/**
 * Cloudflare Turnstile, verified server-side and failing closed: only a clear success for the
 * expected hostname and action passes; errors, timeouts and odd answers refuse the token.
 *
 * @example
 * ```ts
 * import { verifyTurnstile } from "moatkit/turnstile";
 * // clientIp: the caller's address (with moatkit/express, clientAddress(req))
 * const check = await verifyTurnstile(token, { secret, remoteIp: clientIp, expectedAction: "login" });
 * ```
 *
 * @module
 */
export {
  verifyTurnstile,
  TURNSTILE_VERIFY_URL,
  TURNSTILE_MAX_TOKEN_LENGTH,
  type TurnstileOptions,
  type TurnstileVerifyResult,
  type TurnstileFailureReason,
  type TurnstileFetch,
  type TurnstileFetchInit,
  type TurnstileFetchResponse,
} from "./verify-turnstile.js";
