/**
 * Redis access without a hard dependency: the structural subset of ioredis that moatkit's
 * Redis stores use. An `ioredis` client satisfies it as is; other clients can be wrapped.
 */
import { createHash } from "node:crypto";

/** A Redis argument. */
export type RedisArg = string | number;

/**
 * The subset of an ioredis client moatkit uses. Both an ioredis `Redis` (one node) and an ioredis
 * `Cluster` satisfy it.
 */
export interface RedisLike {
  /**
   * `true` for an ioredis `Cluster`: the stores then lay out their keys with hash tags so that
   * every key one script touches lives in one slot (see the stores' key layouts).
   */
  readonly isCluster?: boolean;
  /** `EVAL script numkeys key… arg…` */
  eval(script: string, numKeys: number, ...keysAndArgs: RedisArg[]): Promise<unknown>;
  /** `EVALSHA sha1 numkeys key… arg…` */
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: RedisArg[]): Promise<unknown>;
  /** `GET key` */
  get(key: string): Promise<string | null>;
  /** `SET key value` (writes with expiry or conditions go through a script, atomically). */
  set(key: string, value: RedisArg): Promise<unknown>;
  /** `DEL key…` */
  del(...keys: string[]): Promise<number>;
  /** `INCR key` */
  incr(key: string): Promise<number>;
  /** `PEXPIRE key ms` */
  pexpire(key: string, ms: number): Promise<number>;
  /** `PTTL key` */
  pttl(key: string): Promise<number>;
}

/** A Lua script with its SHA-1, run with EVALSHA and loaded on first use. */
interface RedisScript {
  /** The Lua source. */
  readonly source: string;
  /** SHA-1 of the source, as Redis names it. */
  readonly sha1: string;
}

/** Prepares a Lua script for {@link runScript}. */
export function defineScript(source: string): RedisScript {
  return { source, sha1: createHash("sha1").update(source, "utf8").digest("hex") };
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("NOSCRIPT");
}

/**
 * Runs a script atomically on the server: EVALSHA, falling back to EVAL when the server does not
 * have it cached (after a restart or SCRIPT FLUSH). Every check-and-consume operation in the
 * Redis stores is one such script, so it is atomic with respect to every other client.
 */
export async function runScript(
  redis: RedisLike,
  script: RedisScript,
  keys: readonly string[],
  args: readonly RedisArg[] = [],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
