import { describe, it } from "vitest";
import {
  createPostgresApiKeyStore,
  createPostgresAuditStore,
  createPostgresDataKeyStore,
  createPostgresOneTimeTokenStore,
  createPostgresServerSessionStore,
  createPostgresRecoveryCodeStore,
  createPostgresRefreshSessionStore,
  createPostgresTotpStepStore,
  type SqlClient,
} from "../../src/adapters/postgres/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { describePostgres, useMigratedHandle } from "../helpers/postgres.js";

/**
 * The isolation levels the Postgres stores claim. At REPEATABLE READ and SERIALIZABLE, Postgres
 * answers a concurrent update of the same row with a serialization failure (40001) that the
 * stores do not retry, so racing callers fail with ERR_STORE: the stores are for READ COMMITTED,
 * Postgres's default, and the README says so.
 */
const ISOLATION_LEVELS = ["read committed"] as const;

describePostgres("postgres stores", (target) => {
  // One migrated database per backend for the whole file; cases use random ids. Races queue
  // their callers on the pool. On a server, each claimed isolation level gets a migrated database
  // of its own whose connections start at that level: set through startup options directly, and
  // as a per-database default through PgBouncer (MOATKIT_PG_POOLER=transaction, see .ci/run),
  // which refuses startup options.
  const handle = useMigratedHandle(target, { max: 20 });
  const atLevel = new Map(
    (target.kind === "postgres" ? ISOLATION_LEVELS : []).map((level) => [
      level as string,
      useMigratedHandle(target, { max: 20, isolationLevel: level }),
    ]),
  );

  /** A client whose transactions run at `level` (PGlite: READ COMMITTED, the only level claimed). */
  const clientAt = (level: string | undefined): SqlClient => {
    const leveled = level === undefined || target.kind === "pglite" ? undefined : atLevel.get(level);
    if (level !== undefined && target.kind === "postgres" && leveled === undefined)
      throw new Error(`no database prepared for isolation level ${level}`);
    return (leveled ?? handle)().client;
  };

  describeStoreConformance(
    target.kind,
    {
      apiKeys: ({ isolationLevel }) => createPostgresApiKeyStore({ client: clientAt(isolationLevel) }),
      dataKeys: ({ isolationLevel }) => createPostgresDataKeyStore({ client: clientAt(isolationLevel) }),
      refreshSessions: ({ isolationLevel }) => createPostgresRefreshSessionStore({ client: clientAt(isolationLevel) }),
      oneTimeTokens: ({ isolationLevel }) => createPostgresOneTimeTokenStore({ client: clientAt(isolationLevel) }),
      serverSessions: ({ isolationLevel }) => createPostgresServerSessionStore({ client: clientAt(isolationLevel) }),
      totpSteps: ({ isolationLevel }) => createPostgresTotpStepStore({ client: clientAt(isolationLevel) }),
      recoveryCodes: ({ isolationLevel }) => createPostgresRecoveryCodeStore({ client: clientAt(isolationLevel) }),
      audit: ({ isolationLevel }) => createPostgresAuditStore({ client: clientAt(isolationLevel) }),
    },
    { testApi: { describe, it }, isolationLevels: ISOLATION_LEVELS },
  );
});
