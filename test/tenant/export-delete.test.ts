import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlClient } from "../../src/adapters/postgres/index.js";
import { deleteTenant, exportTenant, rlsPolicySql } from "../../src/tenant/index.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, type PostgresHandle } from "../helpers/postgres.js";
import { createTestRole, grantTables, type TestRole } from "./helpers.js";

/** Real database work under a shared, loaded machine: never the 5 s default. */
const DB_TIMEOUT = 30_000;

/**
 * Three levels below the tenant: projects (tenant_id) → tasks → task_comments (with replies
 * pointing at comments), plus labels (tenant_id) and task_labels (tenant_id, a composite key to
 * labels and a key to tasks). tasks also point at the shared `users` table, and projects at
 * `tenants`: neither belongs to a tenant's data.
 */
const SCHEMA_SQL = `
CREATE TABLE tenants (id text PRIMARY KEY);
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE projects (id int PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenants (id), name text NOT NULL);
CREATE TABLE tasks (id int PRIMARY KEY, project_id int NOT NULL REFERENCES projects (id), assignee_id int REFERENCES users (id),
  title text NOT NULL, due timestamptz, estimate numeric, big bigint);
CREATE TABLE task_comments (id int PRIMARY KEY, task_id int NOT NULL REFERENCES tasks (id), parent_id int REFERENCES task_comments (id), body text NOT NULL);
CREATE TABLE labels (tenant_id text NOT NULL, name text NOT NULL, PRIMARY KEY (tenant_id, name));
CREATE TABLE task_labels (task_id int NOT NULL REFERENCES tasks (id), tenant_id text NOT NULL, label text NOT NULL,
  FOREIGN KEY (tenant_id, label) REFERENCES labels (tenant_id, name));`;

const TABLES = ["labels", "projects", "tasks", "task_comments", "task_labels"] as const;
const PER_TENANT = { labels: 2, projects: 2, tasks: 4, task_comments: 8, task_labels: 4 } as const;

/** Seeds tenant number `n` (ids don't overlap between tenants). */
async function seedTenant(client: SqlClient, tenant: string, n: number): Promise<void> {
  await client.query("INSERT INTO tenants VALUES ($1)", [tenant]);
  await client.query("INSERT INTO labels VALUES ($1, 'red'), ($1, 'blue')", [tenant]);
  for (let p = 0; p < 2; p++) {
    const project = n * 100 + p;
    await client.query("INSERT INTO projects VALUES ($1, $2, $3)", [project, tenant, `project ${String(project)}`]);
    for (let t = 0; t < 2; t++) {
      const task = project * 10 + t;
      await client.query("INSERT INTO tasks VALUES ($1, $2, 1, $3, '2024-01-02 03:04:05+00', 1.50, 9007199254740993)", [
        task,
        project,
        `task ${String(task)}`,
      ]);
      await client.query("INSERT INTO task_comments VALUES ($1, $2, NULL, 'first'), ($1 + 1, $2, $1, 'reply')", [
        task * 10,
        task,
      ]);
      await client.query("INSERT INTO task_labels VALUES ($1, $2, 'red')", [task, tenant]);
    }
  }
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

interface Line {
  table: string;
  row: Record<string, unknown>;
}

const parse = (lines: readonly string[]): Line[] => lines.map((l) => JSON.parse(l) as Line);

async function tableCounts(client: SqlClient): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of [...TABLES, "users", "tenants"]) {
    out[t] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]?.n ?? -1;
  }
  return out;
}

describePostgres("exportTenant and deleteTenant", (target) => {
  let db: PostgresHandle;
  let app: TestRole;
  let owner: TestRole;
  const extraSchemas: string[] = [];

  beforeAll(async () => {
    db = await target.connect({ max: 3 });
    app = await createTestRole(db);
    owner = await createTestRole(db, "mk_owner");
    await db.client.exec(SCHEMA_SQL);
    await db.client.query("INSERT INTO users VALUES (1, 'shared@example.com')");
    for (const table of ["projects", "labels", "task_labels"]) await db.client.exec(rlsPolicySql({ table }));
    await grantTables(db, app.name);
    await seedTenant(db.client, "acme", 1);
    await seedTenant(db.client, "globex", 2);
  });

  afterAll(async () => {
    for (const s of extraSchemas) await db.client.exec(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await app.drop();
    await owner.drop();
    await db.close();
  });

  describe("exportTenant", () => {
    it(
      "streams every row of the tenant through three levels of foreign keys, parents first, and none of another tenant",
      async () => {
        const lines = await collect(exportTenant(db.client, "acme", { schema: db.schema }));
        for (const l of lines) expect(l.endsWith("}\n")).toBe(true);
        const parsed = parse(lines);
        const byTable = Object.fromEntries(
          TABLES.map((t) => [t, parsed.filter((l) => l.table === t).map((l) => l.row)]),
        );
        expect(Object.fromEntries(TABLES.map((t) => [t, byTable[t]?.length]))).toEqual(PER_TENANT);
        expect([...new Set(parsed.map((l) => l.table))]).toEqual([
          "labels",
          "projects",
          "tasks",
          "task_comments",
          "task_labels",
        ]);
        expect(byTable.projects?.map((r) => r.tenant_id)).toEqual(["acme", "acme"]);
        expect(byTable.projects?.map((r) => r.id).sort()).toEqual([100, 101]);
        for (const task of byTable.tasks ?? []) expect([100, 101]).toContain(task.project_id);
        const taskIds = (byTable.tasks ?? []).map((r) => r.id);
        for (const c of byTable.task_comments ?? []) expect(taskIds).toContain(c.task_id);
        expect(lines.join("")).not.toContain("globex");
        expect(lines.join("")).not.toContain("shared@example.com");
      },
      DB_TIMEOUT,
    );

    it(
      "renders values through Postgres, identically on every driver",
      async () => {
        const lines = await collect(exportTenant(db.client, "acme", { schema: db.schema }));
        const task = lines.find((l) => l.includes('"table":"tasks"'));
        expect(task).toBe(
          '{"table":"tasks","row":{"id":1000,"project_id":100,"assignee_id":1,"title":"task 1000","due":"2024-01-02T03:04:05+00:00","estimate":1.50,"big":9007199254740993}}\n',
        );
      },
      DB_TIMEOUT,
    );

    it(
      "gives the same lines with any batch size, and through a Node Readable",
      async () => {
        const reference = await collect(exportTenant(db.client, "globex", { schema: db.schema }));
        expect(await collect(exportTenant(db.client, "globex", { schema: db.schema, batchSize: 1 }))).toEqual(
          reference,
        );
        let text = "";
        for await (const chunk of Readable.from(exportTenant(db.client, "globex", { schema: db.schema, batchSize: 3 })))
          text += String(chunk);
        expect(text).toBe(reference.join(""));
      },
      DB_TIMEOUT,
    );

    it(
      "ends its transaction when the consumer stops early",
      async () => {
        let taken = 0;
        for await (const _line of exportTenant(db.client, "acme", { schema: db.schema, batchSize: 2 })) {
          if (++taken === 3) break;
        }
        expect(taken).toBe(3);
        // PGlite has one connection: this would hang if the export's transaction were still open.
        expect((await db.client.query<{ n: number }>("SELECT count(*)::int AS n FROM projects")).rows[0]?.n).toBe(4);
        if (db.pool !== undefined) expect(db.pool.idleCount).toBe(db.pool.totalCount);
      },
      DB_TIMEOUT,
    );

    it(
      "runs as the app role under RLS when asked, and as a non-superuser owner of forced-RLS tables",
      async () => {
        const reference = await collect(exportTenant(db.client, "acme", { schema: db.schema }));
        expect(await collect(exportTenant(db.client, "acme", { schema: db.schema, role: app.name }))).toEqual(
          reference,
        );
        await db.client
          .exec(`ALTER TABLE projects OWNER TO ${owner.name}; ALTER TABLE labels OWNER TO ${owner.name}; ALTER TABLE task_labels OWNER TO ${owner.name};
        GRANT USAGE ON SCHEMA ${db.schema} TO ${owner.name}; GRANT SELECT ON ALL TABLES IN SCHEMA ${db.schema} TO ${owner.name};`);
        try {
          expect(await collect(exportTenant(db.client, "acme", { schema: db.schema, role: owner.name }))).toEqual(
            reference,
          );
        } finally {
          await db.client.exec(
            `ALTER TABLE projects OWNER TO CURRENT_USER; ALTER TABLE labels OWNER TO CURRENT_USER; ALTER TABLE task_labels OWNER TO CURRENT_USER;`,
          );
        }
      },
      DB_TIMEOUT,
    );

    it(
      "reports a role it cannot assume as ERR_CONFIG while iterating",
      async () => {
        await expectMoatErrorAsync(
          collect(exportTenant(db.client, "acme", { schema: db.schema, role: "mk_no_such_role_z1" })),
          "ERR_CONFIG",
        );
      },
      DB_TIMEOUT,
    );

    it(
      "validates its arguments when called",
      () => {
        for (const client of WRONG_TYPES)
          expectMoatError(() => exportTenant(client as never, "acme"), "ERR_INVALID_INPUT");
        for (const id of [...WRONG_TYPES, "", "a\u0000b", "x".repeat(257)])
          expectMoatError(() => exportTenant(db.client, id as never), "ERR_INVALID_INPUT");
        for (const options of [
          null,
          42,
          "public",
          { schema: "a;b" },
          { batchSize: 0 },
          { batchSize: 1.5 },
          { setting: "x" },
          { role: "none" },
          { extra: 1 },
        ]) {
          expectMoatError(() => exportTenant(db.client, "acme", options as never), "ERR_INVALID_INPUT");
        }
      },
      DB_TIMEOUT,
    );
  });

  describe("deleteTenant", () => {
    it(
      "counts in a dry run and changes nothing, then deletes children first and leaves the other tenant intact",
      async () => {
        await seedTenant(db.client, "initech", 3);
        const before = await tableCounts(db.client);
        const globexBefore = await collect(exportTenant(db.client, "globex", { schema: db.schema }));
        const expected = [
          { table: "task_labels", rows: 4 },
          { table: "task_comments", rows: 8 },
          { table: "tasks", rows: 4 },
          { table: "projects", rows: 2 },
          { table: "labels", rows: 2 },
        ];

        const dry = await deleteTenant(db.client, "initech", { schema: db.schema, dryRun: true });
        expect(dry).toEqual({ dryRun: true, tables: expected, totalRows: 20 });
        expect(await tableCounts(db.client)).toEqual(before);

        const done = await deleteTenant(db.client, "initech", { schema: db.schema });
        expect(done).toEqual({ dryRun: false, tables: expected, totalRows: 20 });
        const after = await tableCounts(db.client);
        expect(after).toEqual({
          ...before,
          ...Object.fromEntries(TABLES.map((t) => [t, (before[t] ?? 0) - PER_TENANT[t]])),
        });
        expect(await collect(exportTenant(db.client, "initech", { schema: db.schema }))).toEqual([]);
        expect(await collect(exportTenant(db.client, "globex", { schema: db.schema }))).toEqual(globexBefore);
        // The shared users row and the tenants row are not the tenant's data.
        expect(after.users).toBe(1);
        expect(after.tenants).toBe(before.tenants);
      },
      DB_TIMEOUT,
    );

    it(
      "deletes as the app role, confined by RLS",
      async () => {
        await seedTenant(db.client, "hooli", 4);
        const done = await deleteTenant(db.client, "hooli", { schema: db.schema, role: app.name });
        expect(done.totalRows).toBe(20);
        expect(await collect(exportTenant(db.client, "hooli", { schema: db.schema }))).toEqual([]);
        expect((await collect(exportTenant(db.client, "globex", { schema: db.schema }))).length).toBe(20);
      },
      DB_TIMEOUT,
    );

    it(
      "deletes nothing when any statement fails",
      async () => {
        await seedTenant(db.client, "umbrella", 5);
        await db.client.exec(`
        CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'locked'; END $$;
        CREATE TRIGGER projects_locked BEFORE DELETE ON projects FOR EACH ROW WHEN (OLD.tenant_id = 'umbrella') EXECUTE FUNCTION refuse_delete();`);
        try {
          const before = await tableCounts(db.client);
          await expectMoatErrorAsync(deleteTenant(db.client, "umbrella", { schema: db.schema }), "ERR_STORE");
          expect(await tableCounts(db.client)).toEqual(before);
        } finally {
          await db.client.exec("DROP TRIGGER projects_locked ON projects; DROP FUNCTION refuse_delete();");
          await deleteTenant(db.client, "umbrella", { schema: db.schema });
        }
      },
      DB_TIMEOUT,
    );

    it(
      "binds hostile tenant ids: they match nothing and run nothing",
      async () => {
        const before = await tableCounts(db.client);
        for (const id of ["acme' OR '1'='1", "acme'; DROP TABLE projects; --", "*/ OR 1=1 /*"]) {
          expect((await deleteTenant(db.client, id, { schema: db.schema })).totalRows).toBe(0);
          expect(await collect(exportTenant(db.client, id, { schema: db.schema }))).toEqual([]);
        }
        expect(await tableCounts(db.client)).toEqual(before);
      },
      DB_TIMEOUT,
    );

    it(
      "refuses a schema whose tenant tables reference each other in a cycle",
      async () => {
        const s = `${db.schema}_cycle`;
        extraSchemas.push(s);
        await db.client.exec(`CREATE SCHEMA ${s};
        CREATE TABLE ${s}.a (id int PRIMARY KEY, tenant_id text NOT NULL, b_id int);
        CREATE TABLE ${s}.b (id int PRIMARY KEY, tenant_id text NOT NULL, a_id int REFERENCES ${s}.a (id));
        ALTER TABLE ${s}.a ADD FOREIGN KEY (b_id) REFERENCES ${s}.b (id);`);
        const err = await expectMoatErrorAsync(deleteTenant(db.client, "acme", { schema: s }), "ERR_UNSUPPORTED");
        expect(err.details).toEqual({ tables: ["a", "b"] });
        await expectMoatErrorAsync(collect(exportTenant(db.client, "acme", { schema: s })), "ERR_UNSUPPORTED");
      },
      DB_TIMEOUT,
    );

    it(
      "validates its arguments",
      async () => {
        for (const client of WRONG_TYPES)
          await expectMoatErrorAsync(deleteTenant(client as never, "acme"), "ERR_INVALID_INPUT");
        for (const id of [...WRONG_TYPES, "", "a\nb", "x".repeat(257)])
          await expectMoatErrorAsync(deleteTenant(db.client, id as never), "ERR_INVALID_INPUT");
        for (const options of [
          null,
          42,
          { dryRun: "yes" },
          { schema: "" },
          { tenantColumn: "x y" },
          { role: "public" },
          { extra: 1 },
        ]) {
          await expectMoatErrorAsync(deleteTenant(db.client, "acme", options as never), "ERR_INVALID_INPUT");
        }
      },
      DB_TIMEOUT,
    );
  });
});
