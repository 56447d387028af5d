/**
 * Links mailed through the outbox: email verification, and the forgotten password (Turnstile
 * in front; a 2-hour, single-use reset link; the same answer whether or not the address has an
 * account; a reset ends every session of the user).
 */
import { Router } from "express";
import { z } from "zod";
import { getRequestLogger, rateLimit, recordAudit, setSubject } from "moatkit/express";
import { hashPassword } from "moatkit/passwords";
import {
  type Services,
  findUserByEmail,
  findUserById,
  normalizeEmail,
  parseBody,
  queueMail,
  turnstileGuard,
} from "../services.js";
import { revokeAllSignIns } from "../sign-ins.js";

const linkToken = z.string().min(1).max(256);
const verifySchema = z.object({ token: linkToken });
const forgotSchema = z.object({ email: z.string().max(254) });
const resetSchema = z.object({
  token: linkToken,
  password: z
    .string()
    .max(72)
    .refine((p) => Buffer.byteLength(p) <= 72),
});

/** What POST /auth/forgot-password answers, whatever the address: nothing to tell accounts apart by. */
export const FORGOT_ANSWER = Object.freeze({
  message: "If an account uses this address, a link to choose a new password is on its way.",
});

/** Looks the address up and mails a reset link if it has an account; the caller has already answered. */
async function mailResetLink(services: Services, email: string): Promise<void> {
  const user = await findUserByEmail(services.db, email);
  if (user === null) return;
  const { token, expiresAt } = await services.resets.issue(user.id);
  const hours = Math.round((expiresAt - services.now()) / 3_600_000);
  await queueMail(
    services.db,
    user.email,
    "Choose a new password",
    `Open this link to choose a new password (valid ${String(hours)} hours, once):\n` +
      `${services.publicUrl}/#reset=${token.reveal()}\n` +
      "If you did not ask for it, ignore this mail: your password stays as it is.\n",
  );
}

export function recoveryRoutes(services: Services): Router {
  const router = Router();
  const { db } = services;

  router.post("/auth/verify-email", async (req, res) => {
    const { token } = parseBody(verifySchema, req);
    const result = await services.verifications.consume(token);
    if (!result.ok) {
      res.status(400).json({ error: result.reason });
      return;
    }
    await db.query(
      "UPDATE saas_users SET email_verified_at = COALESCE(email_verified_at, to_timestamp($2::double precision / 1000)) WHERE id = $1",
      [result.subject, services.now()],
    );
    res.status(204).end();
  });

  // The answer goes out before the lookup: the same body, status and timing for every address,
  // so the form cannot be used to find out who has an account. The work runs after it.
  router.post(
    "/auth/forgot-password",
    rateLimit(services.forgotLimiter, { now: services.now }),
    turnstileGuard(services),
    (req, res) => {
      const { email } = parseBody(forgotSchema, req);
      const log = getRequestLogger(req);
      res.status(202).json(FORGOT_ANSWER);
      mailResetLink(services, normalizeEmail(email)).catch((err: unknown) => {
        log.error({ err }, "password reset mail failed");
      });
    },
  );

  // Each attempt costs a bcrypt hash before the link is looked at: the same per-IP limit as asking.
  router.post("/auth/reset-password", rateLimit(services.forgotLimiter, { now: services.now }), async (req, res) => {
    const input = parseBody(resetSchema, req);
    // The rules that need no account first, so a weak choice does not spend the link; the
    // bcrypt hash too, so the link's single use is decided by the store alone.
    const verdict = services.passwordPolicy.checkLocal(input.password);
    if (!verdict.ok) {
      res.status(400).json({ error: "weak_password", reasons: verdict.reasons });
      return;
    }
    const passwordHash = await hashPassword(verdict.password, { cost: services.passwordCost });
    const result = await services.resets.consume(input.token);
    if (!result.ok) {
      res.status(400).json({ error: result.reason });
      return;
    }
    const user = await findUserById(db, result.subject);
    if (user === null) {
      res.status(400).json({ error: "invalid" });
      return;
    }
    // Following the link proved the mailbox too.
    await db.query(
      `UPDATE saas_users SET password_hash = $2,
         email_verified_at = COALESCE(email_verified_at, to_timestamp($3::double precision / 1000))
       WHERE id = $1`,
      [user.id, passwordHash, services.now()],
    );
    // Whoever knew the old password is out: every session, every other outstanding link.
    const revoked = await revokeAllSignIns(services, user.id);
    await services.resets.revokeAll(user.id);
    setSubject(req, { id: user.id, role: user.role, tenantId: user.orgId });
    await recordAudit(req, { action: "auth.password_reset", target: { type: "user", id: user.id } });
    getRequestLogger(req).info({ userId: user.id, revoked }, "password reset");
    res.status(204).end();
  });

  return router;
}
