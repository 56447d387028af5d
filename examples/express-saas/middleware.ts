/**
 * The example app's own middleware: the subject of an access token (with its session), the org's
 * log setting, the email-verification gate, and API keys kept off routes meant for people.
 */
import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import type { SqlClient } from "moatkit/adapters/postgres";
import { getApiKey, getSubject, type RequestSubject } from "moatkit/express";
import type { AccessTokenClaims } from "moatkit/sessions";
import { setSessionId } from "./services.js";

// The org's "redact logs" setting for the current request, loaded once it is authenticated.
export const orgRedaction = new WeakMap<IncomingMessage, boolean>();

export function loadOrgSettings(db: SqlClient): RequestHandler {
  return (req, _res, next) => {
    const tenantId = getSubject(req)?.tenantId;
    if (tenantId === undefined) {
      next();
      return;
    }
    db.query<{ redact_logs: boolean }>("SELECT redact_logs FROM saas_orgs WHERE id = $1", [tenantId]).then(
      ({ rows }) => {
        orgRedaction.set(req, rows[0]?.redact_logs ?? true);
        next();
      },
      (err: unknown) => {
        next(err);
      },
    );
  };
}

/** The value of cookie `name` on the request, if sent once. */
export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  const values = header
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
  return values.length === 1 ? values[0]?.slice(0, 1024) : undefined;
}

/** Refuses API-key callers on routes meant for people (MFA, key management, administration). */
export const usersOnly: RequestHandler = (req, res, next) => {
  if (getApiKey(req) !== undefined) {
    res.status(403).json({ error: "ERR_FORBIDDEN" });
    return;
  }
  next();
};

/**
 * authenticate's subject: the app's claims (`sub`, `role`, `tid`, `amr`, `auth_time`), and the
 * session the token belongs to (`sid`) recorded for the request. Every token the app signs has
 * all of them; one without is not the app's.
 */
export function subjectOf(claims: AccessTokenClaims, req: IncomingMessage): RequestSubject | null {
  const { sub, sid } = claims;
  const role = claims["role"];
  const tid = claims["tid"];
  const amr = claims["amr"];
  const authTime = claims["auth_time"];
  if (typeof sub !== "string" || typeof sid !== "string" || typeof role !== "string" || typeof tid !== "string") {
    return null;
  }
  if (!Array.isArray(amr) || !amr.every((m): m is string => typeof m === "string")) return null;
  if (typeof authTime !== "number") return null;
  setSessionId(req, sid);
  return { id: sub, role, tenantId: tid, amr, authTime };
}

/**
 * Until its email is verified an account is limited to its own sessions and password: other
 * routes answer 403 `{ "error": "email_unverified" }`. API keys pass (only a verified user makes them).
 */
export function verifiedEmail(db: SqlClient): RequestHandler {
  return (req, res, next) => {
    const subject = getSubject(req);
    if (subject === undefined || getApiKey(req) !== undefined) {
      next();
      return;
    }
    db.query<{ verified: boolean }>("SELECT email_verified_at IS NOT NULL AS verified FROM saas_users WHERE id = $1", [
      subject.id,
    ]).then(
      ({ rows }) => {
        if (rows[0]?.verified === true) next();
        else res.status(403).json({ error: "email_unverified" });
      },
      (err: unknown) => {
        next(err);
      },
    );
  };
}
