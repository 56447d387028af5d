/**
 * The moatkit services the example app's routes share, and small helpers the routes use.
 */
import type { IncomingMessage } from "node:http";
import type { Request, RequestHandler } from "express";
import type { z } from "zod";
import { MoatError } from "moatkit";
import type { SqlClient } from "moatkit/adapters/postgres";
import type { ApiKeys } from "moatkit/apikeys";
import type { AuditLog } from "moatkit/audit";
import type { Envelope } from "moatkit/crypto";
import type { RecoveryCodes, Totp } from "moatkit/mfa";
import { type RefreshCookie, credentialError, turnstile } from "moatkit/express";
import type { Login, PasswordPolicy } from "moatkit/passwords";
import type { RateLimiter } from "moatkit/ratelimit";
import type { OneTimeTokens, RefreshSessionStore, Sessions, Tokens } from "moatkit/sessions";
import type { TenantRls } from "moatkit/tenant";

/** A row of `saas_users` as the routes use it. */
export interface UserRow {
  readonly id: string;
  readonly orgId: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly role: "owner" | "admin" | "member" | "viewer";
  readonly totpSecret: string | null;
  readonly totpEnabled: boolean;
  readonly emailVerified: boolean;
}

export interface TurnstileSettings {
  readonly secret: string;
  readonly verifyUrl?: string | undefined;
  readonly expectedHostname?: string | undefined;
}

export interface Services {
  readonly db: SqlClient;
  readonly rls: TenantRls;
  readonly envelope: Envelope;
  readonly apiKeys: ApiKeys;
  readonly tokens: Tokens;
  readonly totp: Totp;
  readonly recovery: RecoveryCodes;
  readonly auditLog: AuditLog;
  readonly login: Login<UserRow>;
  /** Refresh sessions behind the browser's refresh cookie (rotated on every refresh, 30 days). */
  readonly sessions: Sessions;
  /** Sets, rotates and clears the refresh cookie (`HttpOnly`, `Secure`, `__Host-`, `SameSite=Strict`). */
  readonly refreshCookie: RefreshCookie;
  /** The store behind `sessions`, read to list a user's live sessions. */
  readonly refreshSessionStore: RefreshSessionStore;
  /** Email verification links (one-time tokens, 24 hours). */
  readonly verifications: OneTimeTokens;
  /** Password-reset links (one-time tokens, 2 hours by default). */
  readonly resets: OneTimeTokens;
  /**
   * Step-up proofs: 5-minute tokens for another audience than the access tokens, naming the
   * session (`sid`) that passed the second factor; sensitive account actions want one for their
   * own session (requireStepUp).
   */
  readonly stepUps: Tokens;
  /** Where links in mails point: the app's origin, or "" (a relative link) when none is configured. */
  readonly publicUrl: string;
  /** NIST SP 800-63B rules for new passwords (signup, reset, change). */
  readonly passwordPolicy: PasswordPolicy;
  /** moatkit's login preset: 50 attempts per client IP per 15 minutes. */
  readonly loginLimiter: RateLimiter;
  /** moatkit's auth preset for signups: 100 per client IP per 15 minutes, before Turnstile. */
  readonly signupLimiter: RateLimiter;
  /** Second-factor attempts per user: a 6-digit code must not be guessable by brute force. */
  readonly mfaLimiter: RateLimiter;
  /** Forgotten-password requests and reset attempts per client IP (moatkit's auth preset). */
  readonly forgotLimiter: RateLimiter;
  readonly turnstile: TurnstileSettings;
  readonly passwordCost: number;
  readonly now: () => number;
}

/**
 * Authentication methods (RFC 8176 `amr`) the app puts in its tokens: a password login is
 * `pwd`; a TOTP step-up adds `otp`; a recovery-code step-up adds `otp` too (it is a one-time
 * password) and `rc`, so audit trails and policies can tell the two apart.
 */
export const AMR = {
  password: ["pwd"],
  totp: ["pwd", "otp"],
  recovery: ["pwd", "otp", "rc"],
} as const;

/** The second-factor methods requireMfa accepts on sensitive routes. */
export const MFA_METHODS: readonly string[] = ["otp"];

/** How long after a step-up sensitive routes accept it. */
export const STEP_UP_MAX_AGE = "10m";

/** How long a step-up proof lasts. */
export const STEP_UP_PROOF_TTL = "5m";

// The refresh session (`sid`) each authenticated request's access token belongs to.
const requestSessions = new WeakMap<IncomingMessage, string>();

/** Records the session id of the request's access token (authenticate's toSubject does). */
export function setSessionId(req: IncomingMessage, sessionId: string): void {
  requestSessions.set(req, sessionId);
}

/** The session id of the request's access token; throws when the request has none. */
export function sessionIdOf(req: IncomingMessage): string {
  const sid = requestSessions.get(req);
  if (sid === undefined) throw credentialError("revoked");
  return sid;
}

/**
 * Signs an access token for `user` after the given authentication, in the session `sessionId`:
 * a stepped-up token names the session it was earned in and dies with it (authenticate checks
 * the session is live).
 */
export function issueAccessToken(
  services: Services,
  user: Pick<UserRow, "id" | "orgId" | "role">,
  amr: readonly string[],
  sessionId: string,
): Promise<string> {
  return services.tokens.sign({
    sub: user.id,
    sid: sessionId,
    role: user.role,
    tid: user.orgId,
    amr: [...amr],
    auth_time: Math.floor(services.now() / 1000),
  });
}

/** Signs a step-up proof for `user` in the session `sessionId` (see {@link Services.stepUps}). */
export function issueStepUpProof(services: Services, userId: string, sessionId: string): Promise<string> {
  return services.stepUps.sign({ sub: userId, sid: sessionId, auth_time: Math.floor(services.now() / 1000) });
}

/** Puts a mail in the outbox (the app's "mail": a worker would send and mark the rows). */
export async function queueMail(db: SqlClient, to: string, subject: string, body: string): Promise<void> {
  await db.query("INSERT INTO saas_mail_outbox (recipient, subject, body) VALUES ($1, $2, $3)", [
    normalizeEmail(to),
    subject,
    body,
  ]);
}

/**
 * Starts a refresh session for `user` and returns its first pair; the access token carries the
 * same claims as {@link issueAccessToken}'s plus the session id (`sid`). Refreshes keep the claims
 * (`auth_time` included: a refresh is not a new authentication).
 */
export function startSession(
  services: Services,
  user: Pick<UserRow, "id" | "orgId" | "role">,
  amr: readonly string[],
): ReturnType<Sessions["start"]> {
  return services.sessions.start(user.id, {
    role: user.role,
    tid: user.orgId,
    amr: [...amr],
    auth_time: Math.floor(services.now() / 1000),
  });
}

/** Parses a JSON body; anything that does not fit is a 400 `ERR_INVALID_INPUT`, with no echo. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) throw new MoatError("ERR_INVALID_INPUT", { message: "request body does not fit the route" });
  return parsed.data;
}

interface UserDbRow {
  id: string;
  org_id: string;
  email: string;
  password_hash: string;
  role: UserRow["role"];
  totp_secret: string | null;
  totp_enabled: boolean;
  email_verified: boolean;
}

const USER_COLUMNS =
  "id, org_id, email, password_hash, role, totp_secret, totp_enabled, email_verified_at IS NOT NULL AS email_verified";

function toUser(row: UserDbRow): UserRow {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    totpSecret: row.totp_secret,
    totpEnabled: row.totp_enabled,
    emailVerified: row.email_verified,
  };
}

export async function findUserByEmail(db: SqlClient, email: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserDbRow>(`SELECT ${USER_COLUMNS} FROM saas_users WHERE email = $1`, [
    normalizeEmail(email),
  ]);
  return rows[0] === undefined ? null : toUser(rows[0]);
}

/** A user by id (outside any tenant: one-time links name only the user). */
export async function findUserById(db: SqlClient, userId: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserDbRow>(`SELECT ${USER_COLUMNS} FROM saas_users WHERE id = $1`, [userId]);
  return rows[0] === undefined ? null : toUser(rows[0]);
}

/** A user of `orgId` by id; another org's user is as absent as a missing one. */
export async function findUserInOrg(db: SqlClient, orgId: string, userId: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserDbRow>(`SELECT ${USER_COLUMNS} FROM saas_users WHERE id = $1 AND org_id = $2`, [
    userId,
    orgId,
  ]);
  return rows[0] === undefined ? null : toUser(rows[0]);
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The encryption context of a user's TOTP secret. */
export function totpSecretContext(userId: string): { table: string; column: string; rowId: string } {
  return { table: "saas_users", column: "totp_secret", rowId: userId };
}

/** The encryption context of a note body (the row id binds a ciphertext to its row). */
export function noteBodyContext(noteId: string): { table: string; column: string; rowId: string } {
  return { table: "notes", column: "body", rowId: noteId };
}

/** A Postgres unique-violation error (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === "23505";
}

/** Middleware chains the routers put in front of their routes. */
export interface Guards {
  /** A person's session (JWT) with a verified email: authenticated, tenant-scoped; API keys refused. */
  readonly user: readonly RequestHandler[];
  /** A person's session, verified email or not (their own account: sessions, password). */
  readonly account: readonly RequestHandler[];
  /** An API key holding `scope`, or a person's session. */
  keyOrUser(scope: string): readonly RequestHandler[];
}

/** Turnstile in front of a public form (signup, forgotten password). */
export function turnstileGuard(services: Services): RequestHandler {
  const settings = services.turnstile;
  return turnstile({
    secret: settings.secret,
    ...(settings.verifyUrl === undefined ? {} : { verifyUrl: settings.verifyUrl }),
    ...(settings.expectedHostname === undefined ? {} : { expectedHostname: settings.expectedHostname }),
  });
}
