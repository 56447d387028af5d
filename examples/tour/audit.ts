import { PGlite } from "@electric-sql/pglite";
import { generateKeyPair } from "jose";
import { createPostgresAuditStore, fromPglite, inspectAuditRole, migrate } from "moatkit/adapters/postgres";
import { auditContextFromRequest, createAuditLog } from "moatkit/audit";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "A tamper-evident audit log (hash chain, signed checkpoint, insert-only role) on PGlite",
  async run(say) {
    const pglite = await PGlite.create();
    try {
      const db = fromPglite(pglite);
      await migrate(db);
      const { privateKey, publicKey } = await generateKeyPair("EdDSA");
      const log = createAuditLog({ store: createPostgresAuditStore({ client: db }), checkpointKey: publicKey });

      // 1. Record a few events, as route handlers would.
      const request = auditContextFromRequest(
        {
          headers: { "user-agent": "tour/1.0", "x-request-id": "req_42", "x-forwarded-for": "203.0.113.7" },
          socket: { remoteAddress: "10.0.0.2" },
        },
        { trustProxy: 1 },
      );
      const orgId = "org_acme";
      await log.record({
        orgId,
        actor: { userId: "alice" },
        action: "api_key.create",
        target: { type: "api_key", id: "key_1" },
        request,
        after: { name: "ci", secret: "sk_live_123" },
      });
      await log.record({
        orgId,
        actor: { userId: "bob", impersonatorId: "staff_eve" },
        action: "member.role_change",
        target: { type: "member", id: "mem_7" },
        request,
        before: { role: "member" },
        after: { role: "admin" },
      });
      const third = await log.record({
        orgId,
        actor: { userId: "alice" },
        action: "api_key.revoke",
        target: { type: "api_key", id: "key_1" },
        request,
        metadata: { reason: "rotated" },
      });
      say(
        `recorded 3 events; event 3 is seq ${String(third.seq)}, hash ${third.hash.slice(0, 16)}…, ip ${String(third.ip)}`,
      );
      const [first] = (await log.query({ orgId, limit: 1, order: "asc" })).events;
      say(`event 1's diff, secret redacted: ${JSON.stringify(first?.diff)}`);

      // 2. Verify, and sign a checkpoint to keep outside the database.
      const checkpoint = await log.checkpoint(orgId, { alg: "EdDSA", privateKey });
      say(`verify → ${JSON.stringify(await log.verify({ orgId, checkpoints: [checkpoint] }))}`);
      say(`checkpoint (EdDSA JWS): ${checkpoint.slice(0, 40)}…`);

      // 3. The application's writer role can only insert.
      const writer = await db.transaction(async (tx) => {
        await tx.query("SET LOCAL ROLE moatkit_audit_writer");
        return inspectAuditRole(tx);
      });
      say(
        `as moatkit_audit_writer: insert-only = ${String(writer.insertOnly)} (update ${String(writer.canUpdate)}, delete ${String(writer.canDelete)})`,
      );

      // 4. Someone with full control of the database hides the promotion in event 2 (bypassing the
      //    append-only trigger, as a superuser can); the verifier recomputes the hash and notices.
      await db.transaction(async (tx) => {
        await tx.query("SET LOCAL session_replication_role = replica");
        await tx.query(
          `UPDATE moatkit_audit_events SET body = jsonb_set(body::jsonb, '{diff,0,after}', '"member"')::text WHERE org_id = $1 AND seq = 2`,
          [orgId],
        );
      });
      say(`after editing event 2 in SQL: verify → ${JSON.stringify(await log.verify({ orgId }))}`);
    } finally {
      await pglite.close();
    }
  },
};
export default section;
