/**
 * Express middleware with safe defaults, one line per control. Each export is a factory that
 * returns an express 5 middleware (typed against node:http, so `@types/express` is not needed).
 * Requires the optional peers `express` (≥ 5) and `helmet` (≥ 8).
 *
 * Per-request state (context, deadline signal, subject, widget key) is kept in WeakMaps keyed by
 * the request and read through accessors such as {@link getRequestContext} and
 * {@link getSubject}, never through properties on `req`.
 *
 * @example
 * ```ts
 * import express from "express";
 * import { bodyLimit, errorHandler, requestContext, requestTimeout, securityHeaders } from "moatkit/express";
 *
 * const app = express();
 * app.use(requestContext());
 * app.use(securityHeaders());
 * app.use(bodyLimit("10mb"));
 * app.use(requestTimeout({ timeout: 30_000 }));
 * app.use(express.json({ limit: "10mb" }));
 * // … routes …
 * app.use(errorHandler());
 * ```
 *
 * @module
 */
export type { ErrorMiddleware, Middleware, NextFunction } from "./types.js";
export { securityHeaders, STRICT_CSP_DIRECTIVES, type SecurityHeadersOptions } from "./security-headers.js";
export { bodyLimit } from "./body-limit.js";
export type { ByteSize } from "./byte-size.js";
export { requestTimeout, getRequestSignal, type RequestTimeoutOptions } from "./request-timeout.js";
export { serverTimeouts, type ServerTimeoutsOptions, type TimeoutServer } from "./server-timeouts.js";
export type { Duration } from "../_internal/duration.js";
export {
  requestContext,
  getRequestContext,
  currentRequestContext,
  type RequestContext,
  type RequestContextOptions,
} from "./request-context.js";
export { clientAddress } from "./client-address.js";
export type { TrustProxy } from "../_internal/client-ip.js";
export { setSubject, getSubject, type RequestSubject } from "./subject.js";
export { requireRole, requirePermission } from "./rbac-guards.js";
export { authenticate, type AuthenticateOptions, type AccessTokenVerifier } from "./authenticate.js";
export { apiKeyAuth, getApiKey, apiKeyRedaction, type ApiKeyAuthOptions, type ApiKeyVerifier } from "./api-key-auth.js";
export {
  requireMfa,
  DEFAULT_MFA_METHODS,
  type RequireMfaOptions,
  type MfaRequired,
  type MfaPolicySettings,
} from "./require-mfa.js";
export { tenantScope, type TenantScopeOptions, type TenantScopeContext } from "./tenant-scope.js";
export { originAllowlist, getWidgetKey, type OriginAllowlistOptions } from "./origin-allowlist.js";
export {
  csrfProtection,
  type CsrfProtectionOptions,
  type CsrfTokenOptions,
  type CsrfMiddleware,
  type CsrfRefusal,
} from "./csrf.js";
export { errorHandler, type ErrorHandlerOptions, type ErrorResponseInfo } from "./error-handler.js";
export {
  refreshCookie,
  type RefreshCookie,
  type RefreshCookieOptions,
  type RefreshCookieSessions,
  type RefreshResponseBody,
} from "./refresh-cookie.js";
export {
  credentialError,
  isCredentialError,
  type CredentialError,
  type CredentialErrorOptions,
} from "./credential-error.js";
export {
  HTTP_ERROR_STATUS,
  CREDENTIAL_REASON_STATUS,
  type ErrorBodyFormat,
  type HttpErrorCode,
} from "./http-errors.js";
export { rateLimit, type RateLimitOptions } from "./rate-limit.js";
export type { RateLimiter, RateLimitResult } from "../ratelimit/rate-limiter.js";
export { turnstile, type TurnstileMiddlewareOptions } from "./turnstile.js";
export type { TurnstileFetch, TurnstileVerifyResult } from "../turnstile/verify-turnstile.js";
export {
  redactLogs,
  getRequestLogger,
  type LogMethod,
  type PinoLikeLogger,
  type RedactLogsOptions,
  type RequestLogger,
} from "./redact-logs.js";
export {
  auditTrail,
  recordAudit,
  type AuditTrailOptions,
  type AuditTrailTarget,
  type RecordAuditInput,
} from "./audit-trail.js";
