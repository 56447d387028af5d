import { describe, expect, it } from "vitest";
import {
  createMysqlApiKeyStore,
  createMysqlAuditStore,
  createMysqlDataKeyStore,
  createMysqlOneTimeTokenStore,
  createMysqlRateLimitStore,
  createMysqlRecoveryCodeStore,
  createMysqlRefreshSessionStore,
  createMysqlServerSessionStore,
  createMysqlTotpStepStore,
} from "../../src/adapters/mysql/index.js";
import { describeStoreConformance } from "../../src/testing/index.js";
import { describeMysql } from "../helpers/mysql.js";

describeMysql("mysql stores", ({ pool, isolation }) => {
  it("runs its connections at the isolation level under test", async () => {
    // MySQL 8 names the variable transaction_isolation; MariaDB 10.11 only tx_isolation.
    const [rows] = await pool()
      .query("SELECT @@SESSION.transaction_isolation AS level")
      .catch(() => pool().query("SELECT @@SESSION.tx_isolation AS level"));
    expect((rows as { level: string }[])[0]?.level.replace("-", " ")).toBe(isolation);
  });

  // One migrated database per isolation level for the whole file; cases use random ids.
  describeStoreConformance(
    `mysql (${isolation})`,
    {
      apiKeys: () => createMysqlApiKeyStore({ pool: pool() }),
      dataKeys: () => createMysqlDataKeyStore({ pool: pool() }),
      refreshSessions: () => createMysqlRefreshSessionStore({ pool: pool() }),
      oneTimeTokens: () => createMysqlOneTimeTokenStore({ pool: pool() }),
      serverSessions: () => createMysqlServerSessionStore({ pool: pool() }),
      totpSteps: () => createMysqlTotpStepStore({ pool: pool() }),
      recoveryCodes: () => createMysqlRecoveryCodeStore({ pool: pool() }),
      rateLimits: () => createMysqlRateLimitStore({ pool: pool() }),
      audit: () => createMysqlAuditStore({ pool: pool() }),
    },
    { testApi: { describe, it } },
  );
});
