import { randomBytes } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import {
  type SqlClient,
  createPostgresAuditStore,
  inspectAuditRole,
  migrate,
} from "../../../src/adapters/postgres/index.js";
import { type AuditEventInput, type AuditLog, createAuditLog } from "../../../src/audit/index.js";
import { expectMoatErrorAsync } from "../../helpers/assertions.js";
import { describePostgres, useMigratedDatabase } from "../../helpers/postgres.js";
import { SECRET_VALUES, checkpointKeys, eventWithSecrets, piiRedactor } from "../../audit/tamper.js";

const newOrg = (): string => `org_${randomBytes(6).toString("hex")}`;

function input(orgId: string, i: number): AuditEventInput {
  return {
    orgId,
    actor: { userId: `user_${String(i % 4)}` },
    action: "api_key.revoke",
    target: { type: "api_key", id: `key_${String(i)}` },
    request: { id: `req_${String(i)}`, ip: "203.0.113.9", userAgent: "tests" },
    metadata: { i },
  };
}

async function record(log: AuditLog, orgId: string, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await log.record(input(orgId, i));
}

/** The SQLSTATE a statement fails with, or "ok". */
async function sqlState(client: SqlClient, role: string | null, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await client.transaction(async (tx) => {
      if (role !== null) await tx.query("SELECT set_config('role', $1, true)", [role]);
      await tx.query(sql, params);
      // Never keep what a privilege test changed.
      throw new Error("rollback");
    });
    return "ok";
  } catch (err) {
    if (err instanceof Error && err.message === "rollback") return "ok";
    return String((err as { code?: unknown }).code);
  }
}

/** Runs `sql` as a superuser with triggers off: what an attacker with full control can do. */
async function asAttacker(client: SqlClient, sql: string, params: unknown[]): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query("SET LOCAL session_replication_role = replica");
    await tx.query(sql, params);
  });
}

describePostgres("audit store on Postgres", (target) => {
  const db = useMigratedDatabase(target, { max: 12 });
  let keys: Awaited<ReturnType<typeof checkpointKeys>>;
  beforeAll(async () => {
    keys = await checkpointKeys();
  });
  const logOn = (client: SqlClient, pageSize?: number): AuditLog =>
    createAuditLog({
      store: createPostgresAuditStore({ client, ...(pageSize === undefined ? {} : { pageSize }) }),
      checkpointKey: keys.publicKey,
    });

  it("lets moatkit_audit_writer append and read, and refuses it UPDATE, DELETE and TRUNCATE", async () => {
    const orgId = newOrg();
    await record(logOn(db()), orgId, 2);
    // Appending as the writer role, through the store, inside one transaction.
    const stored = await db().transaction(async (tx) => {
      await tx.query("SELECT set_config('role', 'moatkit_audit_writer', true)");
      const role = await tx.query<{ r: string }>("SELECT current_user::text AS r");
      expect(role.rows[0]?.r).toBe("moatkit_audit_writer");
      return logOn(tx).record(input(orgId, 3));
    });
    expect(stored.seq).toBe(3);
    expect(await logOn(db()).verify({ orgId })).toMatchObject({ ok: true, count: 3 });

    const writer = "moatkit_audit_writer";
    expect(
      await sqlState(db(), writer, "UPDATE moatkit_audit_events SET action = 'x' WHERE org_id = $1", [orgId]),
    ).toBe("42501");
    expect(await sqlState(db(), writer, "DELETE FROM moatkit_audit_events WHERE org_id = $1", [orgId])).toBe("42501");
    expect(await sqlState(db(), writer, "TRUNCATE moatkit_audit_events")).toBe("42501");
    expect(await sqlState(db(), writer, "UPDATE moatkit_audit_anchors SET jws = 'x'")).toBe("42501");
    expect(
      await sqlState(
        db(),
        writer,
        "INSERT INTO moatkit_audit_anchors (org_id, seq, hash, jws) VALUES ($1, 1, $2, 'x')",
        [orgId, "0".repeat(64)],
      ),
    ).toBe("42501");
    expect(await sqlState(db(), writer, "SELECT count(*) FROM moatkit_audit_events")).toBe("ok");
  }, 30_000);

  it("rejects UPDATE, DELETE and TRUNCATE by the table owner through the append-only trigger", async () => {
    const orgId = newOrg();
    const log = logOn(db());
    await record(log, orgId, 2);
    await log.prune({ orgId, before: Date.now() + 60_000, signer: keys.signer }); // leaves an anchor row
    await record(log, orgId, 1);
    expect(await sqlState(db(), null, "UPDATE moatkit_audit_anchors SET jws = 'x' WHERE org_id = $1", [orgId])).toBe(
      "42501",
    );
    expect(await sqlState(db(), null, "UPDATE moatkit_audit_events SET action = 'x' WHERE org_id = $1", [orgId])).toBe(
      "42501",
    );
    expect(await sqlState(db(), null, "DELETE FROM moatkit_audit_events WHERE org_id = $1", [orgId])).toBe("42501");
    expect(await sqlState(db(), null, "TRUNCATE moatkit_audit_events")).toBe("42501");
    expect(await sqlState(db(), null, "DELETE FROM moatkit_audit_anchors WHERE org_id = $1", [orgId])).toBe("42501");
    expect(await sqlState(db(), null, "TRUNCATE moatkit_audit_anchors")).toBe("42501");
    const { rows } = await db().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM moatkit_audit_events WHERE org_id = $1",
      [orgId],
    );
    expect(rows[0]?.n).toBe(1);
  }, 30_000);

  it("lets only moatkit_audit_retention delete events, and not even it update them", async () => {
    const orgId = newOrg();
    await record(logOn(db()), orgId, 1);
    const retention = "moatkit_audit_retention";
    expect(await sqlState(db(), retention, "DELETE FROM moatkit_audit_events WHERE org_id = $1", [orgId])).toBe("ok");
    expect(
      await sqlState(db(), retention, "UPDATE moatkit_audit_events SET action = 'x' WHERE org_id = $1", [orgId]),
    ).toBe("42501");
    expect(await sqlState(db(), retention, "TRUNCATE moatkit_audit_events")).toBe("42501");
    expect(await sqlState(db(), retention, "DELETE FROM moatkit_audit_anchors")).toBe("42501");
  }, 30_000);

  it("reports the writer role as insert-only and the owner as able to rewrite", async () => {
    const owner = await inspectAuditRole(db());
    expect(owner.insertOnly).toBe(false);
    expect(owner.superuser || owner.owner).toBe(true);
    const writer = await db().transaction(async (tx) => {
      await tx.query("SELECT set_config('role', 'moatkit_audit_writer', true)");
      return inspectAuditRole(tx);
    });
    expect(writer).toEqual({
      role: "moatkit_audit_writer",
      superuser: false,
      owner: false,
      canInsert: true,
      canUpdate: false,
      canDelete: false,
      canTruncate: false,
      insertOnly: true,
    });
  }, 30_000);

  it("reports a NOINHERIT member of the table owner as an owner (SET ROLE makes it one)", async () => {
    const member = `mk_noinherit_${randomBytes(5).toString("hex")}`;
    const { rows } = await db().query<{ owner: string; schema: string }>(
      "SELECT pg_get_userbyid(relowner) AS owner, current_schema() AS schema FROM pg_class WHERE oid = 'moatkit_audit_events'::regclass",
    );
    await db().exec(`CREATE ROLE ${member} NOLOGIN NOINHERIT; GRANT "${rows[0]?.owner ?? ""}" TO ${member};
      GRANT USAGE ON SCHEMA "${rows[0]?.schema ?? ""}" TO ${member};`);
    try {
      const report = await db().transaction(async (tx) => {
        await tx.query("SELECT set_config('role', $1, true)", [member]);
        return inspectAuditRole(tx);
      });
      expect(report).toMatchObject({ role: member, superuser: false, owner: true, insertOnly: false });
    } finally {
      await db().exec(`DROP OWNED BY ${member}; DROP ROLE ${member}`);
    }
  }, 30_000);

  it("prunes as the retention role, leaving a signed anchor the rest verifies from", async () => {
    const orgId = newOrg();
    const log = logOn(db());
    await record(log, orgId, 6);
    const checkpoint = await log.checkpoint(orgId, keys.signer);
    const result = await log.prune({ orgId, before: Date.now() + 60_000, signer: keys.signer });
    expect(result.pruned).toBe(6);
    expect(result.anchor?.seq).toBe(6);
    await log.record(input(orgId, 7));
    expect(await log.verify({ orgId, checkpoints: [checkpoint] })).toMatchObject({
      ok: true,
      count: 1,
      head: { seq: 7 },
    });

    // Deleting the anchor (as an attacker who can bypass the trigger) exposes the missing start.
    await asAttacker(db(), "DELETE FROM moatkit_audit_anchors WHERE org_id = $1", [orgId]);
    expect(await log.verify({ orgId })).toEqual({ ok: false, reason: "deleted", seq: 1 });
  }, 30_000);

  it("catches tampering done by hand in SQL", async () => {
    const log = logOn(db(), 3);
    const edited = newOrg();
    await record(log, edited, 5);
    await asAttacker(
      db(),
      `UPDATE moatkit_audit_events SET body = jsonb_set(body::jsonb, '{actor,userId}', '"mallory"')::text WHERE org_id = $1 AND seq = 3`,
      [edited],
    );
    expect(await log.verify({ orgId: edited })).toEqual({ ok: false, reason: "modified", seq: 3 });

    const deleted = newOrg();
    await record(log, deleted, 5);
    await asAttacker(db(), "DELETE FROM moatkit_audit_events WHERE org_id = $1 AND seq = 2", [deleted]);
    expect(await log.verify({ orgId: deleted })).toEqual({ ok: false, reason: "deleted", seq: 2 });

    const swapped = newOrg();
    await record(log, swapped, 5);
    for (const [from, to] of [
      [2, 1_000_002],
      [4, 2],
      [1_000_002, 4],
    ]) {
      await asAttacker(db(), "UPDATE moatkit_audit_events SET seq = $3 WHERE org_id = $1 AND seq = $2", [
        swapped,
        from,
        to,
      ]);
    }
    expect(await log.verify({ orgId: swapped })).toEqual({ ok: false, reason: "reordered", seq: 2 });

    const garbled = newOrg();
    await record(log, garbled, 5);
    await asAttacker(db(), "UPDATE moatkit_audit_events SET body = 'not json' WHERE org_id = $1 AND seq = 4", [
      garbled,
    ]);
    expect(await log.verify({ orgId: garbled })).toEqual({ ok: false, reason: "modified", seq: 4 });

    // The columns are what queries filter on: editing them alone hides events, and is reported.
    const recolumned = newOrg();
    await record(log, recolumned, 3);
    await asAttacker(db(), "UPDATE moatkit_audit_events SET actor_id = 'mallory', action = 'x' WHERE org_id = $1", [
      recolumned,
    ]);
    expect(await log.verify({ orgId: recolumned })).toMatchObject({
      ok: false,
      reason: "column_mismatch",
      seq: 1,
      column: "actor_id",
    });
  }, 30_000);

  it("keeps one gapless chain when several store instances (processes) append to one org at once", async () => {
    const orgId = newOrg();
    // Separate stores share no remembered head, so they race on the (org_id, seq) key.
    const logs = Array.from({ length: 4 }, () => logOn(db()));
    await Promise.all(logs.map((log) => log.record(input(orgId, 0))));
    // Each writer appends one event at a time, interleaving with the others on every append.
    const perWriter = await Promise.all(
      logs.map(async (log, l) => {
        const seqs: number[] = [];
        for (let i = 0; i < 40; i++) seqs.push((await log.record(input(orgId, l * 100 + i))).seq);
        return seqs;
      }),
    );
    const seqs = perWriter.flat().sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 160 }, (_, i) => i + 5));
    expect(await logs[0]!.verify({ orgId })).toMatchObject({ ok: true, count: 164 });
  }, 120_000);

  it("stores no secret or PII anywhere in the row", async () => {
    const orgId = newOrg();
    const log = createAuditLog({ store: createPostgresAuditStore({ client: db() }), redactor: piiRedactor });
    await log.record(eventWithSecrets(orgId));
    const { rows } = await db().query("SELECT * FROM moatkit_audit_events WHERE org_id = $1", [orgId]);
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    for (const value of SECRET_VALUES) expect(stored, value).not.toContain(value);
    expect(stored).toContain("[REDACTED]");
  }, 30_000);

  it("verifies and exports page by page", async () => {
    const orgId = newOrg();
    const log = logOn(db(), 7);
    await record(log, orgId, 30);
    const progress: number[] = [];
    expect(await log.verify({ orgId, onProgress: (p) => progress.push(p.verified) })).toMatchObject({
      ok: true,
      count: 30,
    });
    expect(progress.at(-1)).toBe(30);
    expect(progress.length).toBeGreaterThan(3);
    const text = await new Response(log.exportNdjson(orgId)).text();
    expect(
      text
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { seq: number }).seq),
    ).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const page = await log.query({ orgId, limit: 4, actorId: "user_1" });
    expect(page.events.map((e) => e.seq)).toEqual([29, 25, 21, 17]);
  }, 30_000);

  it("migrates idempotently and never drops the shared roles", async () => {
    const again = await migrate(db());
    expect(again.applied).toEqual([]);
    const { rows } = await db().query<{ rolname: string; rolsuper: boolean; rolcanlogin: boolean }>(
      "SELECT rolname::text AS rolname, rolsuper, rolcanlogin FROM pg_roles WHERE rolname IN ('moatkit_audit_writer', 'moatkit_audit_retention') ORDER BY rolname",
    );
    expect(rows).toEqual([
      { rolname: "moatkit_audit_retention", rolsuper: false, rolcanlogin: false },
      { rolname: "moatkit_audit_writer", rolsuper: false, rolcanlogin: false },
    ]);
  }, 30_000);

  it("migrates several schemas at once when the roles already exist or not", async () => {
    // Fresh databases (schemas on a server) migrating concurrently all reach the same roles.
    const extra = await Promise.all([target.connect(), target.connect(), target.connect()]);
    try {
      const results = await Promise.all(extra.map((h) => migrate(h.client)));
      for (const r of results) expect(r.applied.map((m) => m.module)).toContain("audit");
      for (const h of extra) {
        const orgId = newOrg();
        await record(logOn(h.client), orgId, 2);
        expect(await logOn(h.client).verify({ orgId })).toMatchObject({ ok: true, count: 2 });
      }
    } finally {
      await Promise.all(extra.map((h) => h.close()));
    }
  }, 120_000);

  it("reports a missing table as ERR_STORE", async () => {
    const bare = await target.connect();
    try {
      const log = createAuditLog({ store: createPostgresAuditStore({ client: bare.client }) });
      await expectMoatErrorAsync(log.record(input(newOrg(), 1)), "ERR_STORE");
      await expectMoatErrorAsync(log.verify({ orgId: newOrg() }), "ERR_STORE");
    } finally {
      await bare.close();
    }
  }, 30_000);
});
