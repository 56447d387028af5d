/**
 * `moatkit audit verify` against the two attacks of issue 17 item 3, through the built
 * executable: a published checkpoint planted as the prune anchor after deleting the events it
 * covers, and an edited query column. Both must exit 1 with a message naming what was found.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresAuditStore, migrate } from "../../src/adapters/postgres/index.js";
import { createAuditLog, verifyAuditCheckpoint } from "../../src/audit/index.js";
import { checkpointKeys } from "../audit/tamper.js";
import { postgresTargets, type PostgresHandle } from "../helpers/postgres.js";
import { describeWithoutService, envUrl } from "../helpers/services.js";
import { ensureBuilt, runCli } from "./bin.js";

const keys = await checkpointKeys();
const target = postgresTargets().find((t) => t.kind === "postgres");

if (target === undefined || envUrl("DATABASE_URL") === undefined) {
  describeWithoutService(
    "moatkit audit verify attacks [postgres]",
    "PostgreSQL",
    "DATABASE_URL",
    "skipped: DATABASE_URL is not set (the CLI connects with pg to a real PostgreSQL server)",
  );
} else {
  describe("moatkit audit verify attacks [postgres]", () => {
    let handle: PostgresHandle;
    let url: string;
    let dir: string;
    let keyFile: string;
    const hex = (): string => randomBytes(5).toString("hex");

    beforeAll(async () => {
      await ensureBuilt();
      handle = await target.connect({ max: 4 });
      if (handle.connectionString === undefined) throw new Error("no connection string for the test schema");
      url = handle.connectionString;
      await migrate(handle.client);
      dir = await mkdtemp(join(tmpdir(), "moatkit-audit-cli-"));
      keyFile = join(dir, "checkpoint-key.json");
      await writeFile(keyFile, JSON.stringify(await exportJWK(keys.publicKey)));
    }, 120_000);
    afterAll(async () => {
      await handle.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function seed(orgId: string, n: number) {
      const log = createAuditLog({ store: createPostgresAuditStore({ client: handle.client }) });
      for (let i = 1; i <= n; i++) {
        await log.record({
          orgId,
          actor: { userId: `user_${String(i)}` },
          action: "a.b",
          target: { type: "t", id: "x" },
        });
      }
      return log;
    }

    it("exits 1 when a published checkpoint was stored as the prune anchor", async () => {
      const orgId = `org_cli_${hex()}`;
      const store = createPostgresAuditStore({ client: handle.client });
      await seed(orgId, 10);
      const published = await createAuditLog({ store }).checkpoint(orgId, keys.signer);
      await seed(orgId, 5);
      const { seq, hash } = await verifyAuditCheckpoint(published, keys.publicKey);
      // The retention role's powers: delete events, insert an anchor.
      expect(await store.pruneAuditEvents(orgId, { seq, hash, jws: published })).toBe(10);
      const r = await runCli(["audit", "verify", "--org", orgId, "--checkpoint-key", keyFile], {
        env: { DATABASE_URL: url },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`audit chain of ${orgId} is broken at seq 10: anchor_invalid`);
      expect(r.stdout).toMatch(/checkpoint.*not a prune anchor/);
    }, 30_000);

    it("accepts a pre-0.3.0 anchor only with --legacy-anchor holding its exact text", async () => {
      const orgId = `org_cli_${hex()}`;
      const store = createPostgresAuditStore({ client: handle.client });
      await seed(orgId, 10);
      // What a 0.1/0.2 prune stored: a checkpoint-format JWS of the last pruned event.
      const legacy = await createAuditLog({ store }).checkpoint(orgId, keys.signer);
      // Another checkpoint of the same event, signed at another time: a different text.
      const other = await createAuditLog({ store, now: () => Date.UTC(2020, 0, 1) }).checkpoint(orgId, keys.signer);
      await seed(orgId, 5);
      const { seq, hash } = await verifyAuditCheckpoint(legacy, keys.publicKey);
      expect(await store.pruneAuditEvents(orgId, { seq, hash, jws: legacy })).toBe(10);
      const run = async (jws: string) => {
        const file = join(dir, `legacy-${hex()}.jws`);
        await writeFile(file, `${jws}\n`);
        const args = ["audit", "verify", "--org", orgId, "--checkpoint-key", keyFile, "--legacy-anchor", file];
        return runCli(args, { env: { DATABASE_URL: url } });
      };
      const ok = await run(legacy);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain("5 events verified");
      const refused = await run(other);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain("anchor_invalid");
      expect(refused.stdout).toContain("not the legacy anchor vouched for");
    }, 30_000);

    it("exits 1 naming the row and the column when a query column was edited", async () => {
      const orgId = `org_cli_${hex()}`;
      await seed(orgId, 6);
      await handle.client.transaction(async (tx) => {
        await tx.query("SET LOCAL session_replication_role = replica");
        await tx.query("UPDATE moatkit_audit_events SET actor_id = 'user_1' WHERE org_id = $1 AND seq = 4", [orgId]);
      });
      const r = await runCli(["audit", "verify", "--org", orgId], { env: { DATABASE_URL: url } });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`audit chain of ${orgId} is broken at seq 4: column_mismatch`);
      expect(r.stdout).toContain("actor_id");
      expect(r.stdout).not.toContain("user_1");
      expect(r.stdout).not.toContain("user_4");
    }, 30_000);
  });
}
