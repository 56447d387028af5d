/**
 * The moatkit services the example app's routes share, and small helpers the routes use.
 */
import type { Request, RequestHandler } from "express";
import type { z } from "zod";
import { MoatError } from "moatkit";
import type { SqlClient } from "moatkit/adapters/postgres";
import type { ApiKeys } from "moatkit/apikeys";
import type { AuditLog } from "moatkit/audit";
import type { Envelope } from "moatkit/crypto";
import type { RecoveryCodes, Totp } from "moatkit/mfa";
import type { RefreshCookie } from "moatkit/express";
import type { Login, PasswordPolicy } from "moatkit/passwords";
import type { RateLimiter } from "moatkit/ratelimit";
import type { Sessions, Tokens } from "moatkit/sessions";
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
  /** NIST SP 800-63B rules for new passwords (signup). */
  readonly passwordPolicy: PasswordPolicy;
  /** moatkit's login preset: 50 attempts per client IP per 15 minutes. */
  readonly loginLimiter: RateLimiter;
  /** moatkit's auth preset for signups: 100 per client IP per 15 minutes, before Turnstile. */
  readonly signupLimiter: RateLimiter;
  /** Second-factor attempts per user: a 6-digit code must not be guessable by brute force. */
  readonly mfaLimiter: RateLimiter;
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

/** Signs an access token for `user` after the given authentication. */
export function issueAccessToken(
  services: Services,
  user: Pick<UserRow, "id" | "orgId" | "role">,
  amr: readonly string[],
): Promise<string> {
  return services.tokens.sign({
    sub: user.id,
    role: user.role,
    tid: user.orgId,
    amr: [...amr],
    auth_time: Math.floor(services.now() / 1000),
  });
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
}

const USER_COLUMNS = "id, org_id, email, password_hash, role, totp_secret, totp_enabled";

function toUser(row: UserDbRow): UserRow {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    totpSecret: row.totp_secret,
    totpEnabled: row.totp_enabled,
  };
}

export async function findUserByEmail(db: SqlClient, email: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserDbRow>(`SELECT ${USER_COLUMNS} FROM saas_users WHERE email = $1`, [
    normalizeEmail(email),
  ]);
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
  /** A person's session (JWT): authenticated, tenant-scoped; API keys refused. */
  readonly user: readonly RequestHandler[];
  /** An API key holding `scope`, or a person's session. */
  keyOrUser(scope: string): readonly RequestHandler[];
}
