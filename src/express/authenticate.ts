/**
 * `authenticate()`: verifies a moatkit/sessions access token (a JWT) from `Authorization: Bearer`
 * or a cookie and records the request's subject. The token service is passed in, so this module
 * only imports its types and moatkit/express never loads jose.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import type { AccessTokenClaims, TokenVerifyResult } from "../sessions/tokens.js";
import {
  COOKIE_NAME_RE,
  bearerToken,
  cookieValue,
  resolveSubject,
  sendCredentialFailure,
  type Presented,
} from "./credentials.js";
import { sendHttpError } from "./http-errors.js";
import { checkSubject, getSubject, setSubject, type RequestSubject } from "./subject.js";
import type { Middleware, NextFunction } from "./types.js";

/**
 * What `authenticate` needs of a token service: `verify`. Both `createTokens(…)` and
 * `createSessions(…)` from moatkit/sessions fit; sessions also refuse tokens of revoked sessions.
 */
export interface AccessTokenVerifier {
  /** Verifies an access token; never throws for a bad token. */
  verify(token: string): Promise<TokenVerifyResult>;
}

/** Options of {@link authenticate}. */
export interface AuthenticateOptions {
  /** The token service: `createSessions(…)` (checks the session is live) or `createTokens(…)`. */
  readonly tokens: AccessTokenVerifier;
  /**
   * Maps verified claims to the subject. Return `null` to refuse the token (a suspended user):
   * 401 `ERR_UNAUTHENTICATED`. A subject `setSubject` would refuse is a bug, passed to `next` as
   * `ERR_CONFIG`. Default: see {@link authenticate}.
   */
  readonly toSubject?:
    | ((claims: AccessTokenClaims, req: IncomingMessage) => RequestSubject | null | Promise<RequestSubject | null>)
    | undefined;
  /**
   * A cookie to read the token from when there is no `Authorization: Bearer` header. A browser
   * sends cookies with cross-site requests too: pair cookie authentication with `SameSite` cookies
   * and CSRF protection.
   */
  readonly cookie?: string | undefined;
  /**
   * Lets requests without any token through anonymously (no subject), for routes that serve both.
   * A token that is sent and fails verification is refused all the same. Default false.
   */
  readonly optional?: boolean | undefined;
}

const optionsSchema = z.strictObject({
  tokens: z.custom<AccessTokenVerifier>(
    (v) => typeof v === "object" && v !== null && typeof Reflect.get(v, "verify") === "function",
    "expected a token service from createSessions() or createTokens()",
  ),
  toSubject: functionSchema<NonNullable<AuthenticateOptions["toSubject"]>>().optional(),
  cookie: z.string().regex(COOKIE_NAME_RE, "a cookie name").optional(),
  optional: z.boolean().optional(),
});

const MISSING_CHALLENGE = Object.freeze({ "www-authenticate": "Bearer" });
const INVALID_CHALLENGE = Object.freeze({ "www-authenticate": 'Bearer error="invalid_token"' });

/**
 * The default mapping: `sub`, `role`, `tid`, `amr`, and `auth_time` (or `iat`). A token without
 * `sub` or `role`, or with a claim of the wrong shape, is not a credential this app accepts.
 */
function defaultSubject(claims: AccessTokenClaims): RequestSubject | null {
  const authTime = typeof claims["auth_time"] === "number" ? claims["auth_time"] : claims.iat;
  const candidate = {
    id: claims.sub,
    role: claims["role"],
    ...(claims["tid"] === undefined ? {} : { tenantId: claims["tid"] }),
    ...(claims["amr"] === undefined ? {} : { amr: claims["amr"] }),
    ...(authTime === undefined ? {} : { authTime }),
  };
  try {
    return checkSubject(candidate);
  } catch {
    return null;
  }
}

function presentedToken(req: IncomingMessage, cookie: string | undefined): Presented {
  const fromHeader = bearerToken(req);
  if (fromHeader.kind !== "absent" || cookie === undefined) return fromHeader;
  return cookieValue(req, cookie);
}

/**
 * Verifies the request's access token and records its subject (read it with `getSubject`).
 * The token comes from `Authorization: Bearer <jwt>`, or from the `cookie` option's cookie when
 * there is no such header.
 *
 * - No token: 401 `ERR_UNAUTHENTICATED` with `WWW-Authenticate: Bearer`, or anonymous with
 *   `optional`.
 * - A token that fails verification: 401, `{ "error": "expired" }` or `"revoked"` (the client
 *   can act on those), `ERR_UNAUTHENTICATED` for every other reason.
 * - A request that already has a subject (from `apiKeyAuth` mounted before) passes untouched.
 *
 * The default subject is `{ id: sub, role: role, tenantId: tid, amr, authTime: auth_time ?? iat }`.
 * Put `role`, `tid`, `amr` and `auth_time` in the claims at sign-in
 * (`sessions.start(userId, { role, tid, amr: ["pwd", "otp"], auth_time })`): sessions keep them
 * across refreshes, whereas `iat` is renewed by each refresh, so without `auth_time`,
 * `requireMfa({ maxAge })` would count from the last refresh.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * const sessions = createSessions({ tokens, store });
 * app.use("/api", authenticate({ tokens: sessions }));
 * app.get("/api/me", (req, res) => res.json(getSubject(req)));
 * ```
 */
export function authenticate(options: AuthenticateOptions): Middleware {
  const parsed = parseOptions(optionsSchema, options, "authenticate options");
  const { tokens, toSubject, cookie } = parsed;
  const optional = parsed.optional ?? false;

  async function run(req: IncomingMessage, res: ServerResponse, next: NextFunction): Promise<void> {
    const presented = presentedToken(req, cookie);
    if (presented.kind === "absent") {
      if (optional) next();
      else sendHttpError(res, "ERR_UNAUTHENTICATED", MISSING_CHALLENGE);
      return;
    }
    if (presented.kind === "invalid") {
      sendCredentialFailure(res, "malformed", INVALID_CHALLENGE);
      return;
    }
    const result = await tokens.verify(presented.value);
    if (!result.ok) {
      sendCredentialFailure(res, result.reason, INVALID_CHALLENGE);
      return;
    }
    const subject = await resolveSubject(result.claims, req, toSubject, defaultSubject, "authenticate");
    if (subject instanceof MoatError) {
      next(subject);
      return;
    }
    if (subject === null) {
      sendCredentialFailure(res, "invalid_subject", INVALID_CHALLENGE);
      return;
    }
    setSubject(req, subject);
    next();
  }

  return function moatkitAuthenticate(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    if (getSubject(req) !== undefined) {
      next();
      return;
    }
    run(req, res, next).catch(next);
  };
}
