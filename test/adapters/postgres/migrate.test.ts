import { afterEach, beforeAll, expect, it } from "vitest";
import { getMigrationSql, migrate, type Migration } from "../../../src/adapters/postgres/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../../helpers/assertions.js";
import { describePostgres, type PostgresHandle } from "../../helpers/postgres.js";

const widgets: Migration[] = [
  { module: "widgets", version: 1, name: "create widgets", sql: "CREATE TABLE widgets (id int PRIMARY KEY);" },
  {
    module: "widgets",
    version: 2,
    name: "add a name and an index",
    sql: "ALTER TABLE widgets ADD COLUMN name text; CREATE INDEX widgets_name ON widgets (name);",
  },
];

// Each test opens its own database (a PGlite clone takes seconds on a loaded machine).
describePostgres("migrate", (target) => {
  const open: PostgresHandle[] = [];
  const connect = async () => {
    const db = await target.connect();
    open.push(db);
    return db;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((db) => db.close()));
  });
  // The first connection per process initialises PGlite's template (seconds on a loaded machine):
  // do it under the hook timeout rather than inside the first test's 5 s.
  beforeAll(async () => {
    await (await target.connect()).close();
  });

  it("applies each step once and records it", async () => {
    const { client } = await connect();
    const first = await migrate(client, { migrations: widgets });
    expect(first.applied.map((m) => m.version)).toEqual([1, 2]);
    expect(first.alreadyApplied).toBe(0);
    const { rows } = await client.query<{ module: string; version: number; name: string }>(
      "SELECT module, version, name FROM moatkit_migrations ORDER BY version",
    );
    expect(rows).toEqual([
      { module: "widgets", version: 1, name: "create widgets" },
      { module: "widgets", version: 2, name: "add a name and an index" },
    ]);
    await client.query("INSERT INTO widgets (id, name) VALUES (1, 'a')");
  }, 30_000);

  it("is idempotent", async () => {
    const { client } = await connect();
    await migrate(client, { migrations: widgets });
    const again = await migrate(client, { migrations: widgets });
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(2);
  }, 30_000);

  it("applies only the new steps when a module gains a version", async () => {
    const { client } = await connect();
    await migrate(client, { migrations: widgets.slice(0, 1) });
    const next = await migrate(client, { migrations: widgets });
    expect(next.applied.map((m) => m.version)).toEqual([2]);
  }, 30_000);

  it("is safe when several runners start at once", async () => {
    const { client } = await connect();
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(client, { migrations: widgets })));
    const appliedCounts = results.map((r) => r.applied.length);
    expect(appliedCounts.reduce((a, b) => a + b, 0)).toBe(2);
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM moatkit_migrations");
    expect(rows[0]?.n).toBe(2);
  }, 30_000);

  it("rolls back a failing step entirely and does not record it", async () => {
    const { client } = await connect();
    const broken: Migration[] = [
      ...widgets,
      {
        module: "widgets",
        version: 3,
        name: "broken",
        sql: "CREATE TABLE half (id int); SELECT * FROM missing_table;",
      },
    ];
    await expect(migrate(client, { migrations: broken })).rejects.toThrow();
    const { rows } = await client.query<{ v: number }>("SELECT max(version)::int AS v FROM moatkit_migrations");
    expect(rows[0]?.v).toBe(2);
    const half = await client.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
    expect(half.rowCount).toBe(0);
  }, 30_000);

  it("refuses to skip a step whose SQL changed after it was applied", async () => {
    const { client } = await connect();
    await migrate(client, { migrations: widgets });
    const edited = widgets.map((m) =>
      m.version === 1 ? { ...m, sql: "CREATE TABLE widgets (id bigint PRIMARY KEY);" } : m,
    );
    await expectMoatErrorAsync(migrate(client, { migrations: edited }), "ERR_INTEGRITY");
  }, 30_000);

  it("produces SQL for external tools that migrate() then recognises as applied", async () => {
    const { client } = await connect();
    const script = getMigrationSql({ migrations: widgets });
    expect(script).toContain("CREATE TABLE widgets");
    expect(script).toContain("INSERT INTO moatkit_migrations");
    await client.exec(script);
    const result = await migrate(client, { migrations: widgets });
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toBe(2);
  }, 30_000);

  it("runs moatkit's own migrations idempotently", async () => {
    const { client } = await connect();
    await migrate(client);
    const again = await migrate(client);
    expect(again.applied).toEqual([]);
  }, 30_000);
});

it("rejects malformed migration lists with ERR_CONFIG", () => {
  const bad: Migration[][] = [
    [{ module: "Bad Name", version: 1, name: "x", sql: "SELECT 1" }],
    [{ module: "m", version: 0, name: "x", sql: "SELECT 1" }],
    [{ module: "m", version: 1.5, name: "x", sql: "SELECT 1" }],
    [{ module: "m", version: 1, name: "x", sql: "   " }],
    [
      { module: "m", version: 2, name: "x", sql: "SELECT 1" },
      { module: "m", version: 1, name: "y", sql: "SELECT 1" },
    ],
    [
      { module: "m", version: 1, name: "x", sql: "SELECT 1" },
      { module: "m", version: 1, name: "y", sql: "SELECT 2" },
    ],
  ];
  for (const migrations of bad) expectMoatError(() => getMigrationSql({ migrations }), "ERR_CONFIG");
});
