/**
 * The store behind server-side sessions. A session is found by the SHA-256 of its id, so a
 * database leak gives no usable cookie. Every method is one atomic operation; a session is
 * "live at `now`" while both `idleExpiresAt` and `absoluteExpiresAt` are after `now`. Reads
 * return a stored session whatever its times (the caller tells "expired" from "unknown"); the
 * writes that take a `now` change only a session live at that time.
 */

/** A server-side session as stored. */
export interface ServerSessionRecord {
  /** SHA-256 (lower-case hex) of the session id; also the public handle of the session. */
  readonly idHash: string;
  /** The user. */
  readonly subject: string;
  /** When the session started (ms since the epoch). */
  readonly createdAt: number;
  /** When it was last used (ms since the epoch). */
  readonly lastSeenAt: number;
  /** When it ends unless used again (ms since the epoch). */
  readonly idleExpiresAt: number;
  /** When it ends whatever happens (ms since the epoch). */
  readonly absoluteExpiresAt: number;
  /** The client address it was last used from, or null. */
  readonly ip: string | null;
  /** The user agent it was last used with, or null. */
  readonly userAgent: string | null;
  /** Application data (a privilege level, an MFA flag) as JSON text. */
  readonly dataJson: string;
}

/** The arguments of {@link ServerSessionStore.touchServerSession}. */
export interface ServerSessionTouchInput {
  /** The session. */
  readonly idHash: string;
  /** Now; the session must be live at this time. */
  readonly now: number;
  /** The new idle expiry. */
  readonly idleExpiresAt: number;
  /** The client address now, or null. */
  readonly ip: string | null;
  /** The user agent now, or null. */
  readonly userAgent: string | null;
}

/** The arguments of {@link ServerSessionStore.rekeyServerSession}. */
export interface ServerSessionRekeyInput {
  /** The session's current id hash. */
  readonly idHash: string;
  /** The id hash it moves to; the old one stops working in the same operation. */
  readonly newIdHash: string;
  /** Now; the session must be live at this time. */
  readonly now: number;
  /** The new idle expiry. */
  readonly idleExpiresAt: number;
  /** The new application data. */
  readonly dataJson: string;
}

/** The arguments of {@link ServerSessionStore.deleteOtherServerSessions}. */
export interface ServerSessionDeleteOthersInput {
  /** The user. */
  readonly subject: string;
  /** The session to keep: the caller's own. */
  readonly keepIdHash: string;
  /** Now; the kept session must be live at this time. */
  readonly now: number;
}

/** Storage for server-side sessions. Implementations: memory, Postgres, MySQL/MariaDB, Redis. */
export interface ServerSessionStore {
  /** Stores a new session. */
  createServerSession(record: ServerSessionRecord): Promise<void>;
  /** The stored session, live or not, or null. */
  getServerSession(idHash: string): Promise<ServerSessionRecord | null>;
  /** Records a use of a live session; false when it is not live. */
  touchServerSession(input: ServerSessionTouchInput): Promise<boolean>;
  /**
   * Moves a live session to a new id (login, privilege change: no fixation) and replaces its
   * data; returns the moved record, or null when the session was not live. Of N concurrent calls
   * for one session exactly one moves it.
   */
  rekeyServerSession(input: ServerSessionRekeyInput): Promise<ServerSessionRecord | null>;
  /** Deletes one session; whether it existed. */
  deleteServerSession(idHash: string): Promise<boolean>;
  /** The live sessions of a user, oldest first. */
  listSubjectServerSessions(subject: string, now: number): Promise<ServerSessionRecord[]>;
  /** Deletes every session of a user; returns how many. */
  deleteSubjectServerSessions(subject: string): Promise<number>;
  /**
   * Deletes every session of a user but `keepIdHash`, only if that one is live and the user's;
   * returns how many, or null when it is not. Serialised per user: when several sessions of one
   * user call it at once, exactly one survives.
   */
  deleteOtherServerSessions(input: ServerSessionDeleteOthersInput): Promise<number | null>;
  /** Deletes sessions no longer live at `now`; stores that expire records themselves may return 0. */
  deleteExpiredServerSessions(now: number): Promise<number>;
}

/** The methods every {@link ServerSessionStore} has (checked at construction and by the suite). */
export const SERVER_SESSION_STORE_METHODS: readonly (keyof ServerSessionStore)[] = [
  "createServerSession",
  "getServerSession",
  "touchServerSession",
  "rekeyServerSession",
  "deleteServerSession",
  "listSubjectServerSessions",
  "deleteSubjectServerSessions",
  "deleteOtherServerSessions",
  "deleteExpiredServerSessions",
];
