/**
 * API keys of an organisation: issued with scopes, a role no higher than member and a log
 * redaction override; listed as previews; revoked at once. Managing keys needs keys:manage and
 * a second factor. A key whose redaction is "off" loosens the org's policy for everything logged
 * with it, so issuing one also needs org:settings, the permission that turns the org's own
 * redaction off: an admin cannot get around the owner's setting through a key.
 */
import { type Request, Router } from "express";
import { z } from "zod";
import { getSubject, recordAudit, requireMfa, requirePermission } from "moatkit/express";
import { API_KEY_ROLES, API_KEY_SCOPES, type Permission, REDACTION_OFF_PERMISSION, roles } from "../roles.js";
import { type Guards, MFA_METHODS, STEP_UP_MAX_AGE, type Services, parseBody } from "../services.js";

const issueSchema = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length),
  role: z.enum(API_KEY_ROLES).default("member"),
  redaction: z.enum(["inherit", "on", "off"]).default("inherit"),
});

function tenantOf(subject: ReturnType<typeof getSubject>): string {
  // authenticate + requirePermission ran first, so there is a subject; tokens always carry a tenant.
  const tenantId = subject?.tenantId;
  if (tenantId === undefined) throw new Error("key routes run after authentication");
  return tenantId;
}

/** Whether the request's subject holds `permission`; a role the role set does not know holds nothing. */
function holds(req: Request, permission: Permission): boolean {
  const subject = getSubject(req);
  if (subject === undefined) return false;
  try {
    return roles.can(roles.parseSubject({ role: subject.role, allow: subject.allow, deny: subject.deny }), permission);
  } catch {
    return false;
  }
}

export function keyRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  router.use("/keys", ...guards.user);
  const { apiKeys } = services;
  const mfa = requireMfa({ methods: MFA_METHODS, maxAge: STEP_UP_MAX_AGE, now: services.now });

  router.get("/keys", requirePermission(roles, "keys:read"), async (req, res) => {
    const orgId = tenantOf(getSubject(req));
    const keys = await apiKeys.list(orgId);
    res.json({
      keys: keys.map((k) => ({
        id: k.id,
        name: k.name,
        preview: k.preview,
        scopes: k.scopes,
        redaction: k.redaction,
        revoked: k.revokedAt !== null,
      })),
    });
  });

  router.post("/keys", requirePermission(roles, "keys:manage"), mfa, async (req, res) => {
    const input = parseBody(issueSchema, req);
    // "off" loosens redaction below the org's setting: the same permission as PUT /admin/settings.
    // "inherit" follows that setting and "on" tightens it, which keys:manage is enough for.
    if (input.redaction === "off" && !holds(req, REDACTION_OFF_PERMISSION)) {
      res.status(403).json({ error: "ERR_FORBIDDEN" });
      return;
    }
    const subject = getSubject(req);
    const orgId = tenantOf(subject);
    const { key, record } = await apiKeys.issue({
      ownerId: orgId,
      tenantId: orgId,
      env: "live",
      name: input.name,
      scopes: input.scopes,
      redaction: input.redaction,
      metadata: { role: input.role, createdBy: subject?.id ?? "" },
    });
    await recordAudit(req, {
      action: "apikey.issue",
      target: { type: "api_key", id: record.id },
      after: { name: input.name, scopes: input.scopes, role: input.role, redaction: input.redaction },
    });
    // The only time the key is shown.
    res.status(201).json({ id: record.id, key: key.reveal(), preview: record.preview, scopes: record.scopes });
  });

  router.delete("/keys/:id", requirePermission(roles, "keys:manage"), mfa, async (req, res) => {
    const orgId = tenantOf(getSubject(req));
    const id = req.params.id;
    // Keys are owned by the org: another org's key id is as unknown as a made-up one.
    const owned = (await apiKeys.list(orgId)).some((k) => k.id === id);
    if (!owned) {
      res.status(404).json({ error: "ERR_NOT_FOUND" });
      return;
    }
    await apiKeys.revoke(id);
    await recordAudit(req, { action: "apikey.revoke", target: { type: "api_key", id } });
    res.status(204).end();
  });

  return router;
}
