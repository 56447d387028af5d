/**
 * The options of the example app's createApp, and what it returns.
 */
import type { Express } from "express";
import type { Writable } from "node:stream";
import type { SqlClient } from "moatkit/adapters/postgres";
import type { ApiKeyStore } from "moatkit/apikeys";
import type { AuditStore } from "moatkit/audit";
import type { DataKeyStore, MasterKeyring } from "moatkit/crypto";
import type { TrustProxy } from "moatkit/express";
import type { RecoveryCodeStore, TotpStepStore } from "moatkit/mfa";
import type { Duration, KeySetEntry, OneTimeTokenStore, RefreshSessionStore } from "moatkit/sessions";
import type { DatabaseSource } from "./db.js";
import type { RedisSource } from "./limits.js";

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
  /**
   * The app's public URL (`https://app.example.com`), the base of the links it mails. Default:
   * the first `origin`; without either, mails carry links relative to the site (never built from
   * the request's Host header, which a client chooses).
   */
  readonly publicUrl?: string;
  /** How long a password-reset link works (default "2h"); each works once. */
  readonly resetLinkTtl?: Duration;
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
  /** Email-verification and password-reset links (default: Postgres, as the app role). */
  readonly oneTimeTokens?: OneTimeTokenStore;
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
