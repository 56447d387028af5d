import { afterAll, beforeAll, expect, it } from "vitest";
import type { SqlClient } from "../../../src/adapters/postgres/index.js";
import { expectMoatErrorAsync } from "../../helpers/assertions.js";
import { describePostgres, type PostgresHandle } from "../../helpers/postgres.js";

describePostgres("SqlClient", (target) => {
  let db: PostgresHandle;
  let client: SqlClient;
  beforeAll(async () => {
    db = await target.connect({ max: 3 });
    client = db.client;
    await client.exec("CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL); CREATE TABLE log (n int);");
  });
  afterAll(async () => db.close());

  it("binds parameters instead of interpolating them", async () => {
    const hostile = "x'); DROP TABLE items; --";
    await client.query("INSERT INTO items (id, label) VALUES ($1, $2)", [1, hostile]);
    const { rows } = await client.query<{ label: string }>("SELECT label FROM items WHERE id = $1", [1]);
    expect(rows).toEqual([{ label: hostile }]);
  });

  it("reports row counts for writes and reads alike", async () => {
    const ins = await client.query("INSERT INTO items (id, label) VALUES (2, 'b'), (3, 'c')");
    expect(ins.rowCount).toBe(2);
    const sel = await client.query("SELECT * FROM items WHERE id >= 2");
    expect(sel.rowCount).toBe(2);
    const upd = await client.query("UPDATE items SET label = 'z' WHERE id > 100");
    expect(upd.rowCount).toBe(0);
  });

  it("runs multi-statement scripts with exec", async () => {
    await client.exec("INSERT INTO log VALUES (1); INSERT INTO log VALUES (2);");
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM log");
    expect(rows[0]?.n).toBe(2);
  });

  it("commits a transaction that resolves", async () => {
    const result = await client.transaction(async (tx) => {
      await tx.query("INSERT INTO items (id, label) VALUES (10, 'committed')");
      return "done";
    });
    expect(result).toBe("done");
    const { rowCount } = await client.query("SELECT 1 FROM items WHERE id = 10");
    expect(rowCount).toBe(1);
  });

  it("rolls back a transaction that throws and rethrows the error", async () => {
    const boom = new Error("boom");
    await expect(
      client.transaction(async (tx) => {
        await tx.query("INSERT INTO items (id, label) VALUES (11, 'rolled back')");
        throw boom;
      }),
    ).rejects.toBe(boom);
    const { rowCount } = await client.query("SELECT 1 FROM items WHERE id = 11");
    expect(rowCount).toBe(0);
  });

  it("nests transactions as savepoints", async () => {
    await client.transaction(async (tx) => {
      await tx.query("INSERT INTO items (id, label) VALUES (20, 'outer')");
      await expect(
        tx.transaction(async (inner) => {
          await inner.query("INSERT INTO items (id, label) VALUES (21, 'inner')");
          throw new Error("inner fails");
        }),
      ).rejects.toThrow("inner fails");
      await tx.transaction(async (inner) => {
        await inner.query("INSERT INTO items (id, label) VALUES (22, 'inner ok')");
      });
    });
    const { rows } = await client.query<{ id: number }>("SELECT id FROM items WHERE id BETWEEN 20 AND 29 ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual([20, 22]);
  });

  it("keeps a transaction's statements on one connection (SET LOCAL is visible to the next statement)", async () => {
    const seen = await client.transaction(async (tx) => {
      await tx.query("SELECT set_config('moatkit.probe', $1, true)", ["on"]);
      const { rows } = await tx.query<{ v: string }>("SELECT current_setting('moatkit.probe', true) AS v");
      return rows[0]?.v;
    });
    expect(seen).toBe("on");
  });

  it("returns connections to the pool after failures (no leak under many failing transactions)", async () => {
    for (let i = 0; i < 10; i++) {
      await expect(client.transaction(async (tx) => tx.query("SELECT * FROM no_such_table"))).rejects.toThrow();
    }
    const { rows } = await client.query<{ one: number }>("SELECT 1 AS one");
    expect(rows[0]?.one).toBe(1);
    if (db.pool !== undefined) expect(db.pool.totalCount).toBeLessThanOrEqual(3);
  });

  // A callback that swallows a failing statement leaves the transaction aborted; Postgres then
  // answers COMMIT with ROLLBACK and no error. Reporting that as success would lose writes silently.
  it("rejects with ERR_STORE when COMMIT is answered with ROLLBACK, and commits nothing", async () => {
    const attempt = client.transaction(async (tx) => {
      await tx.query("INSERT INTO items (id, label) VALUES (30, 'lost')");
      await tx.query("SELECT * FROM no_such_table").catch(() => undefined);
      return "claimed success";
    });
    const err = await expectMoatErrorAsync(attempt, "ERR_STORE");
    expect(err.message).not.toMatch(/no_such_table|commands ignored|instead of committed/i);
    expect(err.cause).toBeDefined();
    const { rowCount } = await client.query("SELECT 1 FROM items WHERE id = 30");
    expect(rowCount).toBe(0);
    // The connection is usable afterwards.
    expect((await client.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).toBe(1);
  });

  it("rejects a nested transaction whose savepoint was aborted, and keeps the outer one usable", async () => {
    const outcome = await client.transaction(async (tx) => {
      await tx.query("INSERT INTO items (id, label) VALUES (31, 'outer')");
      const inner = tx.transaction(async (sp) => {
        await sp.query("INSERT INTO items (id, label) VALUES (32, 'inner lost')");
        await sp.query("SELECT * FROM no_such_table").catch(() => undefined);
        return "claimed success";
      });
      await expectMoatErrorAsync(inner, "ERR_STORE");
      return "outer done";
    });
    expect(outcome).toBe("outer done");
    const { rows } = await client.query<{ id: number }>("SELECT id FROM items WHERE id IN (31, 32) ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual([31]);
  });
});
