import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlClient } from "../../src/adapters/postgres/index.js";
import {
  type AdminAccessEvent,
  createTenantRls,
  currentTenant,
  impersonate,
  rlsPolicySql,
  runWithTenant,
  type TenantRls,
} from "../../src/tenant/index.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, type PostgresHandle } from "../helpers/postgres.js";
import { createTestRole, grantTables, onOneConnection, rejectionState, type TestRole } from "./helpers.js";

/** Real database work under a shared, loaded machine: never the 5 s default. */
const DB_TIMEOUT = 30_000;

const A = { tenantId: "tenant_a", userId: "user_a" } as const;
const B = { tenantId: "tenant_b", userId: "user_b" } as const;

async function bodies(tx: SqlClient): Promise<string[]> {
  const { rows } = await tx.query<{ body: string }>("SELECT body FROM notes ORDER BY body");
  return rows.map((r) => r.body);
}

async function settingOf(client: SqlClient, name: string): Promise<string | null> {
  const { rows } = await client.query<{ v: string | null }>("SELECT current_setting($1, true) AS v", [name]);
  return rows[0]?.v ?? null;
}

describePostgres("tenant RLS transactions", (target) => {
  let db: PostgresHandle;
  let app: TestRole;
  let rls: TenantRls;
  const audits: AdminAccessEvent[] = [];

  beforeAll(async () => {
    db = await target.connect({ max: 3 });
    app = await createTestRole(db);
    await db.client.exec(`
      CREATE TABLE notes (id serial PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL);
      CREATE TABLE members (id serial PRIMARY KEY, tenant_id text NOT NULL, email text NOT NULL UNIQUE);
      CREATE TABLE scoped_members (id serial PRIMARY KEY, tenant_id text NOT NULL, email text NOT NULL, UNIQUE (tenant_id, email));`);
    for (const table of ["notes", "members", "scoped_members"]) {
      await db.client.exec(rlsPolicySql({ table, adminSetting: "app.admin" }));
    }
    await grantTables(db, app.name);
    // The login role here is a superuser, which bypasses RLS: it seeds both tenants.
    await db.client.query("INSERT INTO notes (tenant_id, body) VALUES ($1, 'a1'), ($1, 'a2'), ($2, 'b1')", [
      A.tenantId,
      B.tenantId,
    ]);
    rls = createTenantRls({ appRole: app.name, onAudit: (e) => void audits.push(e), now: () => 1_700_000_000_000 });
  });

  afterAll(async () => {
    await app.drop();
    await db.close();
  });

  describe("isolation by the generated policies", () => {
    it(
      "shows tenant A only A's rows, and B only B's",
      async () => {
        expect(await rls.withTenantTransaction(db.client, A, bodies)).toEqual(["a1", "a2"]);
        expect(await rls.withTenantTransaction(db.client, B, bodies)).toEqual(["b1"]);
      },
      DB_TIMEOUT,
    );

    it(
      "refuses an insert of a row for another tenant",
      async () => {
        const attempt = rls.withTenantTransaction(db.client, A, (tx) =>
          tx.query("INSERT INTO notes (tenant_id, body) VALUES ($1, 'sneaky')", [B.tenantId]),
        );
        expect(await rejectionState(attempt)).toBe("42501");
        expect(await rls.withTenantTransaction(db.client, B, bodies)).toEqual(["b1"]);
      },
      DB_TIMEOUT,
    );

    it(
      "cannot update or delete another tenant's rows, which it cannot see",
      async () => {
        const counts = await rls.withTenantTransaction(db.client, A, async (tx) => [
          (await tx.query("UPDATE notes SET body = 'changed' WHERE tenant_id = $1", [B.tenantId])).rowCount,
          (await tx.query("DELETE FROM notes WHERE tenant_id = $1", [B.tenantId])).rowCount,
        ]);
        expect(counts).toEqual([0, 0]);
        expect(await rls.withTenantTransaction(db.client, B, bodies)).toEqual(["b1"]);
      },
      DB_TIMEOUT,
    );

    it(
      "refuses to move its own row to another tenant",
      async () => {
        const attempt = rls.withTenantTransaction(db.client, A, (tx) =>
          tx.query("UPDATE notes SET tenant_id = $1 WHERE body = 'a1'", [B.tenantId]),
        );
        expect(await rejectionState(attempt)).toBe("42501");
      },
      DB_TIMEOUT,
    );

    it(
      "inserts rows for its own tenant",
      async () => {
        await rls.withTenantTransaction(db.client, A, (tx) =>
          tx.query("INSERT INTO notes (tenant_id, body) VALUES ($1, 'a3')", [A.tenantId]),
        );
        expect(await rls.withTenantTransaction(db.client, A, bodies)).toEqual(["a1", "a2", "a3"]);
        await db.client.query("DELETE FROM notes WHERE body = 'a3'");
      },
      DB_TIMEOUT,
    );

    it(
      "rolls back everything when fn throws, and rethrows the error unchanged",
      async () => {
        const boom = new Error("boom");
        await expect(
          rls.withTenantTransaction(db.client, A, async (tx) => {
            await tx.query("INSERT INTO notes (tenant_id, body) VALUES ($1, 'rolled back')", [A.tenantId]);
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await rls.withTenantTransaction(db.client, A, bodies)).toEqual(["a1", "a2"]);
      },
      DB_TIMEOUT,
    );
  });

  describe("with no tenant set (fail closed)", () => {
    async function asAppWithoutTenant<T>(client: SqlClient, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      return client.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${app.name}`);
        return fn(tx);
      });
    }

    async function expectFailClosed(client: SqlClient): Promise<void> {
      expect(await asAppWithoutTenant(client, bodies)).toEqual([]);
      const write = asAppWithoutTenant(client, (tx) =>
        tx.query("INSERT INTO notes (tenant_id, body) VALUES ('', 'x')"),
      );
      expect(await rejectionState(write)).toBe("42501");
    }

    it(
      "reads zero rows and cannot write when the setting was never set (NULL)",
      async () => {
        await onOneConnection(db, expectFailClosed);
      },
      DB_TIMEOUT,
    );

    it(
      "reads zero rows and cannot write when a rolled-back SET LOCAL left the setting '' (not NULL)",
      async () => {
        await onOneConnection(db, async (client) => {
          await expect(
            rls.withTenantTransaction(client, A, () => Promise.reject(new Error("roll back"))),
          ).rejects.toThrow("roll back");
          // The pitfall itself: once touched in a session, the setting reads '' rather than NULL.
          expect(await settingOf(client, "app.tenant_id")).toBe("");
          await expectFailClosed(client);
        });
      },
      DB_TIMEOUT,
    );
  });

  describe("transaction scope", () => {
    it(
      "sets tenant, user, role and impersonator ids for the transaction only",
      async () => {
        await onOneConnection(db, async (client) => {
          const ctx = impersonate({ impersonator: "staff_1", target: { ...A, role: "admin" } });
          const inside = await rls.withTenantTransaction(client, ctx, async (tx) => ({
            tenant: await settingOf(tx, "app.tenant_id"),
            user: await settingOf(tx, "app.user_id"),
            role: await settingOf(tx, "app.user_role"),
            impersonator: await settingOf(tx, "app.impersonator_id"),
            admin: await settingOf(tx, "app.admin"),
            dbRole: (await tx.query<{ r: string }>("SELECT current_user AS r")).rows[0]?.r,
          }));
          expect(inside).toEqual({
            tenant: A.tenantId,
            user: A.userId,
            role: "admin",
            impersonator: "staff_1",
            admin: "",
            dbRole: app.name,
          });
          const after = (await client.query<{ r: string }>("SELECT current_user AS r")).rows[0]?.r;
          expect(after).not.toBe(app.name);
          for (const name of ["app.tenant_id", "app.user_id", "app.user_role", "app.impersonator_id"]) {
            expect([null, ""]).toContain(await settingOf(client, name));
          }
        });
      },
      DB_TIMEOUT,
    );

    it(
      "overrides session-level settings left on a connection by other code",
      async () => {
        await onOneConnection(db, async (client) => {
          await client.exec(`SET app.tenant_id = '${B.tenantId}'; SET app.admin = 'on';`);
          try {
            expect(await rls.withTenantTransaction(client, A, bodies)).toEqual(["a1", "a2"]);
          } finally {
            await client.exec("RESET app.tenant_id; RESET app.admin;");
          }
        });
      },
      DB_TIMEOUT,
    );

    it(
      "runs fn inside the tenant context, and uses the current context when ctx is omitted",
      async () => {
        expect(await rls.withTenantTransaction(db.client, A, async () => currentTenant())).toEqual(A);
        const viaContext = await runWithTenant(B, () => rls.withTenantTransaction(db.client, bodies));
        expect(viaContext).toEqual(["b1"]);
        const viaUndefined = await runWithTenant(B, () => rls.withTenantTransaction(db.client, undefined, bodies));
        expect(viaUndefined).toEqual(["b1"]);
      },
      DB_TIMEOUT,
    );

    it(
      "throws ERR_NO_TENANT without a context, before opening a transaction",
      async () => {
        let called = false;
        await expectMoatErrorAsync(
          rls.withTenantTransaction(db.client, async () => {
            called = true;
          }),
          "ERR_NO_TENANT",
        );
        expect(called).toBe(false);
      },
      DB_TIMEOUT,
    );
  });

  describe("injection", () => {
    it(
      "binds hostile tenant and user ids as values",
      async () => {
        const hostile = [
          "x'; DROP TABLE notes; --",
          'x"); DELETE FROM notes; /*',
          "*/ OR 1=1 --",
          "a' OR '1'='1",
          "$1; SELECT pg_sleep(1)",
        ];
        for (const tenantId of hostile) {
          const ctx = { tenantId, userId: `u${tenantId}` };
          await rls.withTenantTransaction(db.client, ctx, (tx) =>
            tx.query("INSERT INTO notes (tenant_id, body) VALUES ($1, $1)", [tenantId]),
          );
          expect(await rls.withTenantTransaction(db.client, ctx, bodies)).toEqual([tenantId]);
          expect(await rls.withTenantTransaction(db.client, ctx, (tx) => settingOf(tx, "app.user_id"))).toBe(
            `u${tenantId}`,
          );
        }
        expect(await rls.withTenantTransaction(db.client, A, bodies)).toEqual(["a1", "a2"]);
        await db.client.query("DELETE FROM notes WHERE tenant_id = ANY($1::text[])", [hostile]);
      },
      DB_TIMEOUT,
    );

    it(
      "rejects setting names, roles and table names that are not plain identifiers",
      () => {
        const badSettings = [
          "app.tenant_id'); DROP TABLE notes; --",
          "app.tenant_id;",
          "app.x--",
          "app./*x*/",
          "tenant_id",
          "App.Tenant",
          "app.'x'",
          "",
        ];
        for (const tenant of badSettings) {
          expectMoatError(() => createTenantRls({ appRole: app.name, settings: { tenant } }), "ERR_CONFIG");
          expectMoatError(() => rlsPolicySql({ table: "notes", setting: tenant }), "ERR_INVALID_INPUT");
          expectMoatError(() => rlsPolicySql({ table: "notes", adminSetting: tenant }), "ERR_INVALID_INPUT");
        }
        const badNames = ['app"; DROP ROLE x; --', "app;", "app--x", "a b", "1app", "", "x".repeat(64), "é"];
        for (const name of badNames) {
          expectMoatError(() => createTenantRls({ appRole: name }), "ERR_CONFIG");
          expectMoatError(() => rlsPolicySql({ table: name }), "ERR_INVALID_INPUT");
          expectMoatError(() => rlsPolicySql({ table: "notes", tenantColumn: name }), "ERR_INVALID_INPUT");
          expectMoatError(() => rlsPolicySql({ table: "notes", schema: name }), "ERR_INVALID_INPUT");
        }
      },
      DB_TIMEOUT,
    );
  });

  describe("roles that bypass RLS", () => {
    it(
      "refuses a superuser app role, and never runs fn",
      async () => {
        const su = createTenantRls({ appRole: "postgres" });
        let called = false;
        await expectMoatErrorAsync(
          su.withTenantTransaction(db.client, A, async () => {
            called = true;
          }),
          "ERR_CONFIG",
        );
        expect(called).toBe(false);
      },
      DB_TIMEOUT,
    );

    it(
      "refuses a BYPASSRLS app role",
      async () => {
        const bypass = await createTestRole(db, "mk_bypass", "BYPASSRLS");
        try {
          await expectMoatErrorAsync(
            createTenantRls({ appRole: bypass.name }).withTenantTransaction(db.client, A, bodies),
            "ERR_CONFIG",
          );
        } finally {
          await bypass.drop();
        }
      },
      DB_TIMEOUT,
    );

    it(
      "reports a missing app role as ERR_CONFIG",
      async () => {
        await expectMoatErrorAsync(
          createTenantRls({ appRole: "mk_missing_role_x9" }).withTenantTransaction(db.client, A, bodies),
          "ERR_CONFIG",
        );
      },
      DB_TIMEOUT,
    );

    it(
      "rejects role names SET ROLE treats specially",
      () => {
        for (const appRole of ["none", "NONE", "public", "current_user", "session_user", "pg_read_all_data"]) {
          expectMoatError(() => createTenantRls({ appRole }), "ERR_CONFIG");
        }
      },
      DB_TIMEOUT,
    );
  });

  describe("admin widening", () => {
    it(
      "audits first, then sees every tenant's rows inside its transaction only",
      async () => {
        audits.length = 0;
        const order: string[] = [];
        const audited = createTenantRls({
          appRole: app.name,
          now: () => 42,
          onAudit: (e) => {
            order.push(`audit:${e.reason}`);
            audits.push(e);
          },
        });
        await onOneConnection(db, async (client) => {
          const seen = await audited.withAdminAccess(client, { actor: "staff_9", reason: "ticket 123" }, async (tx) => {
            order.push("fn");
            return {
              rows: await bodies(tx),
              flag: await settingOf(tx, "app.admin"),
              user: await settingOf(tx, "app.user_id"),
            };
          });
          expect(order).toEqual(["audit:ticket 123", "fn"]);
          expect(seen).toEqual({ rows: ["a1", "a2", "b1"], flag: "on", user: "staff_9" });
          expect(audits).toEqual([
            { action: "tenant.admin_access", at: 42, actor: { userId: "staff_9" }, reason: "ticket 123" },
          ]);
          // After COMMIT the flag is gone from the connection, and tenants are isolated again.
          expect(await settingOf(client, "app.admin")).toBe("");
          expect(await rls.withTenantTransaction(client, B, bodies)).toEqual(["b1"]);
        });
      },
      DB_TIMEOUT,
    );

    it.runIf(target.kind === "postgres")(
      "is not visible to a tenant transaction running at the same time (needs two connections: real Postgres only)",
      async () => {
        let release!: () => void;
        const hold = new Promise<void>((resolve) => {
          release = resolve;
        });
        let started!: () => void;
        const isOpen = new Promise<void>((resolve) => {
          started = resolve;
        });
        const admin = rls.withAdminAccess(db.client, { actor: "staff_9", reason: "overlap" }, async (tx) => {
          started();
          await hold;
          return bodies(tx);
        });
        await isOpen;
        const tenantView = await rls.withTenantTransaction(db.client, B, async (tx) => ({
          rows: await bodies(tx),
          flag: await settingOf(tx, "app.admin"),
        }));
        release();
        expect(tenantView).toEqual({ rows: ["b1"], flag: "" });
        expect(await admin).toEqual(["a1", "a2", "b1"]);
      },
      30_000,
    );

    it(
      "does not run fn when onAudit throws, and rethrows its error",
      async () => {
        const failure = new Error("audit store down");
        const failing = createTenantRls({ appRole: app.name, onAudit: () => Promise.reject(failure) });
        let called = false;
        await expect(
          failing.withAdminAccess(db.client, { actor: "staff_9", reason: "x" }, async () => {
            called = true;
          }),
        ).rejects.toBe(failure);
        expect(called).toBe(false);
      },
      DB_TIMEOUT,
    );

    it(
      "needs an onAudit callback",
      async () => {
        await expectMoatErrorAsync(
          createTenantRls({ appRole: app.name }).withAdminAccess(db.client, { actor: "s", reason: "r" }, bodies),
          "ERR_CONFIG",
        );
      },
      DB_TIMEOUT,
    );

    it(
      "reports both identities when opened under impersonation",
      async () => {
        audits.length = 0;
        const ctx = impersonate({ impersonator: "staff_2", target: A });
        await runWithTenant(ctx, () => rls.withAdminAccess(db.client, { actor: "staff_2", reason: "support" }, bodies));
        expect(audits).toEqual([
          {
            action: "tenant.admin_access",
            at: 1_700_000_000_000,
            actor: { userId: "staff_2", impersonatorId: "staff_2" },
            reason: "support",
            tenantId: A.tenantId,
          },
        ]);
      },
      DB_TIMEOUT,
    );

    it(
      "rejects malformed requests",
      async () => {
        for (const request of [
          ...WRONG_TYPES,
          { actor: "", reason: "r" },
          { actor: "a", reason: "  " },
          { actor: "a" },
          { actor: "a", reason: "r", extra: 1 },
          { actor: "a\u0000", reason: "r" },
        ]) {
          await expectMoatErrorAsync(rls.withAdminAccess(db.client, request as never, bodies), "ERR_INVALID_INPUT");
        }
      },
      DB_TIMEOUT,
    );
  });

  describe("impersonation", () => {
    it(
      "carries both ids into the context and the transaction",
      async () => {
        const ctx = impersonate({ impersonator: "staff_3", target: B });
        const seen = await rls.withTenantTransaction(db.client, ctx, async (tx) => ({
          ctx: currentTenant(),
          user: await settingOf(tx, "app.user_id"),
          impersonator: await settingOf(tx, "app.impersonator_id"),
          rows: await bodies(tx),
        }));
        expect(seen).toEqual({
          ctx: { ...B, impersonatorId: "staff_3" },
          user: B.userId,
          impersonator: "staff_3",
          rows: ["b1"],
        });
      },
      DB_TIMEOUT,
    );
  });

  describe("unique constraints (documented pitfall)", () => {
    it(
      "a global unique constraint reveals another tenant's value; a per-tenant one does not",
      async () => {
        await rls.withTenantTransaction(db.client, B, async (tx) => {
          await tx.query("INSERT INTO members (tenant_id, email) VALUES ($1, 'ceo@b.example')", [B.tenantId]);
          await tx.query("INSERT INTO scoped_members (tenant_id, email) VALUES ($1, 'ceo@b.example')", [B.tenantId]);
        });
        const attempt = rls.withTenantTransaction(db.client, A, (tx) =>
          tx.query("INSERT INTO members (tenant_id, email) VALUES ($1, 'ceo@b.example')", [A.tenantId]),
        );
        expect(await rejectionState(attempt)).toBe("23505");
        const scoped = await rls.withTenantTransaction(db.client, A, (tx) =>
          tx.query("INSERT INTO scoped_members (tenant_id, email) VALUES ($1, 'ceo@b.example')", [A.tenantId]),
        );
        expect(scoped.rowCount).toBe(1);
      },
      DB_TIMEOUT,
    );
  });

  describe("argument validation", () => {
    it(
      "rejects a client that is not a SqlClient",
      async () => {
        for (const client of WRONG_TYPES) {
          await expectMoatErrorAsync(rls.withTenantTransaction(client as never, A, bodies), "ERR_INVALID_INPUT");
          await expectMoatErrorAsync(
            rls.withAdminAccess(client as never, { actor: "a", reason: "r" }, bodies),
            "ERR_INVALID_INPUT",
          );
        }
      },
      DB_TIMEOUT,
    );

    it(
      "rejects a malformed context or callback",
      async () => {
        const contexts = [
          null,
          42,
          "tenant_a",
          [],
          { tenantId: "a" },
          { userId: "u" },
          { tenantId: "", userId: "u" },
          { tenantId: "a", userId: "u", tenantID: "b" },
          { tenantId: "a".repeat(257), userId: "u" },
          { tenantId: "a\nb", userId: "u" },
          { tenantId: 5, userId: "u" },
          { tenantId: "a", userId: "u", role: "" },
        ];
        for (const ctx of contexts) {
          await expectMoatErrorAsync(rls.withTenantTransaction(db.client, ctx as never, bodies), "ERR_INVALID_INPUT");
        }
        for (const fn of WRONG_TYPES.filter((v) => typeof v !== "function")) {
          await expectMoatErrorAsync(rls.withTenantTransaction(db.client, A, fn as never), "ERR_INVALID_INPUT");
          await expectMoatErrorAsync(
            rls.withAdminAccess(db.client, { actor: "a", reason: "r" }, fn as never),
            "ERR_INVALID_INPUT",
          );
        }
      },
      DB_TIMEOUT,
    );

    it(
      "rejects bad createTenantRls options",
      () => {
        const bad = [
          ...WRONG_TYPES,
          { appRole: "" },
          { appRole: "app", extra: 1 },
          { appRole: "app", adminRole: "none" },
          { appRole: "app", settings: { tenant: "app.same", user: "app.same" } },
          { appRole: "app", settings: { admin: "app.tenant_id" } },
          { appRole: "app", onAudit: "log" },
          { appRole: "app", now: 5 },
        ];
        for (const options of bad) expectMoatError(() => createTenantRls(options as never), "ERR_CONFIG");
      },
      DB_TIMEOUT,
    );
  });
});
