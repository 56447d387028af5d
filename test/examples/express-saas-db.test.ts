/**
 * The example app's own pg pool (openDatabase with a connection string) when the server ends an
 * idle connection, as a PostgreSQL restart does. Found by `npm run chaos`: the pool had no
 * 'error' listener, so the restart crashed the app. Real Postgres only.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../examples/express-saas/db.js";
import { describeUrl, describeWithoutService, envUrl } from "../helpers/services.js";

const url = envUrl("DATABASE_URL");

if (url === undefined) {
  describeWithoutService("express-saas database pool", "PostgreSQL", "DATABASE_URL");
} else {
  describe(`express-saas database pool (${describeUrl(url)})`, () => {
    let admin: pg.Client;
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    beforeAll(async () => {
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
      process.on("uncaughtException", onUncaught);
    });
    afterAll(async () => {
      process.off("uncaughtException", onUncaught);
      await admin.end();
    });

    it("outlives the server ending its idle connections, and connects again", async () => {
      const db = await openDatabase(url);
      try {
        const { rows } = await db.client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await admin.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(uncaught).toEqual([]);
        const again = await db.client.query<{ one: number }>("SELECT 1 AS one");
        expect(again.rows).toEqual([{ one: 1 }]);
      } finally {
        await db.close();
      }
    });
  });
}
