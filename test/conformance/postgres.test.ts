import pg from "pg";
import { afterAll, describe, it } from "vitest";
import {
  createPostgresApiKeyStore,
  createPostgresAuditStore,
  createPostgresDataKeyStore,
  createPostgresOneTimeTokenStore,
  createPostgresServerSessionStore,
  createPostgresRecoveryCodeStore,
  createPostgresRefreshSessionStore,
  createPostgresTotpStepStore,
  fromPgPool,
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
  // their callers on the pool.
  const handle = useMigratedHandle(target, { max: 20 });
  const pools = new Map<string, pg.Pool>();
  afterAll(async () => {
    for (const pool of pools.values()) await pool.end();
  });

  /**
   * A client whose transactions run at `level`: on a server, a pool of its own whose connections
   * start with that default; PGlite has one connection at READ COMMITTED, the only level claimed.
   */
  const clientAt = (level: string | undefined): SqlClient => {
    const { client, connectionString, schema } = handle();
    if (connectionString === undefined || level === undefined) return client;
    let pool = pools.get(level);
    if (pool === undefined) {
      const url = new URL(connectionString);
      url.searchParams.set(
        "options",
        `-c search_path=${schema} -c default_transaction_isolation=${level.replace(" ", "\\ ")}`,
      );
      pool = new pg.Pool({ connectionString: url.toString(), max: 20 });
      pools.set(level, pool);
    }
    return fromPgPool(pool);
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
