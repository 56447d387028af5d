/**
 * Every public function that takes an options object refuses a key it does not know, naming it.
 * The test walks every export of every subpath in package.json: a new function export must be
 * added either to OPTION_TAKERS (with a call that shows the refusal) or to NO_OPTIONS (with the
 * reason it takes none), so no factory can ship with unchecked options.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { MoatErrorCode } from "../../src/errors.js";
import { isMoatError } from "../../src/errors.js";
import * as root from "../../src/index.js";
import * as testing from "../../src/testing/index.js";
import * as stores from "../../src/stores/index.js";
import * as postgres from "../../src/adapters/postgres/index.js";
import type { SqlClient } from "../../src/adapters/postgres/index.js";
import * as memory from "../../src/adapters/memory/index.js";
import * as redisAdapters from "../../src/adapters/redis/index.js";
import * as mysqlAdapters from "../../src/adapters/mysql/index.js";
import * as apikeys from "../../src/apikeys/index.js";
import * as tenant from "../../src/tenant/index.js";
import * as tenantKysely from "../../src/tenant/kysely/index.js";
import * as sessions from "../../src/sessions/index.js";
import * as ratelimit from "../../src/ratelimit/index.js";
import * as turnstileModule from "../../src/turnstile/index.js";
import * as mfa from "../../src/mfa/index.js";
import * as passwords from "../../src/passwords/index.js";
import * as crypto from "../../src/crypto/index.js";
import * as kmsVault from "../../src/kms/vault/index.js";
import * as redactModule from "../../src/redact/index.js";
import * as redactPino from "../../src/redact/pino/index.js";
import * as rbac from "../../src/rbac/index.js";
import * as express from "../../src/express/index.js";
import * as audit from "../../src/audit/index.js";
import * as sql from "../../src/sql/index.js";
import * as kmsAws from "../../src/kms/aws/index.js";
import * as kmsAzure from "../../src/kms/azure/index.js";
import * as kmsGcp from "../../src/kms/gcp/index.js";

const SUBPATHS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  ".": root,
  "./testing": testing,
  "./stores": stores,
  "./adapters/postgres": postgres,
  "./adapters/memory": memory,
  "./adapters/redis": redisAdapters,
  "./adapters/mysql": mysqlAdapters,
  "./apikeys": apikeys,
  "./tenant": tenant,
  "./tenant/kysely": tenantKysely,
  "./sessions": sessions,
  "./ratelimit": ratelimit,
  "./turnstile": turnstileModule,
  "./mfa": mfa,
  "./passwords": passwords,
  "./crypto": crypto,
  "./kms/vault": kmsVault,
  "./redact": redactModule,
  "./redact/pino": redactPino,
  "./rbac": rbac,
  "./express": express,
  "./audit": audit,
  "./sql": sql,
  "./kms/aws": kmsAws,
  "./kms/azure": kmsAzure,
  "./kms/gcp": kmsGcp,
};

type Extra = Readonly<Record<string, unknown>>;

interface OptionTaker {
  /** Calls the export with valid minimal arguments, `extra` spread into its options object. */
  readonly call: (extra: Extra) => unknown;
  /** ERR_CONFIG for factories and functions; ERR_INVALID_INPUT where the object is an operation's input. */
  readonly code?: MoatErrorCode;
  /** How the unknown key is named in the message when it is nested (e.g. `0.bogusOption`). */
  readonly named?: string;
  /** Why the call with no extra key is not run (it needs a database, the network or slow work). */
  readonly noDryRun?: string;
}

// --- fixtures: the smallest valid arguments --------------------------------------------------

const keyring = testing.testKeyring();
const sqlClient: SqlClient = {
  query: () => Promise.resolve({ rows: [], rowCount: 0 }),
  exec: () => Promise.resolve(),
  transaction: (fn) => fn(sqlClient),
};
// Never connects: the stores only keep the client until a method is called.
const redis = new Redis({ lazyConnect: true });
/** A subscriber connection that answers without a server. */
const fakeSubscriber: redisAdapters.RedisSubscriberLike = {
  subscribe: () => Promise.resolve(1),
  unsubscribe: () => Promise.resolve(0),
  on: () => undefined,
  removeListener: () => undefined,
};
afterAll(() => {
  redis.disconnect();
});
// Never called: the Cloud KMS provider only keeps the client until it wraps or unwraps.
const gcpKmsClient: kmsGcp.GcpKmsClientLike = {
  encrypt: () => Promise.reject(new Error("no Cloud KMS in this test")),
  decrypt: () => Promise.reject(new Error("no Cloud KMS in this test")),
};
// Never queried: the MySQL stores only keep the pool until a method is called.
const mysqlPool: mysqlAdapters.MysqlPoolLike = {
  query: () => Promise.reject(new Error("no database in this test")),
  getConnection: () => Promise.reject(new Error("no database in this test")),
};
const request = { headers: {}, socket: { remoteAddress: "127.0.0.1" }, method: "GET", url: "/" };
const logger = { child: () => logger, info: () => undefined, warn: () => undefined, error: () => undefined };
const hsKey = { kid: "k1", alg: "HS256", key: new Uint8Array(32).fill(7), use: "sign" } as const;
const keySet = sessions.createKeySet([hsKey]);
const tokens = sessions.createTokens({ keys: keySet, issuer: "https://issuer.example", audience: null });
const apiKeyManager = apikeys.createApiKeys({ prefix: "sk", store: memory.createMemoryApiKeyStore() });
const auditLog = audit.createAuditLog({ store: memory.createMemoryAuditStore() });
const limiter = ratelimit.createRateLimiter({
  store: memory.createMemoryRateLimitStore(),
  keyPrefix: "t",
  points: 5,
  duration: "1m",
});
const policy = redactModule.resolveRedactionPolicy({ org: { enabled: true } });
const noop = (): void => {
  // declares nothing: the call under test must fail before it registers a suite
};
const testApi = { describe: noop, it: Object.assign(noop, { skip: noop }) };

// --- every export that takes an options (or input) object -------------------------------------

const OPTION_TAKERS: Readonly<Record<string, Readonly<Record<string, OptionTaker>>>> = {
  "./testing": {
    describeStoreConformance: {
      call: (x) => {
        testing.describeStoreConformance("memory", {}, { testApi, builtIn: false, ...x });
      },
      noDryRun: "registers test suites",
    },
    raceExactlyOne: {
      call: (x) => testing.raceExactlyOne(2, (i) => i, { ...x }),
      noDryRun: "both callers win, which the race reports",
    },
    totpCode: { call: (x) => testing.totpCode("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 0, { ...x }) },
    totpStep: { call: (x) => testing.totpStep(0, { ...x }) },
  },
  "./adapters/postgres": {
    createPostgresApiKeyStore: { call: (x) => postgres.createPostgresApiKeyStore({ client: sqlClient, ...x }) },
    createPostgresAuditStore: { call: (x) => postgres.createPostgresAuditStore({ client: sqlClient, ...x }) },
    createPostgresDataKeyStore: { call: (x) => postgres.createPostgresDataKeyStore({ client: sqlClient, ...x }) },
    createPostgresServerSessionStore: {
      call: (x) => postgres.createPostgresServerSessionStore({ client: sqlClient, ...x }),
    },
    createPostgresOneTimeTokenStore: {
      call: (x) => postgres.createPostgresOneTimeTokenStore({ client: sqlClient, ...x }),
    },
    createPostgresRecoveryCodeStore: {
      call: (x) => postgres.createPostgresRecoveryCodeStore({ client: sqlClient, ...x }),
    },
    createPostgresRefreshSessionStore: {
      call: (x) => postgres.createPostgresRefreshSessionStore({ client: sqlClient, ...x }),
    },
    createPostgresTotpStepStore: { call: (x) => postgres.createPostgresTotpStepStore({ client: sqlClient, ...x }) },
    getMigrationSql: { call: (x) => postgres.getMigrationSql({ ...x }) },
    migrate: { call: (x) => postgres.migrate(sqlClient, { ...x }), noDryRun: "needs a database" },
  },
  "./adapters/memory": {
    createMemoryAuditStore: { call: (x) => memory.createMemoryAuditStore({ ...x }) },
    createMemoryRateLimitStore: { call: (x) => memory.createMemoryRateLimitStore({ ...x }) },
  },
  "./adapters/redis": {
    createRedisOneTimeTokenStore: { call: (x) => redisAdapters.createRedisOneTimeTokenStore({ redis, ...x }) },
    createRedisServerSessionStore: { call: (x) => redisAdapters.createRedisServerSessionStore({ redis, ...x }) },
    createRedisRecoveryCodeStore: { call: (x) => redisAdapters.createRedisRecoveryCodeStore({ redis, ...x }) },
    createRedisRefreshSessionStore: { call: (x) => redisAdapters.createRedisRefreshSessionStore({ redis, ...x }) },
    createRedisTotpStepStore: { call: (x) => redisAdapters.createRedisTotpStepStore({ redis, ...x }) },
    createRedisRateLimitStore: { call: (x) => redisAdapters.createRedisRateLimitStore({ redis, ...x }) },
    createRedisDataKeyInvalidation: {
      call: (x) => redisAdapters.createRedisDataKeyInvalidation({ redis, subscriber: fakeSubscriber, ...x }),
    },
    createRedisInvalidationChannel: {
      call: (x) => redisAdapters.createRedisInvalidationChannel({ redis, subscriber: fakeSubscriber, ...x }),
    },
  },
  "./adapters/mysql": {
    createMysqlApiKeyStore: { call: (x) => mysqlAdapters.createMysqlApiKeyStore({ pool: mysqlPool, ...x }) },
    createMysqlAuditStore: { call: (x) => mysqlAdapters.createMysqlAuditStore({ pool: mysqlPool, ...x }) },
    createMysqlDataKeyStore: { call: (x) => mysqlAdapters.createMysqlDataKeyStore({ pool: mysqlPool, ...x }) },
    createMysqlOneTimeTokenStore: {
      call: (x) => mysqlAdapters.createMysqlOneTimeTokenStore({ pool: mysqlPool, ...x }),
    },
    createMysqlRateLimitStore: { call: (x) => mysqlAdapters.createMysqlRateLimitStore({ pool: mysqlPool, ...x }) },
    createMysqlRecoveryCodeStore: {
      call: (x) => mysqlAdapters.createMysqlRecoveryCodeStore({ pool: mysqlPool, ...x }),
    },
    createMysqlRefreshSessionStore: {
      call: (x) => mysqlAdapters.createMysqlRefreshSessionStore({ pool: mysqlPool, ...x }),
    },
    createMysqlServerSessionStore: {
      call: (x) => mysqlAdapters.createMysqlServerSessionStore({ pool: mysqlPool, ...x }),
    },
    createMysqlTotpStepStore: { call: (x) => mysqlAdapters.createMysqlTotpStepStore({ pool: mysqlPool, ...x }) },
    getMysqlMigrationSql: { call: (x) => mysqlAdapters.getMysqlMigrationSql("mariadb", { ...x }) },
    migrateMysql: { call: (x) => mysqlAdapters.migrateMysql(mysqlPool, { ...x }), noDryRun: "needs a database" },
  },
  "./apikeys": {
    createApiKeys: {
      call: (x) => apikeys.createApiKeys({ prefix: "sk", store: memory.createMemoryApiKeyStore(), ...x }),
    },
  },
  "./tenant": {
    checkRls: {
      call: (x) => tenant.checkRls(sqlClient, { appRole: "app", ...x }),
      code: "ERR_INVALID_INPUT",
      noDryRun: "needs a database",
    },
    createTenantRls: { call: (x) => tenant.createTenantRls({ appRole: "app", ...x }) },
    deleteTenant: {
      call: (x) => tenant.deleteTenant(sqlClient, "t1", { ...x }),
      code: "ERR_INVALID_INPUT",
      noDryRun: "needs a database",
    },
    exportTenant: { call: (x) => tenant.exportTenant(sqlClient, "t1", { ...x }), code: "ERR_INVALID_INPUT" },
    impersonate: {
      call: (x) => tenant.impersonate({ impersonator: "staff", target: { tenantId: "t1", userId: "u1" }, ...x }),
      code: "ERR_INVALID_INPUT",
    },
    rlsPolicySql: { call: (x) => tenant.rlsPolicySql({ table: "notes", ...x }), code: "ERR_INVALID_INPUT" },
    runWithTenant: {
      call: (x) => tenant.runWithTenant({ tenantId: "t1", userId: "u1", role: "member", ...x }, () => 1),
      code: "ERR_INVALID_INPUT",
    },
  },
  "./tenant/kysely": {
    tenantGuard: { call: (x) => tenantKysely.tenantGuard({ tables: ["notes"], ...x }) },
  },
  "./sessions": {
    createKeySet: { call: (x) => sessions.createKeySet([hsKey], { ...x }) },
    createOneTimeTokens: {
      call: (x) =>
        sessions.createOneTimeTokens({ store: memory.createMemoryOneTimeTokenStore(), purpose: "reset", ...x }),
    },
    createRemoteKeySet: { call: (x) => sessions.createRemoteKeySet("https://auth.example.com/jwks", { ...x }) },
    createServerSessions: {
      call: (x) =>
        sessions.createServerSessions({
          store: memory.createMemoryServerSessionStore(),
          secrets: [new Uint8Array(32)],
          ...x,
        }),
    },
    createSessions: {
      call: (x) => sessions.createSessions({ tokens, store: memory.createMemoryRefreshSessionStore(), ...x }),
    },
    createTokens: {
      call: (x) => sessions.createTokens({ keys: keySet, issuer: "https://issuer.example", audience: null, ...x }),
    },
    generateSigningKey: { call: (x) => sessions.generateSigningKey("HS256", { ...x }) },
  },
  "./ratelimit": {
    authLimiter: { call: (x) => ratelimit.authLimiter({ ...x }) },
    createRateLimiter: {
      call: (x) =>
        ratelimit.createRateLimiter({
          store: memory.createMemoryRateLimitStore(),
          keyPrefix: "t",
          points: 5,
          duration: "1m",
          ...x,
        }),
    },
    loginLimiter: { call: (x) => ratelimit.loginLimiter({ ...x }) },
    addressKey: { call: (x) => ratelimit.addressKey("2001:db8::1", { ...x }) },
  },
  "./kms/azure": {
    createAzureKeyVaultProvider: {
      call: (x) =>
        kmsAzure.createAzureKeyVaultProvider({
          keyId: "https://v.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef",
          credential: { getToken: () => Promise.resolve(null) },
          ...x,
        }),
    },
  },
  "./turnstile": {
    verifyTurnstile: {
      call: (x) => turnstileModule.verifyTurnstile("token", { secret: "s", ...x }),
      noDryRun: "calls the network",
    },
  },
  "./mfa": {
    createRecoveryCodes: {
      call: (x) => mfa.createRecoveryCodes({ store: memory.createMemoryRecoveryCodeStore(), ...x }),
    },
    createTotp: { call: (x) => mfa.createTotp({ issuer: "Acme", store: memory.createMemoryTotpStepStore(), ...x }) },
    resolveMfaPolicy: {
      call: (x) => mfa.resolveMfaPolicy({ platform: "optional", role: "member", ...x }),
      code: "ERR_INVALID_INPUT",
    },
  },
  "./passwords": {
    configurePasswordWorkers: {
      call: (x) => {
        passwords.configurePasswordWorkers({ maxWorkers: 1, ...x });
      },
      noDryRun: "changes the shared worker pool",
    },
    createLogin: { call: (x) => passwords.createLogin({ findUser: () => Promise.resolve(null), ...x }) },
    createPasswordPolicy: { call: (x) => passwords.createPasswordPolicy({ ...x }) },
    createBreachedPasswordCheck: {
      call: (x) => passwords.createBreachedPasswordCheck({ onUnavailable: "allow", ...x }),
    },
    hashPassword: {
      call: (x) => passwords.hashPassword("correct horse", { ...x }),
      noDryRun: "bcrypt is slow on purpose",
    },
    needsRehash: { call: (x) => passwords.needsRehash("$2b$10$" + "a".repeat(53), { ...x }) },
    verifyPassword: {
      call: (x) => passwords.verifyPassword("pw", "$2b$10$" + "a".repeat(53), { ...x }),
      noDryRun: "bcrypt is slow on purpose",
    },
  },
  "./kms/vault": {
    createVaultTransitProvider: {
      call: (x) =>
        kmsVault.createVaultTransitProvider({
          address: "http://127.0.0.1:8200",
          token: "t",
          keyName: "k",
          keyVersion: 1,
          ...x,
        }),
    },
  },
  "./crypto": {
    createBlindIndex: { call: (x) => crypto.createBlindIndex({ keyring, name: "users.email", bits: 32, ...x }) },
    createEnvelope: { call: (x) => crypto.createEnvelope({ keyring, ...x }) },
    createKeyring: {
      call: (x) => crypto.createKeyring([{ id: "k1", key: new Uint8Array(32), ...x }]),
      named: "0.bogusOption",
    },
    generateMasterKey: { call: (x) => crypto.generateMasterKey({ ...x }) },
    parseMasterKeys: { call: (x) => crypto.parseMasterKeys(testing.testMasterKeysValue(), { ...x }) },
    rewrapColumn: {
      call: (x) =>
        crypto.rewrapColumn(crypto.createEnvelope({ keyring }), sqlClient, {
          table: "notes",
          column: "body",
          idColumn: "id",
          context: () => ({}),
          ...x,
        }),
      noDryRun: "needs a database",
    },
  },
  "./redact": {
    createRedactor: { call: (x) => redactModule.createRedactor({ ...x }) },
    forLlm: { call: (x) => redactModule.forLlm([], policy, { ...x }) },
    regexDetector: { call: (x) => redactModule.regexDetector({ type: "order_id", pattern: /ORD-\d+/g, ...x }) },
    resolveRedactionPolicy: {
      call: (x) => redactModule.resolveRedactionPolicy({ org: { enabled: true }, ...x }),
      code: "ERR_INVALID_INPUT",
    },
    ssnDetector: { call: (x) => redactModule.ssnDetector({ ...x }) },
    emailDetector: { call: (x) => redactModule.emailDetector({ ...x }) },
  },
  "./rbac": {
    defineDefaultRoles: {
      call: (x) => rbac.defineDefaultRoles({ admin: ["notes:write"], member: ["notes:read"], viewer: [] }, { ...x }),
    },
    defineRoles: { call: (x) => rbac.defineRoles({ admin: ["notes:write"] }, { ...x }) },
  },
  "./express": {
    apiKeyAuth: { call: (x) => express.apiKeyAuth({ apiKeys: apiKeyManager, ...x }) },
    auditTrail: { call: (x) => express.auditTrail(auditLog, { ...x }) },
    authenticate: { call: (x) => express.authenticate({ tokens, ...x }) },
    credentialError: { call: (x) => express.credentialError("expired", { ...x }) },
    refreshCookie: {
      call: (x) =>
        express.refreshCookie({
          sessions: { refresh: () => Promise.reject(new Error("x")), revoke: () => Promise.resolve(false) },
          ...x,
        }),
    },
    csrfProtection: { call: (x) => express.csrfProtection({ ...x }) },
    errorHandler: { call: (x) => express.errorHandler({ ...x }) },
    originAllowlist: { call: (x) => express.originAllowlist({ widgetKeys: { wk_1: ["https://a.example"] }, ...x }) },
    rateLimit: { call: (x) => express.rateLimit(limiter, { ...x }) },
    redactLogs: { call: (x) => express.redactLogs(logger, { ...x }) },
    requestContext: { call: (x) => express.requestContext({ ...x }) },
    requestTimeout: { call: (x) => express.requestTimeout({ ...x }) },
    requireMfa: { call: (x) => express.requireMfa({ ...x }) },
    securityHeaders: { call: (x) => express.securityHeaders({ ...x }) },
    serverTimeouts: { call: (x) => express.serverTimeouts(createServer(), { ...x }) },
    tenantScope: { call: (x) => express.tenantScope({ ...x }) },
    turnstile: { call: (x) => express.turnstile({ secret: "s", ...x }) },
  },
  "./audit": {
    auditContextFromRequest: { call: (x) => audit.auditContextFromRequest(request, { ...x }) },
    buildAuditEvent: {
      call: (x) =>
        audit.buildAuditEvent({
          action: "note.update",
          orgId: "org_1",
          actor: { userId: "u1" },
          target: { type: "note", id: "n1" },
          ...x,
        }),
      code: "ERR_INVALID_INPUT",
    },
    computeAuditDiff: { call: (x) => audit.computeAuditDiff({ a: 1 }, { a: 2 }, { ...x }) },
    createAuditEventBuilder: { call: (x) => audit.createAuditEventBuilder({ ...x }) },
    createAuditLog: { call: (x) => audit.createAuditLog({ store: memory.createMemoryAuditStore(), ...x }) },
    verifyAuditChain: { call: (x) => audit.verifyAuditChain([], { orgId: "org_1", ...x }), code: "ERR_INVALID_INPUT" },
  },
  "./kms/aws": {
    createAwsKmsProvider: {
      // Never sends: the provider only keeps the client until wrap or unwrap is called.
      call: (x) =>
        kmsAws.createAwsKmsProvider({
          client: { send: () => Promise.reject(new Error("no KMS in this test")) },
          keyId: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          ...x,
        }),
    },
  },
  "./kms/gcp": {
    createGcpKmsProvider: {
      call: (x) =>
        kmsGcp.createGcpKmsProvider({
          client: gcpKmsClient,
          keyVersionName: "projects/p1/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
          ...x,
        }),
    },
  },
};

// --- every function export that takes no options object, and why ------------------------------

const NO_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ".": {
    MoatError: "the error class; its options are checked by type only, so reporting one error never throws another",
    Secret: "wraps one value",
    isMoatError: "a type guard",
    isSecret: "a type guard",
  },
  "./testing": {
    defineConformanceSuite: "takes a store name, method names and cases",
    fakeClock: "takes a start time",
    testKeyring: "takes key ids",
    testMasterKeysValue: "takes key ids",
  },
  "./stores": {
    checkSealed: "takes an organisation id, a chain head and the sealed events",
    decodeStoredAuditEvent: "takes a seq and a stored body",
    isStoredAuditEventShape: "a type guard",
    nextRateLimitWindow: "takes the held window and the store's consume input (validated by the limiter)",
    planRotation: "takes a family state, a token hash, its expiry and the store's rotate input",
    requireTotpStep: "takes a step",
    toApiKeyInfo: "takes a record",
  },
  "./adapters/postgres": {
    fromPgPool: "takes a pg pool (a driver object)",
    fromPglite: "takes a PGlite instance (a driver object)",
    inspectAuditRole: "takes a client",
  },
  "./adapters/mysql": { inspectMysqlAuditGrants: "takes a pool" },
  "./adapters/memory": {
    createMemoryApiKeyStore: "no arguments",
    createMemoryDataKeyStore: "no arguments",
    createMemoryDataKeyInvalidation: "no arguments",
    createMemoryInvalidationChannel: "no arguments",
    createMemoryOneTimeTokenStore: "no arguments",
    createMemoryServerSessionStore: "no arguments",
    createMemoryRecoveryCodeStore: "no arguments",
    createMemoryRefreshSessionStore: "no arguments",
    createMemoryTotpStepStore: "no arguments",
  },
  "./apikeys": { apiKeyPattern: "takes a prefix", parseApiKey: "takes a key string" },
  "./tenant": { currentTenant: "no arguments", formatRlsReport: "takes the report checkRls returned" },
  "./redact": {
    creditCardDetector: "no arguments",
    phoneDetector: "no arguments",
    luhnValid: "takes digits",
    pinoRedaction: "takes a redactor",
    redact: "takes text",
  },
  "./redact/pino": {
    redactingPino:
      "its options are pino's own LoggerOptions (plus `redactor`), passed to pino unchanged; pino owns their validation",
  },
  "./passwords": { shutdownPasswordWorkers: "no arguments" },
  "./crypto": {
    keyringFromEnv: "takes a variable name and an environment record",
    KeyProviderError: "an error class a provider throws: a failure, a message and the Error constructor's { cause }",
  },
  "./express": {
    apiKeyRedaction: "takes a request",
    bodyLimit: "takes a byte size",
    clientAddress: "takes a request",
    currentRequestContext: "no arguments",
    getApiKey: "takes a request",
    getRequestContext: "takes a request",
    getRequestLogger: "takes a request",
    getRequestSignal: "takes a request",
    getSubject: "takes a request",
    getWidgetKey: "takes a request",
    isCredentialError: "a type guard",
    recordAudit:
      "takes a request and an event; the event's unknown keys are refused (ERR_INVALID_INPUT) once auditTrail() has run",
    requirePermission: "takes a role set and a permission",
    requireRole: "takes a role set and role names",
    setSubject: "takes a request and a subject",
  },
  "./audit": {
    hashAuditEvent: "takes a stored event",
    verifyAuditCheckpoint: "takes a JWS and a key",
  },
};

const BOGUS = "bogusOption";

function functionExports(mod: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(mod)
    .filter(([, value]) => typeof value === "function")
    .map(([name]) => name)
    .sort();
}

/** Runs `fn` and returns what it threw or rejected with (`undefined` when it succeeded). */
async function failureOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe("strict options: the inventory", () => {
  it("covers every subpath in package.json", () => {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const exportsField = typeof pkg === "object" && pkg !== null && "exports" in pkg ? pkg.exports : {};
    const subpaths = Object.keys(exportsField ?? {}).filter((p) => p !== "./package.json");
    expect(Object.keys(SUBPATHS).sort()).toEqual(subpaths.sort());
  });

  for (const [subpath, mod] of Object.entries(SUBPATHS)) {
    it(`classifies every function export of "${subpath}"`, () => {
      const takers = Object.keys(OPTION_TAKERS[subpath] ?? {});
      const none = Object.keys(NO_OPTIONS[subpath] ?? {});
      const unclassified = functionExports(mod).filter((name) => !takers.includes(name) && !none.includes(name));
      expect(
        unclassified,
        "new exports: add each to OPTION_TAKERS (with a call) or NO_OPTIONS (with a reason)",
      ).toEqual([]);
      const stale = [...takers, ...none].filter((name) => typeof mod[name] !== "function");
      expect(stale, "entries for functions that are no longer exported").toEqual([]);
      expect(
        takers.filter((name) => none.includes(name)),
        "listed in both tables",
      ).toEqual([]);
    });
  }
});

describe("strict options: an unknown key is refused by name", () => {
  for (const [subpath, takers] of Object.entries(OPTION_TAKERS)) {
    for (const [name, taker] of Object.entries(takers)) {
      const code = taker.code ?? "ERR_CONFIG";
      it(`${subpath} ${name} refuses "${BOGUS}" with ${code}`, async () => {
        const err = await failureOf(() => taker.call({ [BOGUS]: true }));
        expect(isMoatError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
        expect(String(err instanceof Error ? err.message : err)).toContain(`"${taker.named ?? BOGUS}"`);
      });
      if (taker.noDryRun === undefined) {
        it(`${subpath} ${name} accepts the same call without it`, async () => {
          const err = await failureOf(() => taker.call({}));
          expect(err, `the minimal call failed: ${String(err)}`).toBeUndefined();
        });
      }
    }
  }
});

describe("strict options: misspellings that used to weaken protection silently", () => {
  it("createRateLimiter refuses blockDurationMs and points to blockDuration", () => {
    const err = expectConfig(() =>
      ratelimit.createRateLimiter({
        store: memory.createMemoryRateLimitStore(),
        keyPrefix: "t",
        points: 5,
        duration: "1m",
        ...{ blockDurationMs: 60_000 },
      }),
    );
    expect(err).toContain('unknown option "blockDurationMs"; did you mean "blockDuration"?');
  });

  it("createEnvelope refuses a misspelt cache TTL and points to the real option", () => {
    expect(expectConfig(() => crypto.createEnvelope({ keyring, ...{ cacheTTL: "1m" } }))).toContain(
      'unknown option "cacheTTL"; did you mean "cacheTtl',
    );
    expect(expectConfig(() => crypto.createEnvelope({ keyring, ...{ cacheTtlMinutes: 1 } }))).toContain(
      'unknown option "cacheTtlMinutes"',
    );
  });

  it("createApiKeys refuses peper and points to pepper", () => {
    const err = expectConfig(() =>
      apikeys.createApiKeys({ prefix: "sk", store: memory.createMemoryApiKeyStore(), ...{ peper: "x".repeat(32) } }),
    );
    expect(err).toContain('unknown option "peper"; did you mean "pepper"?');
  });

  it("envelope calls refuse a misspelt tenantId instead of encrypting under the default scope", async () => {
    const envelope = crypto.createEnvelope({ keyring });
    const err = await failureOf(() => envelope.encrypt("secret", { context: {}, ...{ tenantID: "t1" } }));
    expect(isMoatError(err, "ERR_INVALID_INPUT")).toBe(true);
    expect(err instanceof Error ? err.message : "").toContain('unknown key "tenantID"; did you mean "tenantId"?');
  });
});

describe("strict options: what stays accepted", () => {
  it("createKeyring takes generateMasterKey()'s result as it is", () => {
    expect(crypto.createKeyring([crypto.generateMasterKey()]).primaryKeyId).toMatch(/./);
  });
});

describe("strict options: per-call option objects refuse unknown keys with ERR_INVALID_INPUT", () => {
  const envelope = crypto.createEnvelope({ keyring });
  const CALLS: Readonly<Record<string, [() => unknown, string]>> = {
    "envelope.encrypt": [
      () => envelope.encrypt("x", { context: {}, ...{ tenantID: "t1" } }),
      'unknown key "tenantID"; did you mean "tenantId"?',
    ],
    "envelope.decrypt": [
      async () => envelope.decrypt(await envelope.encrypt("x", { context: {} }), { context: {}, ...{ contxt: {} } }),
      'unknown key "contxt"; did you mean "context"?',
    ],
    "apiKeys.verify": [
      () => apiKeyManager.verify("sk_test_x", { scope: ["a:b"] } as never),
      'unknown key "scope"; did you mean "scopes"?',
    ],
    "redactor.redactValue": [
      () => redactModule.createRedactor().redactValue({ a: 1 }, { key: ["a"] } as never),
      'unknown key "key"; did you mean "keys"?',
    ],
    // 0.1 rotated the default scope's key when the tenant id was misspelt: the tenant kept its old key.
    "envelope.keys.rotateDataKeys": [
      () =>
        crypto
          .createEnvelope({ keyring, dataKeys: memory.createMemoryDataKeyStore() })
          .keys.rotateDataKeys({ tenantID: "t1" } as never),
      'unknown key "tenantID"; did you mean "tenantId"?',
    ],
    "envelope.keys.rewrapDataKeys": [
      () =>
        crypto
          .createEnvelope({ keyring, dataKeys: memory.createMemoryDataKeyStore() })
          .keys.rewrapDataKeys({ batchsize: 10 } as never),
      'unknown key "batchsize"; did you mean "batchSize"?',
    ],
    "auditLog.query": [
      () => auditLog.query({ orgId: "org_1", limit: 10, ...{ actorID: "u1" } }),
      'unknown key "actorID"; did you mean "actorId"?',
    ],
  };
  for (const [name, [call, message]] of Object.entries(CALLS)) {
    it(`${name} names the unknown key`, async () => {
      const err = await failureOf(call);
      expect(isMoatError(err, "ERR_INVALID_INPUT"), `expected ERR_INVALID_INPUT, got ${String(err)}`).toBe(true);
      expect(err instanceof Error ? err.message : "").toContain(message);
    });
  }
});

function expectConfig(fn: () => unknown): string {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(isMoatError(thrown, "ERR_CONFIG"), `expected ERR_CONFIG, got ${String(thrown)}`).toBe(true);
  return thrown instanceof Error ? thrown.message : "";
}
