/**
 * A user's sessions as the account page lists them. A browser session is a moatkit refresh
 * session (its id is the access tokens' `sid`); `saas_sign_ins` keeps, per session, when it
 * started, when and from where it was last used. Whether a session is live is the refresh-session
 * store's answer (logout, reuse detection and revocation all end it there), so the list never
 * shows a session that no longer works, and revoking one goes through `sessions.revoke`, which
 * stops its access tokens at once.
 */
import type { Request, RequestHandler } from "express";
import { clientAddress, getSubject } from "moatkit/express";
import type { SessionTokens } from "moatkit/sessions";
import { type Services, type UserRow, sessionIdOf, startSession } from "./services.js";

/** One row of the session list. */
export interface SignIn {
  readonly id: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** Whether this is the session the request came from. */
  readonly current: boolean;
}

// Shown back to the user: bounded, and no control characters.
function userAgentOf(req: Request): string | null {
  const ua = req.headers["user-agent"];
  // eslint-disable-next-line no-control-regex
  return typeof ua === "string" ? ua.slice(0, 256).replace(/[\u0000-\u001f\u007f]/g, "\uFFFD") : null;
}

const AT = "to_timestamp($2::double precision / 1000)";

/** Starts a refresh session for `user` and records where it signed in. */
export async function startSignIn(
  services: Services,
  req: Request,
  user: Pick<UserRow, "id" | "orgId" | "role">,
  amr: readonly string[],
): Promise<SessionTokens> {
  const tokens = await startSession(services, user, amr);
  await services.db.query(
    `INSERT INTO saas_sign_ins (session_id, user_id, created_at, last_seen_at, ip, user_agent)
     VALUES ($1, $3, ${AT}, ${AT}, $4, $5)`,
    [tokens.sessionId, services.now(), user.id, clientAddress(req), userAgentOf(req)],
  );
  return tokens;
}

/** Records the use of the request's session: at most one write per session per minute. */
export function touchSignIn(services: Services): RequestHandler {
  return (req, _res, next) => {
    const subject = getSubject(req);
    if (subject === undefined) {
      next();
      return;
    }
    services.db
      .query(
        `UPDATE saas_sign_ins SET last_seen_at = ${AT}, ip = $3, user_agent = $4
          WHERE session_id = $1 AND user_id = $5 AND last_seen_at < ${AT} - interval '1 minute'`,
        [sessionIdOf(req), services.now(), clientAddress(req), userAgentOf(req), subject.id],
      )
      .then(
        () => {
          next();
        },
        (err: unknown) => {
          next(err);
        },
      );
  };
}

interface SignInRow {
  session_id: string;
  created_at: Date | string;
  last_seen_at: Date | string;
  ip: string | null;
  user_agent: string | null;
}

const iso = (value: Date | string): string => new Date(value).toISOString();

/** The user's live sessions, oldest first; rows of ended sessions are dropped on the way. */
export async function listSignIns(services: Services, userId: string, currentSessionId: string): Promise<SignIn[]> {
  const { rows } = await services.db.query<SignInRow>(
    "SELECT session_id, created_at, last_seen_at, ip, user_agent FROM saas_sign_ins WHERE user_id = $1 ORDER BY created_at, session_id",
    [userId],
  );
  const now = services.now();
  const live: SignIn[] = [];
  for (const row of rows) {
    const session = await services.refreshSessionStore.getRefreshSession(row.session_id);
    if (session === null || session.subject !== userId || session.revokedAt !== null || session.expiresAt <= now) {
      await forgetSignIn(services, userId, row.session_id);
      continue;
    }
    live.push({
      id: row.session_id,
      createdAt: iso(row.created_at),
      lastSeenAt: iso(row.last_seen_at),
      ip: row.ip,
      userAgent: row.user_agent,
      current: row.session_id === currentSessionId,
    });
  }
  return live;
}

async function forgetSignIn(services: Services, userId: string, sessionId: string): Promise<void> {
  await services.db.query("DELETE FROM saas_sign_ins WHERE session_id = $1 AND user_id = $2", [sessionId, userId]);
}

/** Ends one of the user's sessions; false when the user has no such session. */
export async function revokeSignIn(services: Services, userId: string, sessionId: string): Promise<boolean> {
  const { rows } = await services.db.query<{ session_id: string }>(
    "SELECT session_id FROM saas_sign_ins WHERE session_id = $1 AND user_id = $2",
    [sessionId, userId],
  );
  if (rows.length === 0) return false;
  await services.sessions.revoke(sessionId);
  await forgetSignIn(services, userId, sessionId);
  return true;
}

/** Ends every session of the user but `keep`; how many were live. */
export async function revokeOtherSignIns(services: Services, userId: string, keep: string): Promise<number> {
  const { rows } = await services.db.query<{ session_id: string }>(
    "SELECT session_id FROM saas_sign_ins WHERE user_id = $1 AND session_id <> $2",
    [userId, keep],
  );
  let revoked = 0;
  for (const row of rows) {
    if (await services.sessions.revoke(row.session_id)) revoked += 1;
    await forgetSignIn(services, userId, row.session_id);
  }
  return revoked;
}

/** Ends every session of the user (a password reset): the store's revokeAll, then the list. */
export async function revokeAllSignIns(services: Services, userId: string): Promise<number> {
  const revoked = await services.sessions.revokeAll(userId);
  await services.db.query("DELETE FROM saas_sign_ins WHERE user_id = $1", [userId]);
  return revoked;
}
