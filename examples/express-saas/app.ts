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
import type { IncomingMessage } from "node:http";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Writable } from "node:stream";
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { pino } from "pino";
import {
  createPostgresApiKeyStore,
  createPostgresAuditStore,
  createPostgresDataKeyStore,
  createPostgresRecoveryCodeStore,
  createPostgresRefreshSessionStore,
  createPostgresTotpStepStore,
  type SqlClient,
} from "moatkit/adapters/postgres";
import { type ApiKeyStore, createApiKeys } from "moatkit/apikeys";
import { type AuditStore, createAuditLog } from "moatkit/audit";
import { type DataKeyStore, type MasterKeyring, createEnvelope } from "moatkit/crypto";
import {
  apiKeyAuth,
  auditTrail,
  authenticate,
  bodyLimit,
  csrfProtection,
  errorHandler,
  getApiKey,
  getRequestLogger,
  getSubject,
  redactLogs,
  refreshCookie,
  requestContext,
  requestTimeout,
  securityHeaders,
  tenantScope,
  type TrustProxy,
} from "moatkit/express";
import { type RecoveryCodeStore, type TotpStepStore, createRecoveryCodes, createTotp } from "moatkit/mfa";
import { createLogin, createPasswordPolicy } from "moatkit/passwords";
import {
  type RefreshSessionStore,
  createKeySet,
  createSessions,
  createTokens,
  generateSigningKey,
  type KeySetEntry,
} from "moatkit/sessions";
import { createTenantRls } from "moatkit/tenant";
import {
  type Database,
  type DatabaseSource,
  asRole,
  checkAuditRole,
  migrateDatabase,
  openDatabase,
  prepareAppRole,
} from "./db.js";
import { type LimitStore, type RedisSource, createLimiters, openLimitStore } from "./limits.js";
import { adminRoutes } from "./routes/admin.js";
import { authRoutes } from "./routes/auth.js";
import { keyRoutes } from "./routes/keys.js";
import { mfaRoutes } from "./routes/mfa.js";
import { noteRoutes } from "./routes/notes.js";
import { type Guards, type Services, type UserRow, findUserByEmail } from "./services.js";

/** Options of {@link createApp}. */
export interface SaasAppOptions {
  /**
   * The database: a moatkit `SqlClient` (left open by `close`), a connection string (a `pg`
   * pool), or nothing: `DATABASE_URL` when set, else an in-memory PGlite. The app applies its
   * migrations on start.
   */
  readonly database?: DatabaseSource;
  /** Master keys for note bodies and TOTP secrets (see moatkit/crypto `keyringFromEnv`). */
  readonly keyring: MasterKeyring;
  /** Turnstile secret and, for tests and local runs, the siteverify URL to call. */
  readonly turnstile: { readonly secret: string; readonly verifyUrl?: string; readonly expectedHostname?: string };
  /** Where pino writes JSON lines (default stdout). */
  readonly logDestination?: Writable;
  /** pino level (default "info"). */
  readonly logLevel?: string;
  /**
   * The connection the app runs on once the owner (`database`) has migrated and granted: a
   * `SqlClient` or a connection string whose login role is a member of `appRole` and
   * `auditRole` and holds nothing itself. Default: the owner's connection, each statement
   * switched to its role with `SET LOCAL ROLE` (embedded and local runs; SQL injected into a
   * statement could switch back to the owner there, and not from such a login role).
   */
  readonly appDatabase?: SqlClient | string;
  /** The Postgres role every app query runs as, subject to RLS (default "saas_app"). */
  readonly appRole?: string;
  /**
   * The role audit events are written as (default "moatkit_audit_writer"). The app refuses to
   * start unless `inspectAuditRole` reports it insert-only on the audit table.
   */
  readonly auditRole?: string;
  /**
   * Where rate-limit counters (TOTP attempts per user, logins and signups per address) live: an
   * ioredis client (left open by `close`), a `redis://` URL, or `null` for process memory.
   * Default: `REDIS_URL` when set, else process memory (one process only: a second instance
   * or a restart would start the counts again).
   */
  readonly redis?: RedisSource;
  /** Prefix of the app's Redis keys (default "saas:"). */
  readonly redisKeyPrefix?: string;
  /** Which proxies to believe for the client IP (default: none; the socket address counts). */
  readonly trustProxy?: TrustProxy;
  /** The JWT signing key (default: a new EdDSA key, so tokens die with the process). */
  readonly signingKey?: KeySetEntry;
  /** Keyed selector for recovery codes, ≥ 32 bytes (default: random per process). */
  readonly recoverySelectorKey?: Uint8Array;
  /** Pepper for API key hashes (default: random per process). */
  readonly apiKeyPepper?: Uint8Array;
  /** bcrypt cost (default 12; tests use 4). */
  readonly passwordCost?: number;
  /**
   * Plain-HTTP development only: the refresh and CSRF cookies lose `Secure` and their `__Host-`
   * prefix. Browsers treat http://localhost and http://127.0.0.1 as secure contexts and keep
   * `Secure` cookies there, so local runs do not need it.
   */
  readonly insecureDevelopmentCookie?: boolean;
  /**
   * The origin(s) browsers reach the app at, e.g. `https://app.example.com`; CSRF protection
   * accepts unsafe requests from these only. Default: the request's own `Host`.
   */
  readonly origin?: string | readonly string[];
  /** Key of the CSRF double-submit token's HMAC, ≥ 32 bytes (default: random per process). */
  readonly csrfSecret?: Uint8Array;
  /** The clock of every control (default Date.now). */
  readonly now?: () => number;
  /**
   * moatkit stores to use instead of the Postgres ones, e.g. those of `moatkit/adapters/mysql`
   * for a team whose moatkit data lives in MySQL; the app's own tables stay in `database`. An
   * audit store given here is the caller's to make insert-only (`inspectMysqlAuditGrants`).
   */
  readonly stores?: SaasStores;
}

/** The stores {@link SaasAppOptions.stores} can replace. */
export interface SaasStores {
  /** API keys (default: Postgres, as the app role). */
  readonly apiKeys?: ApiKeyStore;
  /** Last accepted TOTP steps. */
  readonly totpSteps?: TotpStepStore;
  /** Unused recovery codes. */
  readonly recoveryCodes?: RecoveryCodeStore;
  /** Data keys of the envelope that encrypts TOTP secrets and notes. */
  readonly dataKeys?: DataKeyStore;
  /** The audit chain (default: Postgres, as the insert-only audit role). */
  readonly audit?: AuditStore;
  /** Refresh sessions behind the refresh cookie (default: Postgres, as the app role). */
  readonly refreshSessions?: RefreshSessionStore;
}

/** A built app and how to shut it down. */
export interface SaasApp {
  readonly app: Express;
  /** The clients the app's queries (as the app role) and its audit writes (as the audit role) run on. */
  readonly db: { readonly app: SqlClient; readonly audit: SqlClient };
  /** Where the rate-limit counters live. */
  readonly rateLimits: "redis" | "memory";
  /** Closes the databases the app opened. Stop your HTTP server first. */
  close(): Promise<void>;
}

// The org's "redact logs" setting for the current request, loaded once it is authenticated.
const orgRedaction = new WeakMap<IncomingMessage, boolean>();

function loadOrgSettings(db: SqlClient): RequestHandler {
  return (req, _res, next) => {
    const tenantId = getSubject(req)?.tenantId;
    if (tenantId === undefined) {
      next();
      return;
    }
    db.query<{ redact_logs: boolean }>("SELECT redact_logs FROM saas_orgs WHERE id = $1", [tenantId]).then(
      ({ rows }) => {
        orgRedaction.set(req, rows[0]?.redact_logs ?? true);
        next();
      },
      (err: unknown) => {
        next(err);
      },
    );
  };
}

const PUBLIC_DIR = fileURLToPath(new URL("./public/", import.meta.url));

/** The value of cookie `name` on the request, if sent once. */
function cookieOf(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  const values = header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
  return values.length === 1 ? values[0]?.slice(0, 1024) : undefined;
}

/** Refuses API-key callers on routes meant for people (MFA, key management, administration). */
const usersOnly: RequestHandler = (req, res, next) => {
  if (getApiKey(req) !== undefined) {
    res.status(403).json({ error: "ERR_FORBIDDEN" });
    return;
  }
  next();
};

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
    const tokens = createTokens({
      keys: createKeySet([signingKey], { now }),
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
    const sessions = createSessions({
      tokens,
      store: stores.refreshSessions ?? createPostgresRefreshSessionStore({ client: db }),
      refreshTtl: "30d",
      now,
    });
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
      refreshCookie: refresh,
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

    // Public: signup, login, refresh and logout.
    app.use(authRoutes(services));

    // Notes accept an API key (x-api-key, with the route's scope) as well as a session; every
    // other route needs a person's session.
    const session = [authenticate({ tokens }), tenantScope(), loadOrgSettings(db)];
    const guards: Guards = {
      user: [...session, usersOnly],
      keyOrUser: (scope) => [apiKeyAuth({ apiKeys: services.apiKeys, scopes: [scope], optional: true }), ...session],
    };
    app.use(noteRoutes(services, guards));
    app.use(mfaRoutes(services, guards));
    app.use(keyRoutes(services, guards));
    app.use(adminRoutes(services, guards));

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
