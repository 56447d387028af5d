/**
 * `apiKeyAuth()`: verifies a moatkit/apikeys key from `X-Api-Key` (or `Authorization: Bearer`
 * when the value is shaped like a key) and records the request's subject. The key manager is
 * passed in and only its types are imported here.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import type { ApiKeyVerifyOptions } from "../apikeys/api-key-input.js";
import type { ApiKeyVerifyResult } from "../apikeys/api-key-results.js";
import { parseApiKey } from "../apikeys/format.js";
import type { ApiKeyInfo } from "../apikeys/record.js";
import type { ApiKeyRedaction } from "../redact/policy.js";
import { MAX_SCOPES, SCOPE_RE } from "../apikeys/scopes.js";
import { ABSENT, INVALID, bearerToken, resolveSubject, sendCredentialFailure, type Presented } from "./credentials.js";
import { headerNameSchema } from "./header-name.js";
import { sendError, sendHttpError } from "./http-errors.js";
import { checkSubject, getSubject, setSubject, type RequestSubject } from "./subject.js";
import type { Middleware, NextFunction } from "./types.js";

/** What `apiKeyAuth` needs of a key manager: `verify`. `createApiKeys(…)` from moatkit/apikeys fits. */
export interface ApiKeyVerifier {
  /** Verifies a presented key, with required scopes; never throws for a bad key. */
  verify(key: unknown, options?: ApiKeyVerifyOptions): Promise<ApiKeyVerifyResult>;
}

/** Options of {@link apiKeyAuth}. */
export interface ApiKeyAuthOptions {
  /** The key manager from `createApiKeys(…)`. */
  readonly apiKeys: ApiKeyVerifier;
  /** Scopes the key must all have; a key without them gets 403 `insufficient_scope`. */
  readonly scopes?: readonly string[] | undefined;
  /** The header carrying the key (default `"x-api-key"`). */
  readonly header?: string | undefined;
  /**
   * Maps the verified key to the subject. Return `null` to refuse the key: 401
   * `ERR_UNAUTHENTICATED`. A subject `setSubject` would refuse is a bug, passed to `next` as
   * `ERR_CONFIG`. Default: see {@link apiKeyAuth}.
   */
  readonly toSubject?:
    ((key: ApiKeyInfo, req: IncomingMessage) => RequestSubject | null | Promise<RequestSubject | null>) | undefined;
  /**
   * Lets requests without any key through (no subject), so `authenticate` can be mounted after
   * it for routes that take either. A key that is sent and fails is refused all the same.
   */
  readonly optional?: boolean | undefined;
}

const optionsSchema = z.strictObject({
  apiKeys: z.custom<ApiKeyVerifier>(
    (v) => typeof v === "object" && v !== null && typeof Reflect.get(v, "verify") === "function",
    "expected a key manager from createApiKeys()",
  ),
  // moatkit/apikeys' scope syntax, checked here so a typo is a start-up error.
  scopes: z
    .array(z.string().regex(SCOPE_RE, "scopes are 1-128 printable ASCII characters without spaces"))
    .max(MAX_SCOPES)
    .optional(),
  header: headerNameSchema.optional(),
  toSubject: functionSchema<NonNullable<ApiKeyAuthOptions["toSubject"]>>().optional(),
  optional: z.boolean().optional(),
});

const keys = new WeakMap<IncomingMessage, ApiKeyInfo>();

const CHALLENGE = Object.freeze({ "www-authenticate": "Bearer" });

/** The default mapping: the key's id, `metadata.role` (default `"apikey"`), tenant and scopes. */
function defaultSubject(key: ApiKeyInfo): RequestSubject | null {
  const role: unknown = Object.hasOwn(key.metadata, "role") ? key.metadata["role"] : "apikey";
  try {
    return checkSubject({
      id: key.id,
      role,
      ...(key.tenantId === null ? {} : { tenantId: key.tenantId }),
      scopes: key.scopes,
    });
  } catch {
    return null;
  }
}

function presentedKey(req: IncomingMessage, header: string): Presented {
  const raw = req.headers[header];
  const fromHeader: Presented =
    raw === undefined ? ABSENT : typeof raw === "string" && raw !== "" ? { kind: "present", value: raw } : INVALID;
  const bearer = bearerToken(req);
  // A bearer token is the key's only if it is shaped like one; otherwise it is a JWT for authenticate().
  if (bearer.kind !== "present" || parseApiKey(bearer.value) === null) return fromHeader;
  if (fromHeader.kind === "absent") return bearer;
  return fromHeader.kind === "present" && fromHeader.value === bearer.value ? fromHeader : INVALID;
}

function hasScopes(granted: readonly string[] | undefined, required: readonly string[]): boolean {
  return required.every((scope) => granted?.includes(scope) === true);
}

/**
 * Verifies the request's API key with moatkit/apikeys and records its subject; handlers read the
 * key's metadata with {@link getApiKey}. The key comes from the `X-Api-Key` header (or `header`),
 * or from `Authorization: Bearer` when the token is shaped like an API key (`acme_live_…`); both
 * present and different → 401.
 *
 * - No key: 401 `ERR_UNAUTHENTICATED`, or no subject with `optional`.
 * - A key that fails: 401 with `{ "error": "revoked" }` or `"expired"`, `ERR_UNAUTHENTICATED`
 *   for a malformed, mistyped or unknown key; 403 `insufficient_scope` without the `scopes`.
 * - A request that already has a subject is not verified again: with `scopes`, the subject's
 *   `scopes` must include them (403 `insufficient_scope` otherwise), so route-level
 *   `apiKeyAuth({ apiKeys, scopes })` after an app-level `apiKeyAuth({ apiKeys })` checks the
 *   scopes of the key already verified. A subject from a session has no scopes unless your
 *   `toSubject` gives it some.
 *
 * The default subject is `{ id: key id, role: metadata.role ?? "apikey", tenantId, scopes }`.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * const apiKeys = createApiKeys({ prefix: "acme", store });
 * app.use("/api", apiKeyAuth({ apiKeys, optional: true }), authenticate({ tokens: sessions }));
 * app.post("/api/deploys", apiKeyAuth({ apiKeys, scopes: ["deploys:write"] }), createDeploy);
 * ```
 */
export function apiKeyAuth(options: ApiKeyAuthOptions): Middleware {
  const parsed = parseOptions(optionsSchema, options, "apiKeyAuth options");
  const { apiKeys, toSubject } = parsed;
  const scopes: readonly string[] = Object.freeze([...new Set(parsed.scopes ?? [])]);
  const verifyOptions: ApiKeyVerifyOptions = scopes.length === 0 ? {} : { scopes };
  const header = (parsed.header ?? "x-api-key").toLowerCase();
  const optional = parsed.optional ?? false;

  async function run(req: IncomingMessage, res: ServerResponse, next: NextFunction): Promise<void> {
    const presented = presentedKey(req, header);
    if (presented.kind === "absent") {
      if (optional) next();
      else sendHttpError(res, "ERR_UNAUTHENTICATED", CHALLENGE);
      return;
    }
    if (presented.kind === "invalid") {
      sendCredentialFailure(res, "malformed");
      return;
    }
    const result = await apiKeys.verify(presented.value, verifyOptions);
    if (!result.ok) {
      sendCredentialFailure(res, result.reason);
      return;
    }
    const subject = await resolveSubject(result.record, req, toSubject, defaultSubject, "apiKeyAuth");
    if (subject instanceof MoatError) {
      next(subject);
      return;
    }
    if (subject === null) {
      sendCredentialFailure(res, "invalid_subject");
      return;
    }
    setSubject(req, subject);
    keys.set(req, result.record);
    next();
  }

  return function moatkitApiKeyAuth(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const existing = getSubject(req);
    if (existing !== undefined) {
      const granted = keys.get(req)?.scopes ?? existing.scopes;
      if (hasScopes(granted, scopes)) next();
      else sendError(res, 403, "insufficient_scope");
      return;
    }
    run(req, res, next).catch(next);
  };
}

/**
 * The API key `apiKeyAuth()` verified for `req`: id, preview, owner, tenant, scopes, metadata,
 * redaction setting — never the key or its hash. Undefined when the request was not
 * authenticated by an API key.
 *
 * @example
 * ```ts
 * app.get("/api/whoami", (req, res) => res.json({ key: getApiKey(req)?.preview }));
 * ```
 */
export function getApiKey(req: IncomingMessage): ApiKeyInfo | undefined {
  return keys.get(req);
}

/**
 * Whether the API key that authenticated `req` forces PII redaction: `true` for a key whose
 * `redaction` is `"on"`, `false` for `"off"`, undefined for `"inherit"` or when no API key
 * authenticated the request — then the organisation's setting applies.
 *
 * @example
 * ```ts
 * const redact = apiKeyRedaction(req) ?? orgRedacts(req);
 * ```
 */
export function apiKeyRedaction(req: IncomingMessage): boolean | undefined {
  const setting: ApiKeyRedaction | undefined = keys.get(req)?.redaction;
  return setting === "on" ? true : setting === "off" ? false : undefined;
}
