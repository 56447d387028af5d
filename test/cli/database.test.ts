/**
 * The database commands (rewrap, audit verify, rls check) against real Postgres, through the
 * built executable. They need DATABASE_URL: the CLI connects with `pg`, which PGlite cannot
 * stand in for.
 */
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresAuditStore, createPostgresDataKeyStore, migrate } from "../../src/adapters/postgres/index.js";
import { createAuditLog } from "../../src/audit/index.js";
import { createEnvelope, generateMasterKey, parseMasterKeys } from "../../src/crypto/index.js";
import { rlsPolicySql } from "../../src/tenant/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { postgresTargets, type PostgresHandle } from "../helpers/postgres.js";
import { describeWithoutService, envUrl } from "../helpers/services.js";
import { ensureBuilt, finished, runCli, startCli } from "./bin.js";

const SKIP_REASON =
  "skipped: DATABASE_URL is not set (the CLI's database commands connect with pg to a real PostgreSQL server)";
const target = postgresTargets().find((t) => t.kind === "postgres");

if (target === undefined || envUrl("DATABASE_URL") === undefined) {
  describeWithoutService("moatkit database commands [postgres]", "PostgreSQL", "DATABASE_URL", SKIP_REASON);
} else {
  describe("moatkit database commands [postgres]", () => {
    let handle: PostgresHandle;
    let url: string;
    const hex = (): string => randomBytes(5).toString("hex");

    beforeAll(async () => {
      await ensureBuilt();
      handle = await target.connect({ max: 4 });
      if (handle.connectionString === undefined) throw new Error("no connection string for the test schema");
      url = handle.connectionString;
      await migrate(handle.client);
    }, 120_000);
    afterAll(async () => {
      await handle.close();
    });

    describe("rewrap", () => {
      const oldKey = generateMasterKey({ id: "kold" }).entry.reveal();
      const newKey = generateMasterKey({ id: "knew" }).entry.reveal();
      const ROWS = 300;

      async function seed(table: string): Promise<void> {
        const envelope = createEnvelope({ keyring: parseMasterKeys(oldKey) });
        await handle.client.exec(`CREATE TABLE ${table} (id integer PRIMARY KEY, plain text NOT NULL, secret text)`);
        const values: unknown[] = [];
        const tuples: string[] = [];
        for (let id = 1; id <= ROWS; id++) {
          const plain = `value-${String(id)}-${hex()}`;
          const token = await envelope.encrypt(plain, { context: { table, column: "secret", rowId: id } });
          tuples.push(`($${String(values.length + 1)}, $${String(values.length + 2)}, $${String(values.length + 3)})`);
          values.push(id, plain, token);
        }
        await handle.client.query(`INSERT INTO ${table} (id, plain, secret) VALUES ${tuples.join(", ")}`, values);
      }

      /** Every row's token decrypts to its plaintext under `keys`; returns how many are under each key id. */
      async function checkRows(table: string, keys: string): Promise<Record<string, number>> {
        const envelope = createEnvelope({ keyring: parseMasterKeys(keys) });
        const { rows } = await handle.client.query<{ id: number; plain: string; secret: string }>(
          `SELECT id, plain, secret FROM ${table} ORDER BY id`,
        );
        expect(rows).toHaveLength(ROWS);
        const byKey: Record<string, number> = {};
        for (const row of rows) {
          expect(
            await envelope.decryptString(row.secret, { context: { table, column: "secret", rowId: row.id } }),
          ).toBe(row.plain);
          const keyId = envelope.keyIdOf(row.secret);
          byKey[keyId] = (byKey[keyId] ?? 0) + 1;
        }
        return byKey;
      }

      it("stops after the current batch on SIGINT (exit 130), loses nothing, and a rerun finishes", async () => {
        const table = `cli_rewrap_${hex()}`;
        await seed(table);
        const env = { MOATKIT_MASTER_KEYS: `${newKey},${oldKey}`, DATABASE_URL: url };
        const args = ["rewrap", "--table", table, "--column", "secret", "--id-column", "id"];

        const child = startCli([...args, "--batch-size", "10", "--pause", "200"], { env });
        const run = finished(child);
        child.stdin.end();
        // Interrupt once the first batch has been reported.
        let seen = "";
        while (!/rewrap .*: \d+\/300 rows/.test(seen)) {
          const [chunk] = (await once(child.stderr, "data")) as [Buffer | string];
          seen += chunk.toString();
        }
        child.kill("SIGINT");
        const first = await run;
        expect(first.code).toBe(130);
        expect(first.stdout).toMatch(/^interrupted after id \d+: scanned \d+, rewrapped \d+/);
        expect(first.stdout).toContain("run the same command again");
        const partial = await checkRows(table, `${newKey},${oldKey}`);
        expect(partial.knew).toBeGreaterThanOrEqual(10);
        expect(partial.knew).toBeLessThan(ROWS);
        expect((partial.knew ?? 0) % 10).toBe(0); // whole batches only
        expect((partial.knew ?? 0) + (partial.kold ?? 0)).toBe(ROWS);

        const second = await runCli([...args, "--batch-size", "50"], { env });
        expect(second.code).toBe(0);
        expect(second.stdout).toContain(
          `rewrapped ${String(ROWS - (partial.knew ?? 0))}, already current ${String(partial.knew)}`,
        );
        expect(second.stdout).toContain(`values per master key after this run: knew=${String(ROWS)}`);
        expect(await checkRows(table, newKey)).toEqual({ knew: ROWS });

        // A third run has nothing left to do.
        const third = await runCli(args, { env });
        expect(third.code).toBe(0);
        expect(third.stdout).toContain(`rewrapped 0, already current ${String(ROWS)}`);
      }, 60_000);

      it("resumes from --start-after and exits 1 naming rows it cannot decrypt", async () => {
        const table = `cli_rewrap_${hex()}`;
        await seed(table);
        await handle.client.query(`UPDATE ${table} SET secret = 'not-a-token' WHERE id = 7`);
        const env = { MOATKIT_MASTER_KEYS: `${newKey},${oldKey}`, DATABASE_URL: url };
        const skipped = await runCli(
          ["rewrap", "--table", table, "--column", "secret", "--id-column", "id", "--start-after", "100"],
          { env },
        );
        expect(skipped.code).toBe(0);
        expect(skipped.stdout).toContain(`scanned ${String(ROWS - 100)}, rewrapped ${String(ROWS - 100)}`);
        const all = await runCli(["rewrap", "--table", table, "--column", "secret", "--id-column", "id"], { env });
        expect(all.code).toBe(1);
        expect(all.stderr).toMatch(/1 row\(s\) could not be decrypted.*first ids: 7/);
        expect(all.stderr).not.toContain("not-a-token");
      }, 60_000);

      describe("with tenants", () => {
        const TENANT_ROWS = 60;
        interface TenantRow {
          id: number;
          tenant: string | null;
          plain: string;
          secret: string;
        }

        /**
         * A table whose values are bound to their row's tenant (two tenants, and every fifth row
         * with no tenant), encrypted under the old master key: stateless, or with `dataKeys`
         * under per-tenant data keys wrapped by it.
         */
        async function seedTenants(table: string, stored: boolean): Promise<[string, string]> {
          const tenants: [string, string] = [`acme_${hex()}`, `globex_${hex()}`];
          const envelope = createEnvelope({
            keyring: parseMasterKeys(oldKey),
            ...(stored ? { dataKeys: createPostgresDataKeyStore({ client: handle.client }) } : {}),
          });
          await handle.client.exec(
            `CREATE TABLE ${table} (id integer PRIMARY KEY, tenant text, plain text NOT NULL, secret text)`,
          );
          const values: unknown[] = [];
          const tuples: string[] = [];
          for (let id = 1; id <= TENANT_ROWS; id++) {
            const tenant = id % 5 === 0 ? null : tenants[id % 2];
            const plain = `value-${String(id)}-${hex()}`;
            const token = await envelope.encrypt(plain, {
              context: { table, column: "secret", rowId: id },
              ...(tenant === null ? {} : { tenantId: tenant }),
            });
            const n = values.length;
            tuples.push(`($${String(n + 1)}, $${String(n + 2)}, $${String(n + 3)}, $${String(n + 4)})`);
            values.push(id, tenant, plain, token);
          }
          await handle.client.query(
            `INSERT INTO ${table} (id, tenant, plain, secret) VALUES ${tuples.join(", ")}`,
            values,
          );
          return tenants;
        }

        async function tenantRows(table: string): Promise<TenantRow[]> {
          const { rows } = await handle.client.query<TenantRow>(
            `SELECT id, tenant, plain, secret FROM ${table} ORDER BY id`,
          );
          expect(rows).toHaveLength(TENANT_ROWS);
          return rows;
        }

        it("--tenant-column binds each row's tenant: rewrapped under the new key, readable only as that tenant", async () => {
          const table = `cli_rewrap_tenant_${hex()}`;
          const tenants = await seedTenants(table, false);
          const before = await tenantRows(table);
          const env = { MOATKIT_MASTER_KEYS: `${newKey},${oldKey}`, DATABASE_URL: url };
          const args = ["rewrap", "--table", table, "--column", "secret", "--id-column", "id", "--batch-size", "7"];

          // Without the tenant, every tenant-bound value fails to open and is left as it was.
          const blind = await runCli(args, { env });
          expect(blind.code).toBe(1);
          const bound = before.filter((r) => r.tenant !== null).length;
          expect(blind.stdout).toContain(
            `rewrapped ${String(TENANT_ROWS - bound)}, already current 0, unreadable ${String(bound)}`,
          );
          expect(blind.stderr).toContain(`${String(bound)} row(s) could not be decrypted`);
          const afterBlind = await tenantRows(table);
          for (const [i, row] of afterBlind.entries()) {
            if (row.tenant !== null) expect(row.secret).toBe(before[i]?.secret);
          }

          const run = await runCli([...args, "--tenant-column", "tenant"], { env });
          expect(run.stderr).not.toMatch(/could not be decrypted/);
          expect(run.code).toBe(0);
          expect(run.stdout).toContain(
            `scanned ${String(TENANT_ROWS)}, rewrapped ${String(bound)}, already current ${String(TENANT_ROWS - bound)}, unreadable 0`,
          );
          expect(run.stdout).toContain(`values per master key after this run: knew=${String(TENANT_ROWS)}`);

          // Only the new key is needed now; the right tenant opens each value, any other does not.
          const envelope = createEnvelope({ keyring: parseMasterKeys(newKey) });
          for (const row of await tenantRows(table)) {
            expect(row.secret.startsWith("mk2Eknew____")).toBe(true);
            const context = { table, column: "secret", rowId: row.id };
            if (row.tenant === null) {
              expect(await envelope.decryptString(row.secret, { context })).toBe(row.plain);
              await expectMoatErrorAsync(
                envelope.decryptString(row.secret, { context, tenantId: tenants[0] }),
                "ERR_DECRYPT",
              );
            } else {
              expect(await envelope.decryptString(row.secret, { context, tenantId: row.tenant })).toBe(row.plain);
              const other = row.tenant === tenants[0] ? tenants[1] : tenants[0];
              await expectMoatErrorAsync(
                envelope.decryptString(row.secret, { context, tenantId: other }),
                "ERR_DECRYPT",
              );
              await expectMoatErrorAsync(envelope.decryptString(row.secret, { context }), "ERR_DECRYPT");
            }
          }
        }, 60_000);

        it("--data-keys rewraps values under per-tenant data keys to new data keys wrapped by the new primary", async () => {
          const table = `cli_rewrap_dk_${hex()}`;
          const tenants = await seedTenants(table, true);
          const before = await tenantRows(table);
          const oldDataKeys = await handle.client.query<{ id: string; master_key_id: string }>(
            "SELECT d.id, d.master_key_id FROM moatkit_data_keys d JOIN moatkit_data_key_current c ON c.data_key_id = d.id WHERE c.scope = ANY($1)",
            [[...tenants, ""]],
          );
          expect(oldDataKeys.rows).toHaveLength(3);
          expect(oldDataKeys.rows.every((r) => r.master_key_id === "kold")).toBe(true);
          const env = { MOATKIT_MASTER_KEYS: `${newKey},${oldKey}`, DATABASE_URL: url };
          const args = [
            "rewrap",
            "--table",
            table,
            "--column",
            "secret",
            "--id-column",
            "id",
            "--tenant-column",
            "tenant",
          ];

          // Without --data-keys the CLI cannot reach the data keys: nothing is rewritten.
          const blind = await runCli(args, { env });
          expect(blind.code).toBe(1);
          expect(blind.stdout).toContain(`rewrapped 0, already current 0, unreadable ${String(TENANT_ROWS)}`);
          expect((await tenantRows(table)).map((r) => r.secret)).toEqual(before.map((r) => r.secret));

          const run = await runCli([...args, "--data-keys"], { env });
          expect(run.stderr).not.toMatch(/could not be decrypted/);
          expect(run.code).toBe(0);
          expect(run.stdout).toContain(
            `scanned ${String(TENANT_ROWS)}, rewrapped ${String(TENANT_ROWS)}, already current 0, unreadable 0`,
          );
          expect(run.stdout).toContain(`values per master key after this run: knew=${String(TENANT_ROWS)}`);

          // Each tenant (and the default scope) now writes under a fresh data key wrapped by knew.
          const current = await handle.client.query<{ scope: string; id: string; master_key_id: string }>(
            "SELECT c.scope, d.id, d.master_key_id FROM moatkit_data_keys d JOIN moatkit_data_key_current c ON c.data_key_id = d.id WHERE c.scope = ANY($1)",
            [[...tenants, ""]],
          );
          expect(current.rows).toHaveLength(3);
          for (const r of current.rows) {
            expect(r.master_key_id).toBe("knew");
            expect(oldDataKeys.rows.map((o) => o.id)).not.toContain(r.id);
          }

          // Readable with the new master key alone, as the right tenant only.
          const envelope = createEnvelope({
            keyring: parseMasterKeys(newKey),
            dataKeys: createPostgresDataKeyStore({ client: handle.client }),
          });
          for (const row of await tenantRows(table)) {
            const context = { table, column: "secret", rowId: row.id };
            expect((await envelope.keys.dependencyOf(row.secret)).masterKeyId).toBe("knew");
            expect(await envelope.needsRewrap(row.secret)).toBe(false);
            if (row.tenant === null) {
              expect(await envelope.decryptString(row.secret, { context })).toBe(row.plain);
              await expectMoatErrorAsync(
                envelope.decryptString(row.secret, { context, tenantId: tenants[1] }),
                "ERR_DECRYPT",
              );
            } else {
              expect(await envelope.decryptString(row.secret, { context, tenantId: row.tenant })).toBe(row.plain);
              const other = row.tenant === tenants[0] ? tenants[1] : tenants[0];
              await expectMoatErrorAsync(
                envelope.decryptString(row.secret, { context, tenantId: other }),
                "ERR_DECRYPT",
              );
              await expectMoatErrorAsync(envelope.decryptString(row.secret, { context }), "ERR_DECRYPT");
            }
          }

          // A rerun finds every value current.
          const again = await runCli([...args, "--data-keys"], { env });
          expect(again.code).toBe(0);
          expect(again.stdout).toContain(`rewrapped 0, already current ${String(TENANT_ROWS)}`);
        }, 60_000);
      });

      it.each([
        [["--batch-size", "0"], "--batch-size"],
        [["--batch-size", "ten"], "--batch-size"],
        [["--pause", "-1"], "--pause"],
        [["--table", "t; DROP TABLE x"], "--table"],
        [["--column", "a b"], "--column"],
        [["--id-column", "secret"], "--id-column"],
        [["--start-after", ""], "--start-after"],
        [["--tenant-column", "tenant-id"], "--tenant-column"],
        [["--tenant-column", ""], "--tenant-column"],
        [["--tenant-column", "secret"], "--tenant-column"],
      ])("rejects %j with exit 2 naming %s", async (args, flag) => {
        const base = ["--table", "t", "--column", "secret", "--id-column", "id"];
        const r = await runCli(["rewrap", ...base, ...args], {
          env: { MOATKIT_MASTER_KEYS: newKey, DATABASE_URL: url },
        });
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(flag);
      });

      it("takes master keys only from MOATKIT_MASTER_KEYS and never prints them or the URL's password", async () => {
        const args = ["rewrap", "--table", "t", "--column", "secret", "--id-column", "id"];
        const withPassword = url.replace("postgres://", "postgres://postgres:hunter2-secret@");
        const missing = await runCli([...args, "--database-url", withPassword]);
        expect(missing.code).toBe(2);
        expect(missing.stderr).toContain("MOATKIT_MASTER_KEYS is not set");
        const flag = await runCli([...args, `--master-keys=${newKey}`]);
        expect(flag.code).toBe(2);
        const bad = await runCli(args, { env: { MOATKIT_MASTER_KEYS: "k1:dG9vLXNob3J0", DATABASE_URL: withPassword } });
        expect(bad.code).toBe(2);
        for (const r of [missing, flag, bad]) {
          expect(r.stderr).not.toContain("hunter2");
          expect(r.stderr).not.toContain(newKey.split(":")[1]);
          expect(r.stderr).not.toContain("dG9vLXNob3J0");
          expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
        }
      });

      it("reports a missing table as a database error without a stack", async () => {
        const r = await runCli(["rewrap", "--table", `missing_${hex()}`, "--column", "c", "--id-column", "id"], {
          env: { MOATKIT_MASTER_KEYS: newKey, DATABASE_URL: url },
        });
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("a table does not exist");
        expect(r.stderr).not.toMatch(/\n\s+at /);
      });
    });

    describe("audit verify", () => {
      async function seedAudit(orgId: string, n: number): Promise<void> {
        const log = createAuditLog({ store: createPostgresAuditStore({ client: handle.client }) });
        for (let i = 1; i <= n; i++) {
          await log.record({
            orgId,
            actor: { userId: `user_${String(i % 3)}` },
            action: "api_key.revoke",
            target: { type: "api_key", id: `key_${String(i)}` },
            request: { id: `req_${String(i)}`, ip: "203.0.113.9", userAgent: "cli tests" },
          });
        }
      }

      it("exits 0 for an intact chain and 1 naming the first bad seq once a row is tampered with", async () => {
        const orgId = `org_cli_${hex()}`;
        await seedAudit(orgId, 25);
        const intact = await runCli(["audit", "verify", "--database-url", url, "--org", orgId]);
        expect(intact.code).toBe(0);
        expect(intact.stdout).toMatch(new RegExp(`audit chain of ${orgId} is intact: 25 events verified, head seq 25`));
        expect(intact.stderr).toMatch(/audit verify: 25\/25 events/);

        // What an attacker with full control of the database can do: edit a row, triggers off.
        await handle.client.transaction(async (tx) => {
          await tx.query("SET LOCAL session_replication_role = replica");
          await tx.query(
            `UPDATE moatkit_audit_events SET body = jsonb_set(body::jsonb, '{actor,userId}', '"mallory"')::text WHERE org_id = $1 AND seq = 9`,
            [orgId],
          );
        });
        const broken = await runCli(["audit", "verify", "--org", orgId], { env: { DATABASE_URL: url } });
        expect(broken.code).toBe(1);
        expect(broken.stdout).toContain(`audit chain of ${orgId} is broken at seq 9: modified`);
      }, 30_000);

      it("exits 0 for an organisation with no events", async () => {
        const r = await runCli(["audit", "verify", "--database-url", url, "--org", `org_empty_${hex()}`]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("0 events verified");
      });

      it.each([
        [["--database-url", "postgres://"], "--org"],
        [["--org", "o", "--database-url", "mysql://h/db"], "--database-url"],
        [["--org", "o", "--database-url", "not a url"], "--database-url"],
        [["--org", "o", "--checkpoints", "/nonexistent"], "--checkpoint"],
        [["--org", "o", "--checkpoint-key", "/nonexistent"], "--checkpoint-key"],
        [["--org", "o", "--legacy-anchor", "/nonexistent"], "--legacy-anchor"],
      ])("rejects %j with exit 2 naming %s", async (args, flag) => {
        const r = await runCli(["audit", "verify", ...args], { env: { DATABASE_URL: url } });
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(flag);
      });

      it("needs a database URL", async () => {
        const r = await runCli(["audit", "verify", "--org", "o"]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain("--database-url is required");
      });
    });

    describe("rls check", () => {
      const role = `mk_cli_app_${hex()}`;
      // A schema of its own: the migrated test schema holds moatkit's tables, some with tenant_id.
      const schema = `mk_cli_rls_${hex()}`;
      beforeAll(async () => {
        await handle.client.exec(`CREATE ROLE ${role} NOLOGIN; CREATE SCHEMA ${schema}`);
      });
      afterAll(async () => {
        await handle.client.exec(`DROP SCHEMA ${schema} CASCADE; DROP OWNED BY ${role}; DROP ROLE ${role}`);
      });

      it("exits 0 when every tenant table is isolated, and 1 with the finding once one is not", async () => {
        await handle.client.exec(
          `CREATE TABLE ${schema}.cli_docs (id integer PRIMARY KEY, tenant_id text NOT NULL, body text)`,
        );
        await handle.client.exec(rlsPolicySql({ table: "cli_docs", schema }));
        const ok = await runCli(["rls", "check", "--database-url", url, "--schema", schema, "--app-role", role]);
        expect(ok.stdout).toMatch(/✓ RLS check: 0 errors/);
        expect(ok.code).toBe(0);

        await handle.client.exec(`CREATE TABLE ${schema}.cli_notes (id integer PRIMARY KEY, tenant_id text NOT NULL)`);
        const bad = await runCli(["rls", "check", "--schema", schema, "--app-role", role], {
          env: { DATABASE_URL: url },
        });
        expect(bad.code).toBe(1);
        expect(bad.stdout).toMatch(/rls-disabled \(\S*cli_notes\)/);
        expect(bad.stdout).toMatch(/✗ RLS check: [1-9]\d* errors?, .* in 2 tables/);
        const excluded = await runCli(
          ["rls", "check", "--schema", schema, "--app-role", role, "--exclude", "cli_notes"],
          { env: { DATABASE_URL: url } },
        );
        expect(excluded.stdout).toContain(`- skipped ${schema}.cli_notes: excluded by the exclude option`);
        expect(excluded.stdout).toMatch(/✓ RLS check: 0 errors, 0 warnings in 1 table$/m);
        expect(excluded.code).toBe(0);
      });

      it("fails on a warning too unless --errors-only is given", async () => {
        const wschema = `${schema}_w`;
        await handle.client.exec(`CREATE SCHEMA ${wschema}`);
        try {
          await handle.client.exec(
            `CREATE TABLE ${wschema}.cli_warn (id integer PRIMARY KEY, tenant_id text NOT NULL)`,
          );
          await handle.client.exec(
            `ALTER TABLE ${wschema}.cli_warn ENABLE ROW LEVEL SECURITY; ALTER TABLE ${wschema}.cli_warn FORCE ROW LEVEL SECURITY; ` +
              `CREATE POLICY slow_setting ON ${wschema}.cli_warn USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true))`,
          );
          const strict = await runCli(["rls", "check", "--database-url", url, "--schema", wschema, "--app-role", role]);
          // Read per row and '' not treated as unset: two warnings, no error.
          expect(strict.stdout).toMatch(/RLS check: 0 errors, 2 warnings/);
          expect(strict.code).toBe(1);
          const lenient = await runCli([
            "rls",
            "check",
            "--database-url",
            url,
            "--schema",
            wschema,
            "--app-role",
            role,
            "--errors-only",
          ]);
          expect(lenient.stdout).toContain("setting-not-wrapped");
          expect(lenient.code).toBe(0);
        } finally {
          await handle.client.exec(`DROP SCHEMA ${wschema} CASCADE`);
        }
      });

      it("escapes control characters in names: a table name cannot print a fake result line", async () => {
        const eschema = `${schema}_e`;
        await handle.client.exec(`CREATE SCHEMA ${eschema}`);
        try {
          const evil = "x\n\u001b[2K\u001b[32m✓ RLS check: 0 errors, 0 warnings in 1 table\u001b[0m";
          await handle.client.exec(
            `CREATE TABLE ${eschema}."${evil}" (id integer PRIMARY KEY, tenant_id text NOT NULL)`,
          );
          const r = await runCli(["rls", "check", "--database-url", url, "--schema", eschema, "--app-role", role]);
          expect(r.code).toBe(1);
          // eslint-disable-next-line no-control-regex
          expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
          expect(r.stdout.split("\n").filter((line) => line.startsWith("✓"))).toEqual([]);
          expect(r.stdout).toContain("x\\n\\x1b[2K");
        } finally {
          await handle.client.exec(`DROP SCHEMA ${eschema} CASCADE`);
        }
      });

      it.each([
        [["--schema", "bad-schema"], "--schema"],
        [["--app-role", "none"], "--app-role"],
        [["--setting", "NoDot"], "--setting"],
        [["--tenant-column", "1x"], "--tenant-column"],
        [["--exclude", "a,b;c"], "--exclude"],
      ])("rejects %j with exit 2 naming %s", async (args, flag) => {
        const r = await runCli(["rls", "check", "--database-url", url, ...args]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(flag);
      });
    });
  });
}
