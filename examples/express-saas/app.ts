/**
 * A small multi-tenant SaaS API built from moatkit's parts: signup behind Turnstile, bcrypt
 * logins rate limited per IP, JWT sessions with `amr`, TOTP step-up and recovery codes, API keys
 * with scopes, tenant notes encrypted per row under forced RLS, an audit chain of every write,
 * and request logs with PII redacted per organisation. The owner role migrates; every query runs
 * as the app role (subject to RLS, no access to the audit log) and every audit write as an
 * insert-only audit role, which is checked at start.
 *
 * `createApp(options)` builds it and returns `{ app, close }`; `server.ts` runs it.
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import express, { type Request, type Response } from "express";
import { pino } from "pino";
import {
  createPostgresApiKeyStore,
  createPostgresAuditStore,
  createPostgresDataKeyStore,
  createPostgresOneTimeTokenStore,
  createPostgresRecoveryCodeStore,
  createPostgresRefreshSessionStore,
  createPostgresTotpStepStore,
} from "moatkit/adapters/postgres";
import { createApiKeys } from "moatkit/apikeys";
import { createAuditLog } from "moatkit/audit";
import { createEnvelope } from "moatkit/crypto";
import {
  apiKeyAuth,
  auditTrail,
  authenticate,
  bodyLimit,
  csrfProtection,
  errorHandler,
  getRequestLogger,
  redactLogs,
  refreshCookie,
  requestContext,
  requestTimeout,
  securityHeaders,
  tenantScope,
} from "moatkit/express";
import { createRecoveryCodes, createTotp } from "moatkit/mfa";
import { createLogin, createPasswordPolicy } from "moatkit/passwords";
import { createKeySet, createOneTimeTokens, createSessions, createTokens, generateSigningKey } from "moatkit/sessions";
import { createTenantRls } from "moatkit/tenant";
import type { SaasApp, SaasAppOptions } from "./app-options.js";
import { type Database, asRole, checkAuditRole, migrateDatabase, openDatabase, prepareAppRole } from "./db.js";
import { type LimitStore, createLimiters, openLimitStore } from "./limits.js";
import { cookieOf, loadOrgSettings, orgRedaction, subjectOf, usersOnly, verifiedEmail } from "./middleware.js";
import { accountRoutes } from "./routes/account.js";
import { adminRoutes } from "./routes/admin.js";
import { authRoutes } from "./routes/auth.js";
import { keyRoutes } from "./routes/keys.js";
import { mfaRoutes } from "./routes/mfa.js";
import { noteRoutes } from "./routes/notes.js";
import { recoveryRoutes } from "./routes/recovery.js";
import { type Guards, type Services, type UserRow, STEP_UP_PROOF_TTL, findUserByEmail } from "./services.js";
import { touchSignIn } from "./sign-ins.js";

export type { SaasApp, SaasAppOptions, SaasStores } from "./app-options.js";

const PUBLIC_DIR = fileURLToPath(new URL("./public/", import.meta.url));

/**
 * Builds the app: opens and migrates the database, checks its RLS, and wires the middleware.
 *
 * @example
 * ```ts
 * const { app, close } = await createApp({ keyring: keyringFromEnv(), turnstile: { secret: process.env.TURNSTILE_SECRET! } });
 * const server = app.listen(3000);
 * ```
 */
export async function createApp(options: SaasAppOptions): Promise<SaasApp> {
  const now = options.now ?? Date.now;
  const passwordCost = options.passwordCost ?? 12;
  const appRole = options.appRole ?? "saas_app";
  const auditRole = options.auditRole ?? "moatkit_audit_writer";
  const database = await openDatabase(options.database);
  let appDatabase: Database | undefined;
  let limits: LimitStore | undefined;
  const closeAll = async (): Promise<void> => {
    await limits?.close();
    await appDatabase?.close();
    await database.close();
  };
  try {
    limits = await openLimitStore(options.redis, options.redisKeyPrefix ?? "saas:");
    // The owner migrates and grants; from here on every query runs as the app role and every
    // audit write as the audit role, which must be insert-only.
    await migrateDatabase(database.client);
    await prepareAppRole(database.client, appRole);
    if (options.appDatabase !== undefined) appDatabase = await openDatabase(options.appDatabase);
    const connection = appDatabase?.client ?? database.client;
    const db = asRole(connection, appRole);
    const auditDb = asRole(connection, auditRole);
    await checkAuditRole(auditDb, db);

    const signingKey = options.signingKey ?? (await generateSigningKey("EdDSA"));
    const keys = createKeySet([signingKey], { now });
    const tokens = createTokens({
      keys,
      issuer: "express-saas",
      audience: "express-saas",
      accessTtl: "15m",
      // A token is only as good as the membership behind it: a removed user or a changed role
      // stops its tokens at once instead of when they expire.
      revalidate: async (claims) => {
        const { rows } = await db.query<{ role: string }>("SELECT role FROM saas_users WHERE id = $1 AND org_id = $2", [
          claims.sub ?? "",
          claims["tid"] ?? "",
        ]);
        return rows[0]?.role === claims["role"];
      },
      now,
    });
    const stores = options.stores ?? {};
    const refreshSessionStore = stores.refreshSessions ?? createPostgresRefreshSessionStore({ client: db });
    const sessions = createSessions({ tokens, store: refreshSessionStore, refreshTtl: "30d", now });
    const oneTimeTokenStore = stores.oneTimeTokens ?? createPostgresOneTimeTokenStore({ client: db });
    const firstOrigin = typeof options.origin === "string" ? options.origin : options.origin?.[0];
    const insecureCookies = options.insecureDevelopmentCookie === true;
    const refresh = refreshCookie({ sessions, now, ...(insecureCookies ? { insecureDevelopmentCookie: true } : {}) });
    const services: Services = {
      db,
      rls: createTenantRls({ appRole, now }),
      envelope: createEnvelope({
        keyring: options.keyring,
        dataKeys: stores.dataKeys ?? createPostgresDataKeyStore({ client: db }),
        now,
      }),
      apiKeys: createApiKeys({
        prefix: "saas",
        store: stores.apiKeys ?? createPostgresApiKeyStore({ client: db }),
        pepper: options.apiKeyPepper ?? randomBytes(32),
        now,
      }),
      tokens,
      totp: createTotp({
        issuer: "express-saas",
        store: stores.totpSteps ?? createPostgresTotpStepStore({ client: db }),
        now,
      }),
      recovery: createRecoveryCodes({
        store: stores.recoveryCodes ?? createPostgresRecoveryCodeStore({ client: db }),
        selectorKey: options.recoverySelectorKey ?? randomBytes(32),
        cost: passwordCost,
      }),
      auditLog: createAuditLog({ store: stores.audit ?? createPostgresAuditStore({ client: auditDb }), now }),
      login: createLogin<UserRow>({ findUser: (email) => findUserByEmail(db, email), cost: passwordCost }),
      sessions,
      refreshSessionStore,
      refreshCookie: refresh,
      verifications: createOneTimeTokens({ store: oneTimeTokenStore, purpose: "email-verification", ttl: "24h", now }),
      resets: createOneTimeTokens({
        store: oneTimeTokenStore,
        purpose: "password-reset",
        ttl: options.resetLinkTtl ?? "2h",
        now,
      }),
      // Same keys, another audience: a proof is not an access token, nor the other way round.
      stepUps: createTokens({
        keys,
        issuer: "express-saas",
        audience: "express-saas/step-up",
        accessTtl: STEP_UP_PROOF_TTL,
        now,
      }),
      publicUrl: (options.publicUrl ?? firstOrigin ?? "").replace(/\/+$/, ""),
      // The shipped common-password list and context words, offline. A breached-password lookup
      // (createBreachedPasswordCheck, Pwned Passwords range API) is one option away: `breached`.
      passwordPolicy: createPasswordPolicy({ minLength: 10, maxLength: 72, serviceName: "express-saas" }),
      ...createLimiters(limits.store, now),
      turnstile: options.turnstile,
      passwordCost,
      now,
    };

    const logger = pino({ level: options.logLevel ?? "info", base: null }, options.logDestination ?? process.stdout);

    const app = express();
    app.disable("x-powered-by");
    app.set("query parser", "simple");
    // One client address: moatkit's trustProxy, and express's own setting to match (req.ip,
    // req.protocol); routes read the address with clientAddress(req).
    if (options.trustProxy !== undefined) app.set("trust proxy", options.trustProxy);
    app.use(requestContext(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }));
    app.use(securityHeaders());
    app.use(
      redactLogs(logger, {
        // The org's toggle, once the request is authenticated (on until then); an API key's own
        // "on"/"off" wins over it (redactLogs' default override, apiKeyRedaction).
        enabled: (req) => orgRedaction.get(req) ?? true,
        now,
      }),
    );
    app.use(bodyLimit("64kb"));
    app.use(requestTimeout({ timeout: 10_000 }));
    app.use(express.json({ limit: "64kb" }));
    app.use(express.urlencoded({ extended: false, limit: "64kb" }));
    // Every unsafe request from a browser must come from the app's own origin (Fetch Metadata,
    // then Origin, then Referer); a browser sending none of them and a cookie needs the
    // double-submit token, bound to its refresh cookie. API clients send no cookie and pass.
    const csrf = csrfProtection({
      ...(options.origin === undefined
        ? {}
        : { origin: typeof options.origin === "string" ? options.origin : [...options.origin] }),
      token: {
        secret: options.csrfSecret ?? randomBytes(32),
        sessionId: (req) => cookieOf(req, refresh.name),
        ...(insecureCookies ? { insecureCookie: true } : {}),
      },
    });
    app.use(csrf);
    app.use(
      auditTrail(services.auditLog, {
        onError: (err) => {
          logger.error({ err }, "audit write failed");
        },
      }),
    );

    app.get("/health", (_req, res) => {
      res.json({ ok: true });
    });

    // The browser front end: one static page and its script (CSP: scripts from 'self' only).
    app.use(express.static(PUBLIC_DIR, { index: "index.html", dotfiles: "ignore" }));
    // The CSRF token for browsers that send no Fetch Metadata, Origin or Referer.
    app.get("/auth/csrf", (req, res) => {
      res.setHeader("cache-control", "no-store");
      res.json({ csrfToken: csrf.token(req, res) });
    });

    // Public: signup, login, refresh and logout; email verification, forgotten password.
    app.use(authRoutes(services));
    app.use(recoveryRoutes(services));

    // Notes accept an API key (x-api-key, with the route's scope) as well as a session; every
    // other route needs a person's session. Access tokens are checked against their session
    // (sessions.verify), so a revoked session's tokens stop at once, stepped-up ones included.
    const session = [authenticate({ tokens: sessions, toSubject: subjectOf }), tenantScope(), loadOrgSettings(db)];
    const account = [...session, usersOnly, touchSignIn(services)];
    const guards: Guards = {
      account,
      user: [...account, verifiedEmail(db)],
      keyOrUser: (scope) => [
        apiKeyAuth({ apiKeys: services.apiKeys, scopes: [scope], optional: true }),
        ...session,
        verifiedEmail(db),
      ],
    };
    app.use(noteRoutes(services, guards));
    app.use(mfaRoutes(services, guards));
    app.use(keyRoutes(services, guards));
    app.use(adminRoutes(services, guards));
    app.use(accountRoutes(services, guards));

    app.use((_req: Request, res: Response) => {
      res.status(404).json({ error: "ERR_NOT_FOUND" });
    });
    app.use(
      errorHandler({
        reasons: { mfa_not_enrolled: 403 },
        onError: (err, req, info) => {
          try {
            getRequestLogger(req).error({ err, ...info }, "request failed");
          } catch {
            logger.error({ err, ...info }, "request failed");
          }
        },
      }),
    );

    return { app, db: { app: db, audit: auditDb }, rateLimits: limits.kind, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
