/**
 * bcrypt password hashes. Hashing and comparing run on worker threads (see bcrypt-pool), and a
 * password is never silently truncated at bcrypt's 72-byte limit: longer passwords are refused,
 * or, when the caller opts in, pre-hashed with HMAC-SHA-256 first.
 */
import { z } from "zod";
import {
  DEFAULT_BCRYPT_COST,
  bcryptCostSchema,
  bcryptSalt,
  bcryptWorkers,
  parseBcryptHash,
} from "../_internal/bcrypt-pool.js";
import { base64Encode, utf8Encode } from "../_internal/encoding.js";
import { hmacSha256 } from "../_internal/hash.js";
import { parseOptions } from "../_internal/options.js";
import { type RandomSource, systemRandom } from "../_internal/runtime.js";
import { MoatError } from "../errors.js";

/** bcrypt reads at most this many bytes of a password and ignores the rest. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

// Longer than any password a person types; bounds the HMAC work an attacker can ask for.
const PREHASH_MAX_PASSWORD_BYTES = 4096;

// A fixed, public HMAC key: it separates moatkit's pre-hashes from plain SHA-256 digests of
// the same password (which leaked-hash databases hold), so those cannot be fed to bcrypt
// directly ("password shucking" of unkeyed pre-hashes).
const PREHASH_KEY = "moatkit/passwords/prehash/v1";

/**
 * What to do with a password longer than bcrypt's 72-byte limit.
 * - `"reject"` (default): {@link hashPassword} throws ERR_INVALID_INPUT and
 *   {@link verifyPassword} returns `false`. Hashes stay plain bcrypt, readable by any bcrypt
 *   library.
 * - `"prehash"`: passwords over 72 bytes are replaced by the base64 of their HMAC-SHA-256
 *   (44 ASCII characters) before bcrypt; shorter passwords are hashed as they are. Such hashes
 *   verify only through moatkit with `long: "prehash"`, so pick the mode once and keep it.
 */
export type LongPasswordPolicy = "reject" | "prehash";

/** Options for {@link hashPassword}. */
export interface HashPasswordOptions {
  /** bcrypt cost (log2 of the rounds), 4–20. Default 12. */
  readonly cost?: number;
  /** Passwords over 72 UTF-8 bytes: `"reject"` (default) or `"prehash"`. */
  readonly long?: LongPasswordPolicy;
  /** Source of the 16 salt bytes; defaults to the system CSPRNG. */
  readonly random?: RandomSource;
  /** Stops the hash: dropped from the queue, or its worker stopped (ERR_ABORTED). */
  readonly signal?: AbortSignal;
  /**
   * Who the work is for (a client address, an account), so one caller cannot hold the whole
   * bcrypt queue: callers take turns and each may have `maxQueuedPerKey` calls pending (see
   * configurePasswordWorkers). Without it the call shares one lane with all other keyless calls.
   */
  readonly queueKey?: string;
}

/** Options for {@link verifyPassword}. */
export interface VerifyPasswordOptions {
  /** Must match the mode the hash was made with. Default `"reject"`. */
  readonly long?: LongPasswordPolicy;
  /** Stops the compare: dropped from the queue, or its worker stopped (ERR_ABORTED). */
  readonly signal?: AbortSignal;
  /** Who the work is for; see {@link HashPasswordOptions.queueKey}. */
  readonly queueKey?: string;
}

/** Options for {@link needsRehash}. */
export interface NeedsRehashOptions {
  /** The cost hashes should have now. Default 12. */
  readonly cost?: number;
}

/** The long-password modes, for option schemas. */
export const longPolicySchema: z.ZodType<LongPasswordPolicy> = z.enum(["reject", "prehash"]);

/** An optional AbortSignal, for option schemas. */
export const signalSchema: z.ZodType<AbortSignal | undefined> = z
  .custom<AbortSignal>((v) => v instanceof AbortSignal, "expected an AbortSignal")
  .optional();

/** An optional bcrypt queue key, for option schemas. */
export const queueKeySchema: z.ZodType<string | undefined> = z.string().max(1024).optional();

const hashOptionsSchema = z.strictObject({
  cost: bcryptCostSchema.default(DEFAULT_BCRYPT_COST),
  long: longPolicySchema.default("reject"),
  random: z.custom<RandomSource>((v) => typeof v === "function").default(() => systemRandom),
  signal: signalSchema,
  queueKey: queueKeySchema,
});
const verifyOptionsSchema = z.strictObject({
  long: longPolicySchema.default("reject"),
  signal: signalSchema,
  queueKey: queueKeySchema,
});
const rehashOptionsSchema = z.strictObject({ cost: bcryptCostSchema.default(DEFAULT_BCRYPT_COST) });

// In `u` mode a paired surrogate is one astral code point, so this finds only lone halves.
const LONE_SURROGATE_RE = /\p{Cs}/u;

// bcrypt reads a password as a C string: everything from a NUL on would be ignored.
const NUL = "\0";

function requirePassword(password: unknown): string {
  if (typeof password !== "string") {
    throw new MoatError("ERR_INVALID_INPUT", { message: "password must be a string" });
  }
  if (password.length === 0) throw new MoatError("ERR_INVALID_INPUT", { message: "password must not be empty" });
  return password;
}

/**
 * The string bcrypt should see for `password` under `long`, or `null` when the password cannot
 * be hashed in that mode (over 72 bytes under "reject", absurdly long, containing NUL, which
 * bcrypt would stop reading at, or not well-formed UTF-16, whose lone surrogates UTF-8 would
 * turn into U+FFFD and so collide).
 */
export function bcryptInput(password: string, long: LongPasswordPolicy): string | null {
  // Every UTF-16 unit is at least one UTF-8 byte: refuse huge input before looking at it.
  if (password.length > PREHASH_MAX_PASSWORD_BYTES || LONE_SURROGATE_RE.test(password)) return null;
  if (password.includes(NUL)) return null;
  const bytes = utf8Encode(password);
  if (bytes.length <= BCRYPT_MAX_PASSWORD_BYTES) return password;
  if (long === "reject" || bytes.length > PREHASH_MAX_PASSWORD_BYTES) return null;
  return base64Encode(hmacSha256(PREHASH_KEY, bytes));
}

function requireHash(hash: unknown): string {
  if (typeof hash !== "string" || parseBcryptHash(hash) === null) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "not a bcrypt hash" });
  }
  return hash;
}

/**
 * Hashes a password with bcrypt on a worker thread (the event loop is never blocked).
 *
 * @throws MoatError ERR_INVALID_INPUT for a non-string, empty or ill-formed password, one
 *   containing NUL (bcrypt would ignore everything after it), and one over 72 UTF-8 bytes unless
 *   `long: "prehash"`; ERR_CONFIG for bad options; ERR_OVERLOADED when the bcrypt queue (or this
 *   `queueKey`'s share of it) is full or the hash waited past its deadline; ERR_ABORTED when
 *   `signal` aborts.
 * @example
 * ```ts
 * import { hashPassword, verifyPassword } from "moatkit/passwords";
 * const hash = await hashPassword("correct horse battery staple");
 * await verifyPassword("correct horse battery staple", hash); // true
 * ```
 */
export async function hashPassword(password: string, options: HashPasswordOptions = {}): Promise<string> {
  const pw = requirePassword(password);
  const { cost, long, random, signal, queueKey } = parseOptions(hashOptionsSchema, options, "hashPassword options");
  const input = bcryptInput(pw, long);
  if (input === null) {
    let message = `password is longer than ${String(PREHASH_MAX_PASSWORD_BYTES)} UTF-8 bytes`;
    if (LONE_SURROGATE_RE.test(pw)) message = "password is not well-formed Unicode";
    else if (pw.length <= PREHASH_MAX_PASSWORD_BYTES && pw.includes(NUL)) message = "password contains a NUL character";
    else if (long === "reject")
      message = `password is longer than ${String(BCRYPT_MAX_PASSWORD_BYTES)} UTF-8 bytes (use long: "prehash" to accept it)`;
    throw new MoatError("ERR_INVALID_INPUT", { message });
  }
  return bcryptWorkers.hash(input, bcryptSalt(cost, random), { key: queueKey, signal });
}

/**
 * Checks a password against a bcrypt hash on a worker thread, in constant time. A password
 * that could never have been hashed in this mode (over 72 bytes under `"reject"`, containing
 * NUL, ill-formed Unicode) returns `false` without a compare: bcrypt alone would read
 * `"pw\0pw"` as `"pw"`.
 *
 * @throws MoatError ERR_INVALID_INPUT for a non-string or empty password or a `hash` that is
 *   not a usable bcrypt hash (including a cost outside 4–20, refused before any bcrypt work);
 *   ERR_OVERLOADED when the bcrypt queue (or this `queueKey`'s share) is full or the compare
 *   waited past its deadline; ERR_ABORTED when `signal` aborts.
 * @example
 * ```ts
 * if (!(await verifyPassword(input, user.passwordHash))) return { error: "invalid_credentials" };
 * ```
 */
export async function verifyPassword(
  password: string,
  hash: string,
  options: VerifyPasswordOptions = {},
): Promise<boolean> {
  const pw = requirePassword(password);
  const stored = requireHash(hash);
  const { long, signal, queueKey } = parseOptions(verifyOptionsSchema, options, "verifyPassword options");
  const input = bcryptInput(pw, long);
  if (input === null) return false;
  return bcryptWorkers.compare(input, stored, { key: queueKey, signal });
}

/**
 * Whether a hash should be replaced after the next successful login: its cost differs from
 * `cost`, or it is an older bcrypt version (`$2a$`, `$2y$`) rather than `$2b$`.
 *
 * @throws MoatError ERR_INVALID_INPUT when `hash` is not a usable bcrypt hash (cost 4–20).
 * @example
 * ```ts
 * if (await verifyPassword(pw, user.hash) && needsRehash(user.hash)) {
 *   await saveHash(user.id, await hashPassword(pw));
 * }
 * ```
 */
export function needsRehash(hash: string, options: NeedsRehashOptions = {}): boolean {
  const parsed = parseBcryptHash(requireHash(hash));
  const { cost } = parseOptions(rehashOptionsSchema, options, "needsRehash options");
  return parsed === null || parsed.version !== "2b" || parsed.cost !== cost;
}
