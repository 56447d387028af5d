/**
 * The signed-in user's own account: its status, its sessions (listed with when and where they
 * were used; one revoked, or all the others), and a password change, which needs the current
 * password and, once TOTP is on, a step-up proof of this very session; it ends every other
 * session and keeps this one.
 */
import { Router, type Request } from "express";
import { z } from "zod";
import { MoatError } from "moatkit";
import { credentialError, getRequestLogger, getSubject, recordAudit } from "moatkit/express";
import { hashPassword, verifyPassword } from "moatkit/passwords";
import { type Guards, type Services, type UserRow, findUserInOrg, parseBody, sessionIdOf } from "../services.js";
import { listSignIns, revokeOtherSignIns, revokeSignIn } from "../sign-ins.js";
import { requireStepUp } from "../step-up.js";

const password = z
  .string()
  .max(72)
  .refine((p) => Buffer.byteLength(p) <= 72);
const changeSchema = z.object({ currentPassword: password, newPassword: password });
const SESSION_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

export function accountRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  router.use("/account", ...guards.account);
  const { db } = services;
  const stepUp = requireStepUp(services);

  async function currentUser(req: Request): Promise<UserRow> {
    const subject = getSubject(req);
    if (subject?.tenantId === undefined) throw new MoatError("ERR_NO_TENANT");
    const user = await findUserInOrg(db, subject.tenantId, subject.id);
    if (user === null) throw credentialError("revoked");
    return user;
  }

  router.get("/account", async (req, res) => {
    const user = await currentUser(req);
    res.setHeader("cache-control", "no-store");
    res.json({ email: user.email, emailVerified: user.emailVerified, mfaEnrolled: user.totpEnabled });
  });

  router.get("/account/sessions", async (req, res) => {
    const user = await currentUser(req);
    res.setHeader("cache-control", "no-store");
    res.json({ sessions: await listSignIns(services, user.id, sessionIdOf(req)) });
  });

  router.post("/account/sessions/revoke-others", async (req, res) => {
    const user = await currentUser(req);
    const revoked = await revokeOtherSignIns(services, user.id, sessionIdOf(req));
    await recordAudit(req, { action: "auth.sessions_revoke_others", target: { type: "user", id: user.id } });
    res.json({ revoked });
  });

  router.delete("/account/sessions/:id", async (req, res) => {
    const id = req.params["id"];
    const user = await currentUser(req);
    // Another user's session is as absent as a missing one.
    if (!SESSION_ID_RE.test(id) || !(await revokeSignIn(services, user.id, id))) {
      res.status(404).json({ error: "ERR_NOT_FOUND" });
      return;
    }
    await recordAudit(req, { action: "auth.session_revoke", target: { type: "session", id } });
    res.status(204).end();
  });

  router.post(
    "/account/password",
    // With TOTP on, the password alone (perhaps phished) must not be enough to lock the owner out.
    (req, res, next) => {
      currentUser(req).then(
        (user) => {
          if (user.totpEnabled) stepUp(req, res, next);
          else next();
        },
        (err: unknown) => {
          next(err);
        },
      );
    },
    async (req, res) => {
      const input = parseBody(changeSchema, req);
      const user = await currentUser(req);
      if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
        res.status(403).json({ error: "wrong_password" });
        return;
      }
      const verdict = services.passwordPolicy.checkLocal(input.newPassword, { email: user.email });
      if (!verdict.ok) {
        res.status(400).json({ error: "weak_password", reasons: verdict.reasons });
        return;
      }
      const passwordHash = await hashPassword(verdict.password, { cost: services.passwordCost });
      await db.query("UPDATE saas_users SET password_hash = $1 WHERE id = $2 AND org_id = $3", [
        passwordHash,
        user.id,
        user.orgId,
      ]);
      // Everyone else who knew the old password is out; this session carries on. Reset links
      // sent before the change die too.
      const revoked = await revokeOtherSignIns(services, user.id, sessionIdOf(req));
      await services.resets.revokeAll(user.id);
      await recordAudit(req, { action: "auth.password_change", target: { type: "user", id: user.id } });
      getRequestLogger(req).info({ userId: user.id, revoked }, "password changed");
      res.json({ revokedSessions: revoked });
    },
  );

  return router;
}
