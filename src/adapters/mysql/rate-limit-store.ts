/**
 * Fixed windows in MySQL/MariaDB: one row per key in `moatkit_rate_limits` (migration `ratelimit`
 * v1), the key stored as its SHA-256. For Redis-like speed use the Redis store; this one is for
 * services whose only shared state is their MySQL database.
 */
import { createHash } from "node:crypto";
import { wrapStore } from "../../_internal/store.js";
import {
  RATE_LIMIT_STORE_METHODS,
  type RateLimitConsumeInput,
  type RateLimitStore,
  type RateLimitWindow,
} from "../../ratelimit/store.js";
import {
  type MysqlStoreOptions,
  corrupt,
  execute,
  inTransaction,
  int,
  readMysqlPool,
  retryDeadlocks,
  selectOne,
} from "./client.js";
import { deleteByKeys } from "./delete-by-keys.js";

/** Options for {@link createMysqlRateLimitStore}. */
export type MysqlRateLimitStoreOptions = MysqlStoreOptions;

/** A {@link RateLimitStore} with a clean-up for ended windows (MySQL rows do not expire by themselves). */
export interface MysqlRateLimitStore extends RateLimitStore {
  /** Deletes the windows that ended at or before `now`; how many it deleted. Run it now and then. */
  deleteEndedRateLimits(now: number): Promise<number>;
}

function keyHash(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/**
 * A {@link RateLimitStore} on MySQL/MariaDB, shared by every process that uses the database.
 *
 * Each consume is one transaction: an `INSERT … ON DUPLICATE KEY UPDATE` that changes nothing but
 * takes the key's row lock (creating the row when it is new, so no caller ever locks the gap of
 * a missing key, the classic cause of deadlocks between two first consumes), a locking read of
 * the window, and an UPDATE with the new window computed here. Concurrent consumers of a key
 * therefore run one at a time: none is lost, none counted twice. Windows follow the caller's
 * clock, as in every moatkit store.
 *
 * @throws MoatError ERR_CONFIG when `pool` is missing.
 * @example
 * ```ts
 * import { createRateLimiter } from "moatkit/ratelimit";
 * import { createMysqlRateLimitStore } from "moatkit/adapters/mysql";
 * const limiter = createRateLimiter({ store: createMysqlRateLimitStore({ pool }), keyPrefix: "api", points: 100, duration: "1m" });
 * ```
 */
export function createMysqlRateLimitStore(options: MysqlRateLimitStoreOptions): MysqlRateLimitStore {
  const pool = readMysqlPool(options, "createMysqlRateLimitStore");

  const store: MysqlRateLimitStore = {
    consumeRateLimitPoints(input: RateLimitConsumeInput): Promise<RateLimitWindow> {
      const { points, limit, windowMs, blockMs, now } = input;
      const k = keyHash(input.key);
      return retryDeadlocks(() =>
        inTransaction(pool, async (tx) => {
          // reset_at 0: a new row is an ended window, opened below like any other.
          await execute(
            tx,
            "INSERT INTO moatkit_rate_limits (key_hash, consumed, reset_at) VALUES (?, 0, 0) ON DUPLICATE KEY UPDATE consumed = consumed",
            [k],
          );
          const row = await selectOne(
            tx,
            "SELECT consumed, reset_at FROM moatkit_rate_limits WHERE key_hash = ? FOR UPDATE",
            [k],
          );
          if (row === null) throw corrupt("rate limit row vanished under its lock");
          const ended = int(row, "reset_at") <= now;
          const before = ended ? 0 : int(row, "consumed");
          const consumed = before + points;
          let resetAt = ended ? now + windowMs : int(row, "reset_at");
          if (blockMs > 0 && before <= limit && consumed > limit) resetAt = now + blockMs;
          await execute(tx, "UPDATE moatkit_rate_limits SET consumed = ?, reset_at = ? WHERE key_hash = ?", [
            consumed,
            resetAt,
            k,
          ]);
          return { consumed, resetAt };
        }),
      );
    },

    async resetRateLimit(key: string): Promise<void> {
      await execute(pool, "DELETE FROM moatkit_rate_limits WHERE key_hash = ?", [keyHash(key)]);
    },

    deleteEndedRateLimits(now: number): Promise<number> {
      return deleteByKeys(pool, {
        table: "moatkit_rate_limits",
        key: "key_hash",
        where: "reset_at <= ?",
        values: [now],
      });
    },
  };
  return wrapStore("mysql rateLimits", store, [...RATE_LIMIT_STORE_METHODS, "deleteEndedRateLimits"]);
}
