/**
 * fromPgPool when the server drops connections (a restart, a failover, an admin's
 * pg_terminate_backend). Found by `npm run chaos`: a connection checked out for a transaction
 * has no error listener of pg's pool, so the server ending it between two statements emitted an
 * unhandled 'error' and crashed the process. Real Postgres only: PGlite has no connections.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromPgPool } from "../../../src/adapters/postgres/index.js";
import { describeUrl, describeWithoutService, envUrl } from "../../helpers/services.js";

const url = envUrl("DATABASE_URL");

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (url === undefined) {
  describeWithoutService("fromPgPool under dropped connections", "PostgreSQL", "DATABASE_URL");
} else {
  describe(`fromPgPool under dropped connections (${describeUrl(url)})`, () => {
    let pool: pg.Pool;
    let admin: pg.Client;
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };

    beforeAll(async () => {
      pool = new pg.Pool({ connectionString: url, max: 2 });
      // Idle connections are the pool's to watch, and the application's to listen to (pg's rule).
      pool.on("error", () => undefined);
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
      process.on("uncaughtException", onUncaught);
    });
    afterAll(async () => {
      process.off("uncaughtException", onUncaught);
      await admin.end();
      await pool.end();
    });

    it("rejects a transaction whose connection the server ends between statements, without crashing the process", async () => {
      const client = fromPgPool(pool);
      await expect(
        client.transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          await admin.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
          // The server's goodbye reaches the idle, checked-out connection while nothing runs on it.
          await sleep(300);
          await tx.query("SELECT 1");
        }),
      ).rejects.toThrow();
      expect(uncaught).toEqual([]);
    });

    it("hands out a working connection after one was dropped", async () => {
      const client = fromPgPool(pool);
      for (let i = 0; i < 3; i++) {
        await expect(
          client.transaction(async (tx) => {
            const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
            await admin.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
            await sleep(100);
            return "committed?";
          }),
        ).rejects.toThrow();
      }
      const result = await client.transaction(async (tx) => (await tx.query<{ one: number }>("SELECT 1 AS one")).rows);
      expect(result).toEqual([{ one: 1 }]);
      expect(uncaught).toEqual([]);
    });
  });
}
