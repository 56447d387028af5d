/**
 * The Postgres store copies some members of each event into columns that queries filter on. An
 * attacker who can edit rows (triggers switched off) leaves the hashed body alone and edits a
 * column: the event then hides from queries by its real actor, action, target or time. `verify`
 * must name the row and the column. Run on PGlite, and on the server when DATABASE_URL is set.
 */
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { createPostgresAuditStore } from "../../src/adapters/postgres/index.js";
import type { SqlClient } from "../../src/adapters/postgres/index.js";
import { createAuditLog } from "../../src/audit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";

async function seed(client: SqlClient, orgId: string): Promise<void> {
  const clock = fakeClock(Date.UTC(2026, 0, 1));
  const log = createAuditLog({ store: createPostgresAuditStore({ client }), now: clock.now });
  for (let i = 1; i <= 8; i++) {
    clock.advance(1000);
    await log.record({
      orgId,
      actor: { userId: `user_${String(i)}`, ...(i === 5 ? { impersonatorId: "staff_1" } : {}) },
      action: "member.remove",
      target: { type: "member", id: `mem_${String(i)}` },
    });
  }
}

/** An edit as someone with full control of the database makes it: triggers off, one column of one row. */
async function editColumn(client: SqlClient, orgId: string, seq: number, assignment: string): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query("SET LOCAL session_replication_role = replica");
    await tx.query(`UPDATE moatkit_audit_events SET ${assignment} WHERE org_id = $1 AND seq = $2`, [orgId, seq]);
  });
}

const EDITS: readonly (readonly [column: string, assignment: string])[] = [
  ["actor_id", "actor_id = 'user_2'"],
  ["impersonator_id", "impersonator_id = NULL"],
  ["action", "action = 'member.add'"],
  ["target_type", "target_type = 'user'"],
  ["target_id", "target_id = 'mem_9'"],
  ["at", "at = at - interval '1 day'"],
  ["at", "at = at + interval '1 microsecond'"],
  ["event_id", "event_id = 'evt_forged'"],
  // Control characters in an edited value (the store joins the columns with one) change nothing.
  ["actor_id", "actor_id = actor_id || E'\\x1f' || action"],
  ["actor_id", "actor_id = E'x\\x1f' || actor_id"],
  ["impersonator_id", "impersonator_id = ''"],
  ["target_id", "target_id = target_id || E'\\x1e'"],
];

describePostgres("edited query columns", (target) => {
  const db = useMigratedDatabase(target);

  it("an edited actor_id hides the event from its actor's query, and verify names the row and column", async () => {
    const client = db();
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    await seed(client, orgId);
    await editColumn(client, orgId, 5, "actor_id = 'user_2'");
    const log = createAuditLog({ store: createPostgresAuditStore({ client, pageSize: 3 }) });
    // The damage: user_5's event no longer shows up for user_5.
    expect((await log.query({ orgId, actorId: "user_5", limit: 10 })).events).toHaveLength(0);
    const result = await log.verify({ orgId });
    expect(result).toMatchObject({ ok: false, reason: "column_mismatch", seq: 5, column: "actor_id" });
    // The message names the column, never the values.
    expect(JSON.stringify(result)).not.toMatch(/user_2|user_5/);
  });

  it.each(EDITS.map(([column, assignment]) => [assignment, column] as const))(
    "%s is reported as column_mismatch naming %s",
    async (assignment, column) => {
      const client = db();
      const orgId = `org_${randomBytes(5).toString("hex")}`;
      await seed(client, orgId);
      await editColumn(client, orgId, 5, assignment);
      const log = createAuditLog({ store: createPostgresAuditStore({ client, pageSize: 3 }) });
      expect(await log.verify({ orgId })).toMatchObject({ ok: false, reason: "column_mismatch", seq: 5, column });
    },
    30_000,
  );

  it("an edited seq column of the last event is reported too", async () => {
    const client = db();
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    await seed(client, orgId);
    await editColumn(client, orgId, 8, "seq = 80");
    const log = createAuditLog({ store: createPostgresAuditStore({ client }) });
    expect(await log.verify({ orgId })).toMatchObject({ ok: false, reason: "column_mismatch", seq: 8, column: "seq" });
  });

  it("checkpoint refuses to sign a head whose row's columns were edited", async () => {
    const client = db();
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    await seed(client, orgId);
    await editColumn(client, orgId, 8, "action = 'member.add'");
    const { checkpointKeys } = await import("./tamper.js");
    const keys = await checkpointKeys();
    const log = createAuditLog({ store: createPostgresAuditStore({ client }), checkpointKey: keys.publicKey });
    await expect(log.checkpoint(orgId, keys.signer)).rejects.toMatchObject({
      code: "ERR_INTEGRITY",
      details: { reason: "column_mismatch", seq: 8 },
    });
  });

  it("an untouched chain still verifies (the columns agree with every body)", async () => {
    const client = db();
    const orgId = `org_${randomBytes(5).toString("hex")}`;
    await seed(client, orgId);
    const log = createAuditLog({ store: createPostgresAuditStore({ client, pageSize: 3 }) });
    expect(await log.verify({ orgId })).toMatchObject({ ok: true, count: 8 });
  });
});
