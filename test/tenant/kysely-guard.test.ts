import fc from "fast-check";
import { type ColumnType, Kysely, PostgresDialect, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWithTenant } from "../../src/tenant/index.js";
import { tenantGuard } from "../../src/tenant/kysely/index.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, type PostgresHandle } from "../helpers/postgres.js";
import { compileOnlyDialect, sqlClientDialect } from "./kysely-dialect.js";

/** Real database work under a shared, loaded machine: never the 5 s default. */
const DB_TIMEOUT = 30_000;

/** The guard fills the tenant column on insert, so inserts may leave it out. */
type TenantColumn = ColumnType<string, string | undefined, string>;

interface DB {
  projects: { id: number; tenant_id: TenantColumn; name: string };
  tasks: { id: number; tenant_id: TenantColumn; project_id: number; title: string };
  slugs: { slug: string; tenant_id: TenantColumn; hits: number };
  countries: { code: string; name: string };
}

const A = { tenantId: "tenant_a", userId: "u_a" };

/** Tenant ids may hold anything but control characters. */
function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}
const B = { tenantId: "tenant_b", userId: "u_b" };
const guard = tenantGuard({ tables: ["projects", "tasks", "slugs"] });
const compiler = new Kysely<DB>({ dialect: compileOnlyDialect, plugins: [guard] });

function compiled(q: { compile(): { sql: string; parameters: readonly unknown[] } }): {
  sql: string;
  parameters: readonly unknown[];
} {
  const { sql: text, parameters } = q.compile();
  return { sql: text, parameters };
}

describe("tenantGuard: compiled SQL", () => {
  it("adds the tenant filter to a select, after the query's own condition in parentheses", () => {
    runWithTenant(A, () => {
      expect(compiled(compiler.selectFrom("projects").selectAll())).toEqual({
        sql: 'select * from "projects" where "projects"."tenant_id" = $1',
        parameters: ["tenant_a"],
      });
      expect(
        compiled(
          compiler
            .selectFrom("projects")
            .select("id")
            .where((eb) => eb.or([eb("name", "=", "x"), eb("id", "=", 1)])),
        ),
      ).toEqual({
        sql: 'select "id" from "projects" where (("name" = $1 or "id" = $2)) and "projects"."tenant_id" = $3',
        parameters: ["x", 1, "tenant_a"],
      });
    });
  });

  it("qualifies by alias, filters joins in ON, and reaches subqueries and CTE bodies once", () => {
    runWithTenant(A, () => {
      expect(compiled(compiler.selectFrom("projects as p").select("p.id")).sql).toBe(
        'select "p"."id" from "projects" as "p" where "p"."tenant_id" = $1',
      );
      expect(
        compiled(
          compiler
            .selectFrom("countries")
            .leftJoin("projects", "projects.name", "countries.name")
            .select("countries.code"),
        ).sql,
      ).toBe(
        'select "countries"."code" from "countries" left join "projects" on ("projects"."name" = "countries"."name") and "projects"."tenant_id" = $1',
      );
      expect(
        compiled(
          compiler
            .selectFrom("tasks")
            .select("id")
            .where("project_id", "in", compiler.selectFrom("projects").select("id")),
        ).sql,
      ).toBe(
        'select "id" from "tasks" where ("project_id" in (select "id" from "projects" where "projects"."tenant_id" = $1)) and "tasks"."tenant_id" = $2',
      );
      expect(
        compiled(
          compiler
            .with("mine", (db) => db.selectFrom("projects").select("id"))
            .selectFrom("mine")
            .selectAll(),
        ).sql,
      ).toBe('with "mine" as (select "id" from "projects" where "projects"."tenant_id" = $1) select * from "mine"');
      expect(compiled(compiler.selectFrom("countries").crossJoin("projects").selectAll()).sql).toBe(
        'select * from "countries" cross join "projects" where "projects"."tenant_id" = $1',
      );
    });
  });

  it("confines update and delete, fills insert, and confines ON CONFLICT DO UPDATE", () => {
    runWithTenant(A, () => {
      expect(compiled(compiler.updateTable("projects").set({ name: "r" }).where("id", "=", 1))).toEqual({
        sql: 'update "projects" set "name" = $1 where ("id" = $2) and "projects"."tenant_id" = $3',
        parameters: ["r", 1, "tenant_a"],
      });
      expect(compiled(compiler.deleteFrom("tasks"))).toEqual({
        sql: 'delete from "tasks" where "tasks"."tenant_id" = $1',
        parameters: ["tenant_a"],
      });
      expect(compiled(compiler.insertInto("projects").values({ id: 1, name: "n" }))).toEqual({
        sql: 'insert into "projects" ("id", "name", "tenant_id") values ($1, $2, $3)',
        parameters: [1, "n", "tenant_a"],
      });
      expect(
        compiled(
          compiler.insertInto("projects").values([
            { id: 1, name: "n", tenant_id: "tenant_a" },
            { id: 2, name: "m" },
          ]),
        ).parameters,
      ).toEqual([1, "n", "tenant_a", 2, "m", "tenant_a"]);
      expect(
        compiled(
          compiler
            .insertInto("slugs")
            .values({ slug: "s", hits: 1 })
            .onConflict((oc) => oc.column("slug").doUpdateSet({ hits: 2 })),
        ).sql,
      ).toBe(
        'insert into "slugs" ("slug", "hits", "tenant_id") values ($1, $2, $3) on conflict ("slug") do update set "hits" = $4 where "slugs"."tenant_id" = $5',
      );
    });
  });

  it("leaves queries on other tables untouched, with or without a tenant context", () => {
    const plain = { sql: 'select * from "countries" where "code" = $1', parameters: ["NZ"] };
    expect(compiled(compiler.selectFrom("countries").selectAll().where("code", "=", "NZ"))).toEqual(plain);
    runWithTenant(A, () => {
      expect(compiled(compiler.selectFrom("countries").selectAll().where("code", "=", "NZ"))).toEqual(plain);
      expect(compiled(compiler.insertInto("countries").values({ code: "NZ", name: "New Zealand" })).parameters).toEqual(
        ["NZ", "New Zealand"],
      );
    });
  });

  it("throws ERR_TENANT_SCOPE for a tenant table without a context", () => {
    expectMoatError(() => compiler.selectFrom("projects").selectAll().compile(), "ERR_TENANT_SCOPE");
    expectMoatError(
      () => compiler.insertInto("projects").values({ id: 1, name: "n", tenant_id: "tenant_a" }).compile(),
      "ERR_TENANT_SCOPE",
    );
    expectMoatError(() => compiler.deleteFrom("tasks").compile(), "ERR_TENANT_SCOPE");
  });

  it("throws ERR_TENANT_SCOPE for writes of another tenant's id", () => {
    runWithTenant(A, () => {
      expectMoatError(
        () => compiler.insertInto("projects").values({ id: 1, name: "n", tenant_id: "tenant_b" }).compile(),
        "ERR_TENANT_SCOPE",
      );
      expectMoatError(
        () =>
          compiler
            .insertInto("projects")
            .values([
              { id: 1, name: "n", tenant_id: "tenant_a" },
              { id: 2, name: "m", tenant_id: "tenant_b" },
            ])
            .compile(),
        "ERR_TENANT_SCOPE",
      );
      expectMoatError(
        () => compiler.updateTable("projects").set({ tenant_id: "tenant_b" }).compile(),
        "ERR_TENANT_SCOPE",
      );
      expectMoatError(
        () =>
          compiler
            .updateTable("projects")
            .set({ tenant_id: sql<string>`'tenant_b'` })
            .compile(),
        "ERR_TENANT_SCOPE",
      );
      expectMoatError(
        () =>
          compiler
            .insertInto("slugs")
            .values({ slug: "s", hits: 1 })
            .onConflict((oc) => oc.column("slug").doUpdateSet({ tenant_id: "tenant_b" }))
            .compile(),
        "ERR_TENANT_SCOPE",
      );
      // Setting the column to the current tenant, or to the row being inserted, is allowed.
      expect(compiled(compiler.updateTable("projects").set({ tenant_id: "tenant_a" })).parameters).toEqual([
        "tenant_a",
        "tenant_a",
      ]);
      compiler
        .insertInto("slugs")
        .values({ slug: "s", hits: 1 })
        .onConflict((oc) => oc.column("slug").doUpdateSet((eb) => ({ tenant_id: eb.ref("excluded.tenant_id") })))
        .compile();
    });
  });

  it("refuses shapes it cannot confine: INSERT … SELECT, right and full joins, MERGE", () => {
    runWithTenant(A, () => {
      expectMoatError(
        () =>
          compiler
            .insertInto("projects")
            .columns(["id", "name"])
            .expression(compiler.selectFrom("countries").select(["code as id", "name"]))
            .compile(),
        "ERR_TENANT_SCOPE",
      );
      expectMoatError(
        () =>
          compiler
            .selectFrom("countries")
            .rightJoin("projects", "projects.name", "countries.name")
            .selectAll()
            .compile(),
        "ERR_TENANT_SCOPE",
      );
      expectMoatError(
        () =>
          compiler
            .selectFrom("projects")
            .fullJoin("countries", "projects.name", "countries.name")
            .selectAll()
            .compile(),
        "ERR_TENANT_SCOPE",
      );
      expectMoatError(
        () =>
          compiler
            .mergeInto("projects")
            .using("countries", "countries.name", "projects.name")
            .whenMatched()
            .thenDelete()
            .compile(),
        "ERR_TENANT_SCOPE",
      );
    });
  });

  it("refuses a subquery built for one tenant and run in another's context", () => {
    const sub = runWithTenant(A, () => compiler.selectFrom("projects").select("id"));
    const outer = runWithTenant(A, () => compiler.selectFrom("tasks").select("id").where("project_id", "in", sub));
    runWithTenant(B, () => {
      expectMoatError(() => outer.compile(), "ERR_TENANT_SCOPE");
    });
    // A subquery on other tables carries no tenant, wherever it was built.
    const countries = runWithTenant(A, () => compiler.selectFrom("countries").select("name"));
    runWithTenant(B, () => {
      expect(compiled(compiler.selectFrom("projects").select("id").where("name", "in", countries)).parameters).toEqual([
        "tenant_b",
      ]);
    });
  });

  it("matches schema-qualified table names", () => {
    const qualified = new Kysely<DB>({
      dialect: compileOnlyDialect,
      plugins: [tenantGuard({ tables: ["billing.projects"] })],
    });
    runWithTenant(A, () => {
      expect(compiled(qualified.withSchema("billing").selectFrom("projects").selectAll()).sql).toBe(
        'select * from "billing"."projects" where "billing"."projects"."tenant_id" = $1',
      );
      expect(compiled(qualified.selectFrom("projects").selectAll()).sql).toBe(
        'select * from "projects" where "projects"."tenant_id" = $1',
      );
      expect(compiled(qualified.withSchema("other").selectFrom("projects").selectAll()).sql).toBe(
        'select * from "other"."projects"',
      );
    });
  });

  it("always binds the tenant id as a parameter", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }).filter(isPrintable), (tenantId) => {
        runWithTenant({ tenantId, userId: "u" }, () => {
          const q = compiled(compiler.selectFrom("projects").select("id").where("name", "=", "n"));
          expect(q.sql).toBe('select "id" from "projects" where ("name" = $1) and "projects"."tenant_id" = $2');
          expect(q.parameters).toEqual(["n", tenantId]);
        });
      }),
    );
  });

  it("rejects bad options", () => {
    const bad = [
      ...WRONG_TYPES,
      {},
      { tables: [] },
      { tables: "projects" },
      { tables: ["projects; drop"] },
      { tables: ['a"b'] },
      { tables: ["a.b.c"] },
      { tables: ["projects"], column: "tenant id" },
      { tables: ["projects"], column: "" },
      { tables: ["projects"], extra: 1 },
    ];
    for (const options of bad) expectMoatError(() => tenantGuard(options as never), "ERR_CONFIG");
  });
});

describePostgres("tenantGuard against a database", (target) => {
  let db: PostgresHandle;
  let kysely: Kysely<DB>;

  beforeAll(async () => {
    db = await target.connect({ max: 2 });
    await db.client.exec(`
      CREATE TABLE projects (id int PRIMARY KEY, tenant_id text NOT NULL, name text NOT NULL);
      CREATE TABLE tasks (id int PRIMARY KEY, tenant_id text NOT NULL, project_id int NOT NULL REFERENCES projects (id), title text NOT NULL);
      CREATE TABLE slugs (slug text PRIMARY KEY, tenant_id text NOT NULL, hits int NOT NULL);
      CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
      INSERT INTO projects VALUES (1, 'tenant_a', 'alpha'), (2, 'tenant_a', 'shared'), (3, 'tenant_b', 'shared');
      INSERT INTO tasks VALUES (10, 'tenant_a', 1, 'a task'), (11, 'tenant_a', 2, 'same'), (12, 'tenant_b', 3, 'same');
      INSERT INTO slugs VALUES ('taken', 'tenant_b', 1);
      INSERT INTO countries VALUES ('NZ', 'New Zealand'), ('FR', 'France');`);
    // Kysely's own PostgresDialect over pg on a real server; the SqlClient dialect on PGlite.
    const dialect = db.pool !== undefined ? new PostgresDialect({ pool: db.pool }) : sqlClientDialect(db.client);
    kysely = new Kysely<DB>({ dialect, plugins: [tenantGuard({ tables: ["projects", "tasks", "slugs"] })] });
  });

  afterAll(async () => {
    await db.close();
  });

  it(
    "returns only the current tenant's rows, also through joins and subqueries",
    async () => {
      const a = await runWithTenant(A, () =>
        kysely.selectFrom("projects").select(["id", "name"]).orderBy("id").execute(),
      );
      expect(a).toEqual([
        { id: 1, name: "alpha" },
        { id: 2, name: "shared" },
      ]);
      const b = await runWithTenant(B, () =>
        kysely.selectFrom("projects").select("id").where("name", "=", "shared").execute(),
      );
      expect(b).toEqual([{ id: 3 }]);
      const joined = await runWithTenant(B, () =>
        kysely
          .selectFrom("tasks")
          .innerJoin("projects", "projects.id", "tasks.project_id")
          .select(["tasks.id", "projects.name"])
          .execute(),
      );
      expect(joined).toEqual([{ id: 12, name: "shared" }]);
      const viaSubquery = await runWithTenant(A, () =>
        kysely
          .selectFrom("tasks")
          .select("id")
          .where("project_id", "in", kysely.selectFrom("projects").select("id"))
          .orderBy("id")
          .execute(),
      );
      expect(viaSubquery).toEqual([{ id: 10 }, { id: 11 }]);
    },
    DB_TIMEOUT,
  );

  it(
    "updates and deletes only the current tenant's rows",
    async () => {
      const updated = await runWithTenant(A, () =>
        kysely.updateTable("tasks").set({ title: "renamed" }).where("title", "=", "same").executeTakeFirst(),
      );
      expect(updated.numUpdatedRows).toBe(1n);
      const deleted = await runWithTenant(B, () =>
        kysely.deleteFrom("tasks").where("title", "in", ["same", "renamed"]).executeTakeFirst(),
      );
      expect(deleted.numDeletedRows).toBe(1n);
      const { rows } = await db.client.query<{ id: number; title: string }>("SELECT id, title FROM tasks ORDER BY id");
      expect(rows).toEqual([
        { id: 10, title: "a task" },
        { id: 11, title: "renamed" },
      ]);
    },
    DB_TIMEOUT,
  );

  it(
    "fills the tenant on insert, refuses another tenant's id, and keeps DO UPDATE off other tenants' rows",
    async () => {
      await runWithTenant(A, () => kysely.insertInto("projects").values({ id: 4, name: "new" }).execute());
      expect((await db.client.query("SELECT tenant_id FROM projects WHERE id = 4")).rows).toEqual([
        { tenant_id: "tenant_a" },
      ]);
      await expectMoatErrorAsync(
        runWithTenant(A, () =>
          kysely.insertInto("projects").values({ id: 5, name: "x", tenant_id: "tenant_b" }).execute(),
        ),
        "ERR_TENANT_SCOPE",
      );
      expect((await db.client.query("SELECT 1 FROM projects WHERE id = 5")).rows).toEqual([]);
      // 'taken' belongs to tenant B: A's upsert must neither change it nor take it over.
      await runWithTenant(A, () =>
        kysely
          .insertInto("slugs")
          .values({ slug: "taken", hits: 100 })
          .onConflict((oc) => oc.column("slug").doUpdateSet({ hits: 100 }))
          .execute(),
      );
      expect((await db.client.query("SELECT tenant_id, hits FROM slugs")).rows).toEqual([
        { tenant_id: "tenant_b", hits: 1 },
      ]);
    },
    DB_TIMEOUT,
  );

  it(
    "leaves other tables alone, and refuses tenant tables without a context",
    async () => {
      expect(await kysely.selectFrom("countries").select("code").orderBy("code").execute()).toEqual([
        { code: "FR" },
        { code: "NZ" },
      ]);
      await expectMoatErrorAsync(kysely.selectFrom("projects").selectAll().execute(), "ERR_TENANT_SCOPE");
    },
    DB_TIMEOUT,
  );

  it(
    "does not inspect raw SQL (pair it with row-level security)",
    async () => {
      const raw = await runWithTenant(A, () =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM projects`.execute(kysely),
      );
      expect(raw.rows[0]?.n).toBeGreaterThan(2);
    },
    DB_TIMEOUT,
  );
});

/**
 * A CTE named like a tenant table shadows it only where Postgres says so: in a non-recursive WITH,
 * for later CTEs of the same WITH and the main statement; never in its own body or earlier CTEs'.
 */
describe("tenantGuard: CTEs named like tenant tables", () => {
  /** Tables the attacks name that the schema does not declare: a CTE may take any name. */
  type LooseDB = DB & {
    Projects: { id: number; name: string };
    "public.projects": { id: number; tenant_id: TenantColumn; name: string };
  };
  const loose = new Kysely<LooseDB>({ dialect: compileOnlyDialect, plugins: [guard] });

  it("guards the real table inside the CTE's own body and in earlier CTEs' bodies", () => {
    runWithTenant(A, () => {
      expect(
        compiled(
          compiler
            .with("projects", (q) => q.selectFrom("projects").selectAll())
            .selectFrom("projects")
            .selectAll(),
        ).sql,
      ).toBe(
        'with "projects" as (select * from "projects" where "projects"."tenant_id" = $1) select * from "projects"',
      );
      expect(
        compiled(
          compiler
            .with("leak", (q) => q.selectFrom("projects").select("id"))
            .with("projects", (q) => q.selectFrom("leak").select("id"))
            .selectFrom("projects")
            .selectAll(),
        ).sql,
      ).toBe(
        'with "leak" as (select "id" from "projects" where "projects"."tenant_id" = $1), "projects" as (select "id" from "leak") select * from "projects"',
      );
    });
  });

  it("guards writes in a writable CTE named like their table", () => {
    runWithTenant(A, () => {
      expect(
        compiled(
          compiler
            .with("projects", (q) => q.updateTable("projects").set({ name: "x" }).returning("id"))
            .selectFrom("projects")
            .selectAll(),
        ).sql,
      ).toBe(
        'with "projects" as (update "projects" set "name" = $1 where "projects"."tenant_id" = $2 returning "id") select * from "projects"',
      );
      expect(
        compiled(
          compiler
            .with("projects", (q) => q.deleteFrom("projects").where("id", "=", 3).returning("id"))
            .selectFrom("projects")
            .selectAll(),
        ).sql,
      ).toBe(
        'with "projects" as (delete from "projects" where ("id" = $1) and "projects"."tenant_id" = $2 returning "id") select * from "projects"',
      );
      expectMoatError(
        () =>
          compiler
            .with("projects", (q) =>
              q.insertInto("projects").values({ id: 9, name: "x", tenant_id: "tenant_b" }).returning("id"),
            )
            .selectFrom("projects")
            .selectAll()
            .compile(),
        "ERR_TENANT_SCOPE",
      );
    });
  });

  it("guards the real table in nested WITHs and subqueries inside the CTE's body", () => {
    runWithTenant(A, () => {
      expect(
        compiled(
          compiler
            .with("projects", (q) =>
              q
                .with("inner", (q2) => q2.selectFrom("projects").selectAll())
                .selectFrom("inner")
                .selectAll(),
            )
            .selectFrom("projects")
            .selectAll(),
        ).parameters,
      ).toEqual(["tenant_a"]);
      expect(
        compiled(
          compiler
            .with("projects", (q) =>
              q
                .with("projects", (q2) => q2.selectFrom("projects").selectAll())
                .selectFrom("projects")
                .selectAll(),
            )
            .selectFrom("projects")
            .selectAll(),
        ).sql,
      ).toBe(
        'with "projects" as (with "projects" as (select * from "projects" where "projects"."tenant_id" = $1) select * from "projects") select * from "projects"',
      );
      expect(
        compiled(
          compiler
            .with("projects", (q) =>
              q
                .selectFrom("tasks")
                .select("project_id as id")
                .where("project_id", "in", (eb) => eb.selectFrom("projects").select("id")),
            )
            .selectFrom("projects")
            .selectAll(),
        ).parameters,
      ).toEqual(["tenant_a", "tenant_a"]);
    });
  });

  it("lets a CTE shadow the table in later CTEs, the main statement and its subqueries only", () => {
    runWithTenant(A, () => {
      const mine = compiler.with("projects", (q) => q.selectFrom("projects").select(["id", "name"]));
      expect(
        compiled(
          mine
            .with("later", (q) => q.selectFrom("projects").select("id"))
            .selectFrom("later")
            .selectAll()
            .where("id", "in", (eb) => eb.selectFrom("projects").select("id")),
        ).parameters,
      ).toEqual(["tenant_a"]);
      // A schema-qualified name is never a CTE, and identifiers are case-sensitive once quoted.
      expect(
        compiled(
          loose
            .with("projects", (q) => q.selectFrom("countries").select(["code as id", "name"]))
            .selectFrom("public.projects")
            .selectAll(),
        ).parameters,
      ).toEqual(["tenant_a"]);
      expect(
        compiled(
          loose
            .with("Projects", (q) => q.selectFrom("countries").select(["code as id", "name"]))
            .selectFrom("projects")
            .selectAll(),
        ).parameters,
      ).toEqual(["tenant_a"]);
    });
  });

  it("guards the target of UPDATE, DELETE, INSERT and MERGE, which Postgres never resolves to a CTE", () => {
    runWithTenant(A, () => {
      const shadow = compiler.with("projects", (q) =>
        q.selectFrom("countries").select([sql<number>`1`.as("id"), "name"]),
      );
      expect(compiled(shadow.updateTable("projects").set({ name: "x" })).sql).toBe(
        'with "projects" as (select 1 as "id", "name" from "countries") update "projects" set "name" = $1 where "projects"."tenant_id" = $2',
      );
      expect(compiled(shadow.deleteFrom("projects").where("id", "=", 3)).parameters).toEqual([3, "tenant_a"]);
      expectMoatError(
        () => shadow.insertInto("projects").values({ id: 9, name: "x", tenant_id: "tenant_b" }).compile(),
        "ERR_TENANT_SCOPE",
      );
      expect(compiled(shadow.insertInto("projects").values({ id: 9, name: "x" })).parameters).toEqual([
        9,
        "x",
        "tenant_a",
      ]);
      expectMoatError(
        () =>
          shadow
            .mergeInto("projects")
            .using("countries", "countries.name", "projects.name")
            .whenMatched()
            .thenDelete()
            .compile(),
        "ERR_TENANT_SCOPE",
      );
      // In a FROM or USING list of the same statement, the name is the CTE again.
      expect(
        compiled(
          shadow
            .updateTable("tasks")
            .from("projects")
            .set({ title: "x" })
            .whereRef("tasks.title", "=", "projects.name"),
        ).parameters,
      ).toEqual(["x", "tenant_a"]);
    });
  });

  it("with RECURSIVE, lets a CTE's body refer to itself and to later CTEs", () => {
    runWithTenant(A, () => {
      const q = compiler
        .withRecursive("projects(id)", (q) =>
          q
            .selectFrom("countries")
            .select(sql<number>`1`.as("id"))
            .union((q2) => q2.selectFrom("projects").select(sql<number>`id + 1`.as("id"))),
        )
        .selectFrom("projects")
        .selectAll();
      expect(compiled(q).parameters).toEqual([]);
      // Under RECURSIVE a body may name a CTE declared after it (Postgres resolves it to that CTE).
      const forward = compiler
        .withRecursive("early", (q) => q.selectFrom("projects").select("id"))
        .with("projects", (q) => q.selectFrom("countries").select("code as id"))
        .selectFrom("early")
        .selectAll();
      expect(compiled(forward).parameters).toEqual([]);
    });
  });
});

describePostgres("tenantGuard against a database: CTEs named like tenant tables", (target) => {
  let db: PostgresHandle;
  let kysely: Kysely<DB>;

  beforeAll(async () => {
    db = await target.connect({ max: 2 });
    await db.client.exec(`
      CREATE TABLE projects (id int PRIMARY KEY, tenant_id text NOT NULL, name text NOT NULL);
      CREATE TABLE tasks (id int PRIMARY KEY, tenant_id text NOT NULL, project_id int NOT NULL, title text NOT NULL);
      CREATE TABLE slugs (slug text PRIMARY KEY, tenant_id text NOT NULL, hits int NOT NULL);
      CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
      INSERT INTO projects VALUES (1, 'tenant_a', 'alpha'), (2, 'tenant_a', 'shared'), (3, 'tenant_b', 'shared');`);
    const dialect = db.pool !== undefined ? new PostgresDialect({ pool: db.pool }) : sqlClientDialect(db.client);
    kysely = new Kysely<DB>({ dialect, plugins: [tenantGuard({ tables: ["projects", "tasks", "slugs"] })] });
  });

  afterAll(async () => {
    await db.close();
  });

  async function projects(): Promise<unknown[]> {
    return (await db.client.query("SELECT id, tenant_id, name FROM projects ORDER BY id")).rows;
  }
  const untouched = [
    { id: 1, tenant_id: "tenant_a", name: "alpha" },
    { id: 2, tenant_id: "tenant_a", name: "shared" },
    { id: 3, tenant_id: "tenant_b", name: "shared" },
  ];

  it(
    "a select through a CTE named projects returns only the tenant's rows",
    async () => {
      const rows = await runWithTenant(A, () =>
        kysely
          .with("projects", (q) => q.selectFrom("projects").selectAll())
          .selectFrom("projects")
          .select("id")
          .orderBy("id")
          .execute(),
      );
      expect(rows).toEqual([{ id: 1 }, { id: 2 }]);
      const earlier = await runWithTenant(A, () =>
        kysely
          .with("leak", (q) => q.selectFrom("projects").select("id"))
          .with("projects", (q) => q.selectFrom("leak").select("id"))
          .selectFrom("projects")
          .select("id")
          .orderBy("id")
          .execute(),
      );
      expect(earlier).toEqual([{ id: 1 }, { id: 2 }]);
      const nested = await runWithTenant(A, () =>
        kysely
          .with("projects", (q) =>
            q
              .with("projects", (q2) => q2.selectFrom("projects").selectAll())
              .selectFrom("projects")
              .selectAll(),
          )
          .selectFrom("projects")
          .select("id")
          .orderBy("id")
          .execute(),
      );
      expect(nested).toEqual([{ id: 1 }, { id: 2 }]);
    },
    DB_TIMEOUT,
  );

  it(
    "a writable CTE named projects cannot update, delete or insert another tenant's rows",
    async () => {
      await runWithTenant(A, () =>
        kysely
          .with("projects", (q) => q.updateTable("projects").set({ name: "renamed" }).returning("id"))
          .selectFrom("projects")
          .selectAll()
          .execute(),
      );
      expect(await projects()).toEqual([
        { id: 1, tenant_id: "tenant_a", name: "renamed" },
        { id: 2, tenant_id: "tenant_a", name: "renamed" },
        untouched[2],
      ]);
      const deleted = await runWithTenant(A, () =>
        kysely
          .with("projects", (q) => q.deleteFrom("projects").where("id", "=", 3).returning("id"))
          .selectFrom("projects")
          .selectAll()
          .execute(),
      );
      expect(deleted).toEqual([]);
      await expectMoatErrorAsync(
        runWithTenant(A, () =>
          kysely
            .with("projects", (q) =>
              q.insertInto("projects").values({ id: 4, name: "x", tenant_id: "tenant_b" }).returning("id"),
            )
            .selectFrom("projects")
            .selectAll()
            .execute(),
        ),
        "ERR_TENANT_SCOPE",
      );
      expect((await projects()).map((r) => (r as { id: number }).id)).toEqual([1, 2, 3]);
      // The target of UPDATE and DELETE is the real table even when a CTE has its name.
      const shadow = kysely.with("projects", (q) =>
        q.selectFrom("countries").select([sql<number>`1`.as("id"), "name"]),
      );
      await runWithTenant(A, () => shadow.updateTable("projects").set({ name: "mine" }).execute());
      await runWithTenant(A, () => shadow.deleteFrom("projects").where("id", "=", 3).execute());
      expect(await projects()).toEqual([
        { id: 1, tenant_id: "tenant_a", name: "mine" },
        { id: 2, tenant_id: "tenant_a", name: "mine" },
        untouched[2],
      ]);
    },
    DB_TIMEOUT,
  );
});
