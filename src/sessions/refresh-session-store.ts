/**
 * The store behind refresh sessions. A session is a family of refresh tokens: each refresh
 * consumes the current token (the head) and makes its successor the new head. The store keeps,
 * per family, the head, the token rotated last (with when, and the nonce its successor was
 * derived from) and, per token ever issued, which family it belongs to — enough to tell the
 * current token, the immediately previous one inside the overlap window, and any older one
 * (reuse: the family is revoked).
 *
 * Every method is one atomic operation; `rotateRefreshToken` is the check-and-consume: of N
 * concurrent calls with the same token, exactly one rotates.
 */

/** A session (token family) as stored. */
export interface RefreshSessionRecord {
  /** The session id (also the access tokens' `sid`). */
  readonly sessionId: string;
  /** The user the session belongs to. */
  readonly subject: string;
  /** Extra access-token claims, as JSON text. */
  readonly claimsJson: string;
  /** When the session started (ms since the epoch). */
  readonly createdAt: number;
  /** When the session was revoked, or `null`. */
  readonly revokedAt: number | null;
  /** 1 for the first refresh token, +1 per rotation. */
  readonly generation: number;
  /** When the current refresh token expires (ms since the epoch). */
  readonly expiresAt: number;
}

/** A new session and its first refresh token. */
export interface NewRefreshSession {
  /** The session id (random, unique). */
  readonly sessionId: string;
  /** The user. */
  readonly subject: string;
  /** Extra access-token claims as JSON text. */
  readonly claimsJson: string;
  /** Now (ms since the epoch). */
  readonly createdAt: number;
  /** SHA-256 (hex) of the first refresh token. */
  readonly tokenHash: string;
  /** When the first refresh token expires (ms since the epoch). */
  readonly expiresAt: number;
}

/** The arguments of {@link RefreshSessionStore.rotateRefreshToken}. */
export interface RefreshTokenRotateInput {
  /** SHA-256 (hex) of the presented refresh token. */
  readonly tokenHash: string;
  /** Now (ms since the epoch). */
  readonly now: number;
  /**
   * How long after a rotation the token it consumed is still answered with `overlap` (ms);
   * 0 turns the overlap off.
   */
  readonly overlapMs: number;
  /** The successor to install if the presented token is the current one. */
  readonly successor: {
    /** SHA-256 (hex) of the successor token. */
    readonly tokenHash: string;
    /** The base64url nonce the successor was derived from. */
    readonly nonce: string;
    /** When the successor expires (ms since the epoch). */
    readonly expiresAt: number;
  };
}

/** What {@link RefreshSessionStore.rotateRefreshToken} did. */
export type RefreshTokenRotateOutcome =
  | {
      /** The presented token was current: it is consumed and the successor is the new head. */
      readonly status: "rotated";
      /** The session after the rotation. */
      readonly session: RefreshSessionRecord;
    }
  | {
      /**
       * The presented token was rotated less than `overlapMs` ago and its successor is still the
       * head: nothing changes; the caller re-derives the successor from `successorNonce`.
       */
      readonly status: "overlap";
      /** The session, unchanged. */
      readonly session: RefreshSessionRecord;
      /** SHA-256 (hex) of the current token (the successor already issued). */
      readonly successorHash: string;
      /** The nonce that successor was derived from. */
      readonly successorNonce: string;
    }
  | {
      /** An already-used token outside the overlap: the whole family is now revoked. */
      readonly status: "reused";
      /** The session, now revoked. */
      readonly session: RefreshSessionRecord;
    }
  | {
      /** The family was already revoked. */
      readonly status: "revoked";
      /** The revoked session. */
      readonly session: RefreshSessionRecord;
    }
  | {
      /** The presented token has expired (nothing changes). */
      readonly status: "expired";
    }
  | {
      /** No such token. */
      readonly status: "not_found";
    };

/** Storage for refresh sessions. Implementations: memory, Postgres, Redis. */
export interface RefreshSessionStore {
  /** Stores a new session with its first refresh token. */
  createRefreshSession(session: NewRefreshSession): Promise<void>;
  /** Atomically rotates, re-answers inside the overlap, or detects reuse; see the outcomes. */
  rotateRefreshToken(input: RefreshTokenRotateInput): Promise<RefreshTokenRotateOutcome>;
  /** The session, or `null` when it does not exist (or was deleted after expiring). */
  getRefreshSession(sessionId: string): Promise<RefreshSessionRecord | null>;
  /** Revokes one session; `true` if it existed and was not already revoked. */
  revokeRefreshSession(sessionId: string, at: number): Promise<boolean>;
  /** Revokes every session of a subject; returns how many were newly revoked. */
  revokeSubjectRefreshSessions(subject: string, at: number): Promise<number>;
  /**
   * Deletes sessions whose current token expired before `now`, and expired tokens; returns the
   * number of records removed (stores that expire records themselves may return 0).
   */
  deleteExpiredRefreshSessions(now: number): Promise<number>;
}

/** The methods every {@link RefreshSessionStore} has (checked at construction and by the suite). */
export const REFRESH_SESSION_STORE_METHODS: readonly (keyof RefreshSessionStore)[] = [
  "createRefreshSession",
  "rotateRefreshToken",
  "getRefreshSession",
  "revokeRefreshSession",
  "revokeSubjectRefreshSessions",
  "deleteExpiredRefreshSessions",
];
