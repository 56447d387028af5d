/**
 * Tenant notes. The tenant comes from the verified credential only (tenantScope); every query
 * runs in withTenantTransaction under forced RLS as the low-privilege app role, so a forged
 * tenant id in the body, query or a header has nothing to act on. Bodies are encrypted with
 * moatkit/crypto, bound to table, column, row and tenant: the database holds ciphertext only.
 */
import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { currentTenant } from "moatkit/tenant";
import { getRequestLogger, getRequestSignal, recordAudit, requirePermission } from "moatkit/express";
import { roles } from "../roles.js";
import { type Guards, type Services, noteBodyContext, parseBody } from "../services.js";

const noteSchema = z.object({ body: z.string().min(1).max(10_000) });
const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface NoteRow {
  id: string;
  tenant_id: string;
  author_id: string;
  body: string;
  created_at: Date | string;
}

export function noteRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  const read = guards.keyOrUser("notes:read");
  const write = guards.keyOrUser("notes:write");
  const { db, rls, envelope } = services;

  async function reveal(row: NoteRow): Promise<{ id: string; authorId: string; body: string; createdAt: string }> {
    // Decrypted outside the transaction: the data-key lookup uses the app's own connection.
    const body = await envelope.decryptString(row.body, { context: noteBodyContext(row.id), tenantId: row.tenant_id });
    return { id: row.id, authorId: row.author_id, body, createdAt: new Date(row.created_at).toISOString() };
  }

  router.get("/notes", ...read, requirePermission(roles, "notes:read"), async (req, res) => {
    getRequestSignal(req).throwIfAborted();
    const rows = await rls.withTenantTransaction(
      db,
      async (tx) => (await tx.query<NoteRow>("SELECT * FROM notes ORDER BY created_at, id LIMIT 100")).rows,
    );
    res.json({ notes: await Promise.all(rows.map(reveal)) });
  });

  router.get("/notes/:id", ...read, requirePermission(roles, "notes:read"), async (req, res) => {
    const id = typeof req.params.id === "string" ? req.params.id : "";
    const rows = ID_RE.test(id)
      ? await rls.withTenantTransaction(
          db,
          async (tx) => (await tx.query<NoteRow>("SELECT * FROM notes WHERE id = $1", [id])).rows,
        )
      : [];
    const row = rows[0];
    if (row === undefined) {
      res.status(404).json({ error: "ERR_NOT_FOUND" });
      return;
    }
    res.json(await reveal(row));
  });

  router.post("/notes", ...write, requirePermission(roles, "notes:write"), async (req, res) => {
    const input = parseBody(noteSchema, req);
    // tenantScope put the verified credential's tenant here; nothing from the request can.
    const { tenantId: tenant, userId } = currentTenant();
    const id = randomUUID();
    const body = await envelope.encrypt(input.body, { context: noteBodyContext(id), tenantId: tenant });
    await rls.withTenantTransaction(db, (tx) =>
      tx.query("INSERT INTO notes (id, tenant_id, author_id, body) VALUES ($1, $2, $3, $4)", [
        id,
        tenant,
        userId,
        body,
      ]),
    );
    // The body goes to the log only to show redactLogs at work (and the org's toggle). Never cut
    // a value before redaction: a card number cut in half is no longer recognised as one.
    getRequestLogger(req).info({ noteId: id, body: input.body }, "note created");
    await recordAudit(req, { action: "note.create", target: { type: "note", id } });
    res.status(201).json({ id });
  });

  router.delete("/notes/:id", ...write, requirePermission(roles, "notes:write"), async (req, res) => {
    const id = typeof req.params.id === "string" ? req.params.id : "";
    const deleted = ID_RE.test(id)
      ? (await rls.withTenantTransaction(db, (tx) => tx.query("DELETE FROM notes WHERE id = $1", [id]))).rowCount
      : 0;
    if (deleted === 0) {
      res.status(404).json({ error: "ERR_NOT_FOUND" });
      return;
    }
    await recordAudit(req, { action: "note.delete", target: { type: "note", id } });
    res.status(204).end();
  });

  return router;
}
