/**
 * Signup (Turnstile in front, bcrypt on a worker; mails a verification link through the outbox)
 * and login (rate limited per client IP; an unknown email costs the same bcrypt compare as a
 * wrong password and gets the same answer). Until the email is verified the account is limited:
 * it may sign in and manage its own sessions, nothing else (guards.user answers 403
 * `email_unverified`).
 */
import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { clientAddress, credentialError, getRequestLogger, rateLimit, recordAudit, setSubject } from "moatkit/express";
import { hashPassword } from "moatkit/passwords";
import {
  AMR,
  type Services,
  isUniqueViolation,
  normalizeEmail,
  parseBody,
  queueMail,
  turnstileGuard,
} from "../services.js";
import { startSignIn } from "../sign-ins.js";

/** Mails `email` a link that verifies it (a one-time token of the "email-verification" purpose). */
export async function sendVerificationMail(services: Services, userId: string, email: string): Promise<void> {
  const { token } = await services.verifications.issue(userId);
  await queueMail(
    services.db,
    email,
    "Confirm your email address",
    `Open this link to confirm your address (valid 24 hours, once):\n${services.publicUrl}/#verify=${token.reveal()}\n`,
  );
}

// bcrypt reads at most 72 bytes; moatkit refuses longer passwords rather than truncating them.
// Length and content are the password policy's to judge (it answers the reasons).
const password = z
  .string()
  .max(72)
  .refine((p) => Buffer.byteLength(p) <= 72);
const email = z.email().max(254);

const signupSchema = z.object({ email, password, orgName: z.string().trim().min(1).max(100) });
const loginSchema = z.object({ email: z.string().max(1024), password: z.string().max(1024) });

export function authRoutes(services: Services): Router {
  const router = Router();
  const { db } = services;

  router.post(
    "/auth/signup",
    rateLimit(services.signupLimiter, { now: services.now }),
    turnstileGuard(services),
    async (req, res) => {
      const input = parseBody(signupSchema, req);
      // NIST SP 800-63B: length, common passwords, the user's own email and the service name.
      const verdict = services.passwordPolicy.checkLocal(input.password, {
        email: input.email,
        words: [input.orgName],
      });
      if (!verdict.ok) {
        res.status(400).json({ error: "weak_password", reasons: verdict.reasons });
        return;
      }
      const passwordHash = await hashPassword(verdict.password, { cost: services.passwordCost });
      const orgId = `org_${randomUUID()}`;
      const userId = `usr_${randomUUID()}`;
      try {
        await db.transaction(async (tx) => {
          await tx.query("INSERT INTO saas_orgs (id, name) VALUES ($1, $2)", [orgId, input.orgName]);
          await tx.query(
            "INSERT INTO saas_users (id, org_id, email, password_hash, role) VALUES ($1, $2, $3, $4, 'owner')",
            [userId, orgId, normalizeEmail(input.email), passwordHash],
          );
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        res.status(409).json({ error: "email_unavailable" });
        return;
      }
      getRequestLogger(req).info({ email: input.email, orgId }, "signup");
      // From here on the request acts as the new owner: the audit event names them and their org.
      setSubject(req, { id: userId, role: "owner", tenantId: orgId });
      await recordAudit(req, {
        action: "org.create",
        target: { type: "org", id: orgId },
        after: { name: input.orgName },
      });
      await sendVerificationMail(services, userId, input.email);
      const tokens = await startSignIn(services, req, { id: userId, orgId, role: "owner" }, AMR.password);
      services.refreshCookie.set(res, tokens);
      res.status(201).json({ orgId, userId, accessToken: tokens.accessToken, emailVerified: false });
    },
  );

  router.post("/auth/login", rateLimit(services.loginLimiter, { now: services.now }), async (req, res) => {
    const input = parseBody(loginSchema, req);
    // The limiter ran above, per client IP (the login has none of its own, so nothing counts twice).
    const result = await services.login.login({
      identifier: normalizeEmail(input.email),
      password: input.password,
      ip: clientAddress(req),
    });
    if (!result.ok) {
      getRequestLogger(req).warn({ email: input.email }, "login failed");
      throw credentialError(result.reason);
    }
    const { user } = result;
    getRequestLogger(req).info({ email: user.email, userId: user.id }, "login");
    setSubject(req, { id: user.id, role: user.role, tenantId: user.orgId });
    await recordAudit(req, { action: "auth.login", target: { type: "user", id: user.id } });
    // The refresh token goes in the HttpOnly cookie; the access token in the body, for page memory.
    const tokens = await startSignIn(services, req, user, AMR.password);
    services.refreshCookie.set(res, tokens);
    res.setHeader("cache-control", "no-store");
    res.json({
      accessToken: tokens.accessToken,
      mfaEnrolled: user.totpEnabled,
      emailVerified: user.emailVerified,
      email: user.email,
    });
  });

  // Rotates the refresh cookie and answers a new access token; a replayed (already rotated)
  // cookie revokes the whole session: 401 { "error": "revoked" }.
  router.post("/auth/refresh", services.refreshCookie.refreshHandler());
  // Revokes the cookie's session and clears it (204, also without a cookie).
  router.post("/auth/logout", services.refreshCookie.logoutHandler());

  return router;
}
