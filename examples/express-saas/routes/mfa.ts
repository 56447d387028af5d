/**
 * TOTP enrolment (the secret is stored encrypted, bound to the user's row), confirmation (which
 * hands out single-use recovery codes), and step-up: a TOTP or recovery code turns a password
 * session (`amr: ["pwd"]`) into one that passes requireMfa (`amr: ["pwd", "otp", …]`). Both what
 * a step-up answers are bound to the session it happened in: the new access token keeps its
 * `sid` (so it dies with the session), and the step-up proof for account actions names it.
 */
import { Router, type Request } from "express";
import { z } from "zod";
import { MoatError } from "moatkit";
import { credentialError, getSubject, rateLimit } from "moatkit/express";
import {
  AMR,
  type Guards,
  type Services,
  type UserRow,
  findUserInOrg,
  issueAccessToken,
  issueStepUpProof,
  parseBody,
  sessionIdOf,
  totpSecretContext,
} from "../services.js";

const codeSchema = z.object({ code: z.string().min(1).max(64) });

export function mfaRoutes(services: Services, guards: Guards): Router {
  const router = Router();
  router.use("/mfa", ...guards.user);
  const { db, envelope } = services;
  // Each user gets a few second-factor attempts per window: 10⁶ TOTP codes are guessable otherwise.
  const limited = rateLimit(services.mfaLimiter, {
    key: (req) => `mfa:${getSubject(req)?.id ?? "none"}`,
    now: services.now,
  });

  async function currentUser(req: Request): Promise<UserRow> {
    const subject = getSubject(req);
    if (subject?.tenantId === undefined) throw new MoatError("ERR_NO_TENANT");
    const user = await findUserInOrg(db, subject.tenantId, subject.id);
    if (user === null) throw credentialError("revoked");
    return user;
  }

  /** A stepped-up access token and a step-up proof, both of the request's session. */
  async function steppedUp(req: Request, user: UserRow, amr: readonly string[]): Promise<Record<string, string>> {
    const sid = sessionIdOf(req);
    return {
      accessToken: await issueAccessToken(services, user, amr, sid),
      stepUpToken: await issueStepUpProof(services, user.id, sid),
    };
  }

  async function totpSecretOf(user: UserRow): Promise<string> {
    if (user.totpSecret === null) throw new MoatError("ERR_INVALID_INPUT", { message: "no TOTP enrolment" });
    return envelope.decryptString(user.totpSecret, { context: totpSecretContext(user.id), tenantId: user.orgId });
  }

  router.post("/mfa/totp/enroll", async (req, res) => {
    const user = await currentUser(req);
    if (user.totpEnabled) {
      res.status(409).json({ error: "mfa_already_enabled" });
      return;
    }
    const { secret, uri } = services.totp.enroll({ accountName: user.email });
    const stored = await envelope.encrypt(secret.reveal(), {
      context: totpSecretContext(user.id),
      tenantId: user.orgId,
    });
    await db.query("UPDATE saas_users SET totp_secret = $1 WHERE id = $2 AND org_id = $3", [
      stored,
      user.id,
      user.orgId,
    ]);
    // Shown once, to the user enrolling; the database holds only the ciphertext.
    res.status(201).json({ secret: secret.reveal(), uri: uri.reveal() });
  });

  router.post("/mfa/totp/confirm", limited, async (req, res) => {
    const { code } = parseBody(codeSchema, req);
    const user = await currentUser(req);
    if (user.totpEnabled) {
      res.status(409).json({ error: "mfa_already_enabled" });
      return;
    }
    const result = await services.totp.verify({ userId: user.id, secret: await totpSecretOf(user), code });
    if (!result.ok) throw credentialError(result.reason);
    await db.query("UPDATE saas_users SET totp_enabled = true WHERE id = $1 AND org_id = $2", [user.id, user.orgId]);
    const codes = await services.recovery.generate(user.id);
    res.json({ ...(await steppedUp(req, user, AMR.totp)), recoveryCodes: codes.reveal() });
  });

  router.post("/mfa/verify", limited, async (req, res) => {
    const { code } = parseBody(codeSchema, req);
    const user = await currentUser(req);
    if (!user.totpEnabled) throw credentialError("mfa_not_enrolled");
    const result = await services.totp.verify({ userId: user.id, secret: await totpSecretOf(user), code });
    if (!result.ok) throw credentialError(result.reason);
    res.json(await steppedUp(req, user, AMR.totp));
  });

  router.post("/mfa/recovery", limited, async (req, res) => {
    const { code } = parseBody(codeSchema, req);
    const user = await currentUser(req);
    if (!user.totpEnabled) throw credentialError("mfa_not_enrolled");
    const result = await services.recovery.redeem(user.id, code);
    if (!result.ok) throw credentialError(result.reason);
    res.json({ ...(await steppedUp(req, user, AMR.recovery)), remaining: result.remaining });
  });

  return router;
}
