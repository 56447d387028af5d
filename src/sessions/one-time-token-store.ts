/**
 * The store behind one-time tokens (password reset, email verification, magic links). Tokens
 * are stored as SHA-256 hashes with their purpose; a used token is kept (marked used) until it
 * expires so a second use is reported as `used`, not merely unknown.
 */

/** A one-time token as stored. */
export interface OneTimeTokenRecord {
  /** SHA-256 (hex) of the token. */
  readonly tokenHash: string;
  /** What the token is for, e.g. `"password-reset"`; a token works only for its purpose. */
  readonly purpose: string;
  /** Who the token is for (a user id). */
  readonly subject: string;
  /** When it was issued (ms since the epoch). */
  readonly createdAt: number;
  /** When it stops working (ms since the epoch). */
  readonly expiresAt: number;
}

/** The arguments of {@link OneTimeTokenStore.consumeOneTimeToken}. */
export interface OneTimeTokenConsumeInput {
  /** SHA-256 (hex) of the presented token. */
  readonly tokenHash: string;
  /** The purpose it is presented for; a token of another purpose is `not_found` and stays unused. */
  readonly purpose: string;
  /** Now (ms since the epoch). */
  readonly now: number;
}

/** What {@link OneTimeTokenStore.consumeOneTimeToken} found. */
export type OneTimeTokenConsumeOutcome =
  | {
      /** This call consumed the token. */
      readonly status: "consumed";
      /** Who the token was for. */
      readonly subject: string;
    }
  | {
      /** The token was consumed before. */
      readonly status: "used";
    }
  | {
      /** The token is unused but past its expiry. */
      readonly status: "expired";
    }
  | {
      /** No token with this hash and purpose. */
      readonly status: "not_found";
    };

/** Storage for one-time tokens. Implementations: memory, Postgres, Redis. */
export interface OneTimeTokenStore {
  /** Stores a new token. */
  createOneTimeToken(record: OneTimeTokenRecord): Promise<void>;
  /** Atomically marks the token used if it is unused and unexpired: of N concurrent calls exactly one consumes. */
  consumeOneTimeToken(input: OneTimeTokenConsumeInput): Promise<OneTimeTokenConsumeOutcome>;
  /** Deletes every token of `subject` for `purpose`; returns how many were deleted. */
  deleteSubjectOneTimeTokens(purpose: string, subject: string): Promise<number>;
  /** Deletes tokens that expired before `now`; stores that expire records themselves may return 0. */
  deleteExpiredOneTimeTokens(now: number): Promise<number>;
}

/** The methods every {@link OneTimeTokenStore} has (checked at construction and by the suite). */
export const ONE_TIME_TOKEN_STORE_METHODS: readonly (keyof OneTimeTokenStore)[] = [
  "createOneTimeToken",
  "consumeOneTimeToken",
  "deleteSubjectOneTimeTokens",
  "deleteExpiredOneTimeTokens",
];
