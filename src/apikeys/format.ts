/**
 * The API key format, `<prefix>_<env>_<body><checksum>`, after GitHub's token format:
 *
 * - `prefix`: 2–16 lower-case letters or digits chosen by the service (`acme`), so a leaked key
 *   says whose it is and a scanner can look for it;
 * - `env`: `live` or `test`;
 * - `body`: at least 32 base62 characters from a CSPRNG (32 × log2 62 ≈ 190.5 bits);
 * - `checksum`: 6 base62 characters of the CRC-32 of everything before it, so typos and most
 *   made-up strings are rejected offline, without a hash or a store lookup.
 *
 * The whole key is at most {@link API_KEY_MAX_LENGTH} characters.
 */
import { base62EncodeUint } from "../_internal/encoding.js";
import { MoatError } from "../errors.js";
import { crc32 } from "./crc32.js";
import type { ApiKeyEnv } from "./record.js";

/** Longer input is rejected before it is parsed or hashed. */
export const API_KEY_MAX_LENGTH = 256;
/** Body length of the keys moatkit issues; parsing accepts longer bodies too. */
export const API_KEY_BODY_LENGTH = 32;
/** Base62 characters of CRC-32 (62^6 > 2^32). */
const CHECKSUM_LENGTH = 6;

const PREFIX_RE = /^[a-z0-9]{2,16}$/;
const KEY_RE = /^([a-z0-9]{2,16})_(live|test)_([0-9A-Za-z]{38,})$/;

/** A key split into its parts by {@link parseApiKey}. */
export interface ParsedApiKey {
  /** The service prefix, e.g. `acme`. */
  readonly prefix: string;
  /** `live` or `test`. */
  readonly env: ApiKeyEnv;
  /** The random part. It is the secret: keep it out of logs. */
  readonly body: string;
  /** The 6 checksum characters as written in the key. */
  readonly checksum: string;
  /** Whether the checksum matches the rest of the key. */
  readonly checksumValid: boolean;
}

/** Whether `prefix` is a valid key prefix (2–16 lower-case letters or digits). */
export function isValidPrefix(prefix: unknown): prefix is string {
  return typeof prefix === "string" && PREFIX_RE.test(prefix);
}

/** The 6-character checksum of the first `end` characters of `text` (ASCII). */
export function checksumOf(text: string, end: number = text.length): string {
  return base62EncodeUint(crc32(text, end), CHECKSUM_LENGTH);
}

/**
 * Whether the last 6 characters of `key` are the checksum of the rest. `key` must already have
 * the key's shape. A plain comparison is right here: both sides derive from the caller's own
 * input, so timing reveals nothing the caller does not already hold.
 */
export function hasValidChecksum(key: string): boolean {
  const end = key.length - CHECKSUM_LENGTH;
  return key.slice(end) === checksumOf(key, end);
}

/** Assembles a key from its parts, appending the checksum. */
export function formatApiKey(prefix: string, env: ApiKeyEnv, body: string): string {
  const head = `${prefix}_${env}_${body}`;
  return head + checksumOf(head);
}

/** `acme_live_4Fh2…`: enough to recognise a key in a list, ~24 bits of a 190-bit body. */
export function previewOf(prefix: string, env: ApiKeyEnv, body: string): string {
  return `${prefix}_${env}_${body.slice(0, 4)}…`;
}

/**
 * Splits a key into its parts and checks its checksum, without any secret or store: what a
 * secret scanner or a support tool needs. Returns `null` for anything that is not shaped like a
 * key (including input longer than 256 characters); a well-shaped key with a wrong checksum
 * parses with `checksumValid: false`.
 *
 * @throws MoatError ERR_INVALID_INPUT when `key` is not a string.
 * @example
 * ```ts
 * import { parseApiKey } from "moatkit/apikeys";
 * const parts = parseApiKey(candidate);
 * if (parts?.checksumValid) report(`possible leaked ${parts.prefix} ${parts.env} key`);
 * ```
 */
export function parseApiKey(key: string): ParsedApiKey | null {
  if (typeof key !== "string") {
    throw new MoatError("ERR_INVALID_INPUT", { message: "parseApiKey expects a string" });
  }
  if (key.length > API_KEY_MAX_LENGTH) return null;
  const m = KEY_RE.exec(key);
  if (m === null) return null;
  const [, prefix = "", env, rest = ""] = m;
  const bodyEnd = rest.length - CHECKSUM_LENGTH;
  return {
    prefix,
    env: env === "live" ? "live" : "test",
    body: rest.slice(0, bodyEnd),
    checksum: rest.slice(bodyEnd),
    checksumValid: hasValidChecksum(key),
  };
}

/**
 * The regular expression a secret scanner uses to find keys with this prefix in text: both
 * environments, bodies of any valid length, bounded by word boundaries on both sides (so a key
 * glued to other letters, digits or `_` is not reported, and nor is a run longer than a key may
 * be). It has the `g` flag, for `String.prototype.matchAll`, and is a fresh object on every
 * call (a global RegExp keeps state in `lastIndex`). Confirm each match with
 * {@link parseApiKey}: a match whose checksum fails is not a key.
 *
 * @throws MoatError ERR_INVALID_INPUT when `prefix` is not 2–16 lower-case letters or digits.
 * @example
 * ```ts
 * import { apiKeyPattern, parseApiKey } from "moatkit/apikeys";
 * for (const [match] of text.matchAll(apiKeyPattern("acme"))) {
 *   if (parseApiKey(match)?.checksumValid) console.warn("leaked acme key found");
 * }
 * ```
 */
export function apiKeyPattern(prefix: string): RegExp {
  if (!isValidPrefix(prefix)) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "API key prefix must be 2-16 lower-case letters or digits" });
  }
  const maxRest = API_KEY_MAX_LENGTH - prefix.length - "_live_".length;
  // A key starts where no word character precedes it — or right after an escape that ends in
  // one, as logs hold keys: percent-encoded (`%22acme_…`, `api_key%3Dacme_…`) or escaped in JSON
  // and string literals (`\nacme_…`, `\u0022acme_…`, `\x27acme_…`). `\b` misses all of these.
  const start = String.raw`(?:(?<![0-9A-Za-z_])|(?<=%[0-9A-Fa-f]{2})|(?<=\\[nrtbfv])|(?<=\\u[0-9A-Fa-f]{4})|(?<=\\x[0-9A-Fa-f]{2}))`;
  return new RegExp(
    `${start}${prefix}_(?:live|test)_[0-9A-Za-z]{${String(API_KEY_BODY_LENGTH + CHECKSUM_LENGTH)},${String(maxRest)}}\\b`,
    "g",
  );
}
