/** Sessions, rotations and outcome checks shared by the refresh-session cases. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type {
  NewRefreshSession,
  RefreshSessionRecord,
  RefreshTokenRotateInput,
  RefreshTokenRotateOutcome,
} from "../../sessions/refresh-session-store.js";

export const DAY = 86_400_000;

export const hash = (): string => randomBytes(32).toString("hex");
export const nonce = (): string => randomBytes(32).toString("base64url");
export const id = (): string => randomBytes(16).toString("base64url");

export function newSession(now: number, overrides: Partial<NewRefreshSession> = {}): NewRefreshSession {
  return {
    sessionId: id(),
    subject: `user-${id()}`,
    claimsJson: '{"org":"o1"}',
    createdAt: now,
    tokenHash: hash(),
    expiresAt: now + 30 * DAY,
    ...overrides,
  };
}

export function rotation(
  tokenHash: string,
  now: number,
  overlapMs: number,
  ttl: number = 30 * DAY,
): RefreshTokenRotateInput {
  return { tokenHash, now, overlapMs, successor: { tokenHash: hash(), nonce: nonce(), expiresAt: now + ttl } };
}

export type Outcome<S extends RefreshTokenRotateOutcome["status"]> = Extract<RefreshTokenRotateOutcome, { status: S }>;

function hasStatus<S extends RefreshTokenRotateOutcome["status"]>(
  outcome: RefreshTokenRotateOutcome,
  status: S,
): outcome is Outcome<S> {
  return outcome.status === status;
}

/** Asserts the outcome's status, saying what the store was asked and what it should have answered. */
export function expectStatus<S extends RefreshTokenRotateOutcome["status"]>(
  outcome: RefreshTokenRotateOutcome,
  status: S,
  why: string,
): Outcome<S> {
  if (!hasStatus(outcome, status)) {
    assert.fail(`rotateRefreshToken must answer "${status}" ${why}, but answered "${outcome.status}"`);
  }
  return outcome;
}

/** The fields of the session a rotation outcome carries, checked against what the store was given. */
export function expectSession(
  actual: RefreshSessionRecord,
  expected: Omit<RefreshSessionRecord, "claimsJson" | "createdAt"> & Partial<RefreshSessionRecord>,
  who: string,
): void {
  const got = {
    sessionId: actual.sessionId,
    subject: actual.subject,
    revokedAt: actual.revokedAt,
    generation: actual.generation,
    expiresAt: actual.expiresAt,
    ...(expected.claimsJson === undefined ? {} : { claimsJson: actual.claimsJson }),
    ...(expected.createdAt === undefined ? {} : { createdAt: actual.createdAt }),
  };
  assert.deepEqual(got, expected, `${who} must receive the session as it is after the winning rotation`);
}
