/**
 * Organisation administration: members and their roles, the log-redaction toggle, and the audit
 * chain check. Reads need the permission; changes also need a second factor. The users table
 * is not under RLS (login looks users up before a tenant is known), so every query here filters
 * on the org of the verified token.
 */
import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { getSubject, recordAudit, requireMfa, requirePermission } from "moatkit/express";
import { hashPassword } from "moatkit/passwords";
import { ASSIGNABLE_ROLES, roles } from "../roles.js";
import {
  type Guards,
  MFA_METHODS,
  STEP_UP_MAX_AGE,
  type Services,
  findUserInOrg,
  isUniqueViolation,
  normalizeEmail,
  parseBody,
} from "../services.js";

const inviteSchema = z.object({
  email: z.email().max(254),
  password: z
    .string()
    .min(10)
    .max(72)
    .refine((p) => Buffer.byteLength(p) <= 72),
  role: z.enum(ASSIGNABLE_ROLES),
});
const roleSchema = z.object({ role: z.enum(ASSIGNABLE_ROLES) });
const settingsSchema = z.object({ redactLogs: z.boolean() });

function orgOf(req: Parameters<typeof getSubject>[0]): string {
  const tenantId = getSubject(req)?.tenantId;
  if (tenantId === undefined) throw new Error("admin routes run after authentication");
  return tenantId;
}

export function adminRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  router.use("/admin", ...guards.user);
  const { db } = services;
  const mfa = requireMfa({ methods: MFA_METHODS, maxAge: STEP_UP_MAX_AGE, now: services.now });

  router.get("/admin/members", requirePermission(roles, "members:read"), async (req, res) => {
    const { rows } = await db.query<{ id: string; email: string; role: string; totp_enabled: boolean }>(
      "SELECT id, email, role, totp_enabled FROM saas_users WHERE org_id = $1 ORDER BY created_at, id",
      [orgOf(req)],
    );
    res.json({ members: rows.map((r) => ({ id: r.id, email: r.email, role: r.role, mfa: r.totp_enabled })) });
  });

  router.post("/admin/members", requirePermission(roles, "members:invite"), mfa, async (req, res) => {
    const input = parseBody(inviteSchema, req);
    const orgId = orgOf(req);
    const id = `usr_${randomUUID()}`;
    const passwordHash = await hashPassword(input.password, { cost: services.passwordCost });
    try {
      // The admin vouches for a colleague's address, so the account starts verified; a product
      // that wants the member's own proof mails a link as signup does (sendVerificationMail).
      await db.query(
        `INSERT INTO saas_users (id, org_id, email, password_hash, role, email_verified_at)
         VALUES ($1, $2, $3, $4, $5, to_timestamp($6::double precision / 1000))`,
        [id, orgId, normalizeEmail(input.email), passwordHash, input.role, services.now()],
      );
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      res.status(409).json({ error: "email_unavailable" });
      return;
    }
    await recordAudit(req, {
      action: "member.add",
      target: { type: "user", id },
      after: { email: input.email, role: input.role },
    });
    res.status(201).json({ id });
  });

  router.patch("/admin/members/:id", requirePermission(roles, "members:role"), mfa, async (req, res) => {
    const { role } = parseBody(roleSchema, req);
    const orgId = orgOf(req);
    const member = await findUserInOrg(db, orgId, req.params.id);
    // The owner's role is not changed here, and another org's member is simply not found.
    if (member === null || member.role === "owner") {
      res.status(404).json({ error: "ERR_NOT_FOUND" });
      return;
    }
    await db.query("UPDATE saas_users SET role = $1 WHERE id = $2 AND org_id = $3", [role, member.id, orgId]);
    await recordAudit(req, {
      action: "member.role_change",
      target: { type: "user", id: member.id },
      before: { role: member.role },
      after: { role },
    });
    res.json({ id: member.id, role });
  });

  router.put("/admin/settings", requirePermission(roles, "org:settings"), mfa, async (req, res) => {
    const { redactLogs } = parseBody(settingsSchema, req);
    const orgId = orgOf(req);
    const before = await db.query<{ redact_logs: boolean }>("SELECT redact_logs FROM saas_orgs WHERE id = $1", [orgId]);
    await db.query("UPDATE saas_orgs SET redact_logs = $1 WHERE id = $2", [redactLogs, orgId]);
    await recordAudit(req, {
      action: "org.settings",
      target: { type: "org", id: orgId },
      before: { redactLogs: before.rows[0]?.redact_logs ?? true },
      after: { redactLogs },
    });
    res.json({ redactLogs });
  });

  router.get("/admin/audit/verify", requirePermission(roles, "audit:read"), async (req, res) => {
    const result = await services.auditLog.verify({ orgId: orgOf(req) });
    res.json(result.ok ? { ok: true, count: result.count } : { ok: false, reason: result.reason, seq: result.seq });
  });

  return router;
}
