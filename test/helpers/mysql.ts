/**
 * MySQL/MariaDB-backed tests: `describeMysql` runs its body against MYSQL_URL once per isolation
 * level the stores claim (REPEATABLE READ, InnoDB's default, and READ COMMITTED), each in a
 * database of its own (`moatkit_t_<random>`, dropped afterwards) with moatkit's tables migrated.
 * Without MYSQL_URL it registers a skipped test that says why; with MOATKIT_REQUIRE_SERVICES=1
 * a failing one naming MySQL.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe } from "vitest";
import { migrateMysql } from "../../src/adapters/mysql/index.js";
import { describeUrl, describeWithoutService, envUrl } from "./services.js";

export type IsolationLevel = "REPEATABLE READ" | "READ COMMITTED";
export const ISOLATION_LEVELS: readonly IsolationLevel[] = ["REPEATABLE READ", "READ COMMITTED"];

export interface MysqlContext {
  readonly isolation: IsolationLevel;
  /** The pool under test (valid inside tests and hooks). */
  readonly pool: () => mysql.Pool;
  /** The database this block's tables live in. */
  readonly database: string;
  /** MYSQL_URL pointing at `database`. */
  readonly url: () => string;
}

const SKIP_REASON =
  "skipped: MYSQL_URL is not set (run MariaDB or MySQL and set MYSQL_URL=mysql://root@127.0.0.1:3306/test to include these tests)";

export interface DescribeMysqlOptions {
  /** Connections in the pool (default 20: the races start 50 callers). */
  readonly connectionLimit?: number;
  /** Isolation levels to run under (default both). */
  readonly levels?: readonly IsolationLevel[];
}

/** A pool on `url`'s server and `database`, every connection set to `isolation`. */
export function createTestPool(
  url: string,
  database: string,
  isolation: IsolationLevel,
  connectionLimit = 20,
): mysql.Pool {
  const target = new URL(url);
  target.pathname = `/${database}`;
  const pool = mysql.createPool({ uri: target.toString(), connectionLimit, charset: "utf8mb4" });
  // Session-wide, so every transaction on the connection runs at this level. The core pool emits
  // each new connection before handing it out, and a connection runs its queries in order, so
  // this SET precedes every statement the stores send on it.
  pool.pool.on("connection", (conn) => {
    conn.query(`SET SESSION TRANSACTION ISOLATION LEVEL ${isolation}`);
  });
  return pool;
}

export function describeMysql(
  name: string,
  body: (ctx: MysqlContext) => void,
  options: DescribeMysqlOptions = {},
): void {
  const url = envUrl("MYSQL_URL");
  if (url === undefined) {
    describeWithoutService(`${name} [mysql]`, "MySQL", "MYSQL_URL", SKIP_REASON);
    return;
  }
  for (const isolation of options.levels ?? ISOLATION_LEVELS) {
    describe(`${name} [mysql, ${isolation}]`, () => {
      const database = `moatkit_t_${randomBytes(6).toString("hex")}`;
      let pool: mysql.Pool | undefined;
      let admin: mysql.Connection | undefined;
      beforeAll(async () => {
        try {
          admin = await mysql.createConnection(url);
        } catch (err) {
          throw new Error(`MySQL at ${describeUrl(url)} is not answering (MYSQL_URL)`, { cause: err });
        }
        await admin.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
        pool = createTestPool(url, database, isolation, options.connectionLimit);
        await migrateMysql(pool);
      }, 60_000);
      afterAll(async () => {
        await pool?.end();
        await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
        await admin?.end();
      }, 60_000);
      body({
        isolation,
        database,
        url: () => {
          const target = new URL(url);
          target.pathname = `/${database}`;
          return target.toString();
        },
        pool: () => {
          if (pool === undefined) throw new Error("MySQL pool used before beforeAll opened it");
          return pool;
        },
      });
    });
  }
}
