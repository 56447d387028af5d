/**
 * What the API key manager accepts from callers, and the checks it makes on it. Text must be
 * storable as given by every store; metadata is copied as JSON would carry it.
 */
import { z } from "zod";
import { canonicalJson } from "../_internal/canonical-json.js";
import { deepFreeze } from "../_internal/deep-freeze.js";
import { MoatError } from "../errors.js";
import type { ApiKeyEnv, ApiKeyRedaction } from "./record.js";
import { MAX_SCOPES, SCOPE_RE } from "./scopes.js";
import { requireIdentifier } from "../_internal/identifier.js";
import { assertKnownKeys } from "../_internal/options.js";

const MAX_METADATA_CHARS = 8192;
const ID_RE = /^ak_[0-9A-Za-z]{22}$/;

/** What {@link ApiKeys.issue} needs. */
export interface ApiKeyIssueInput {
  /** Who the key belongs to (1–256 characters). */
  readonly ownerId: string;
  /** The tenant the key acts in (1–256 characters). */
  readonly tenantId?: string;
  /** `live` or `test`; written into the key. */
  readonly env: ApiKeyEnv;
  /** A label for people (1–200 characters). */
  readonly name?: string;
  /** What the key may do: up to 100 distinct scopes of 1–128 printable ASCII characters. */
  readonly scopes?: readonly string[];
  /** When the key stops verifying (ms since the epoch, or a Date); must be in the future. */
  readonly expiresAt?: number | Date;
  /** Your own JSON data about the key (at most 8,192 characters as JSON). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** PII redaction override for this key; default `"inherit"`. */
  readonly redaction?: ApiKeyRedaction;
}

/** Options for {@link ApiKeys.verify}. */
export interface ApiKeyVerifyOptions {
  /** Scopes the key must all have; otherwise the result is `insufficient_scope`. */
  readonly scopes?: readonly string[];
}

/** Options for {@link ApiKeys.rotate}. */
export interface ApiKeyRotateOptions {
  /**
   * How long the old key keeps verifying, in ms (0 to 365 days); default 0, which cuts it off
   * at once. An earlier expiry of the old key is kept.
   */
  readonly graceMs?: number;
  /**
   * When the new key expires: a time (ms or Date) in the future, or `null` for never. Default:
   * the old key's lifetime counted from now, or never if the old key had no expiry.
   */
  readonly expiresAt?: number | Date | null;
}

// surrogate (a driver would silently turn it into U+FFFD), so neither is accepted anywhere.
const UNSTORABLE_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_JSON = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;
const isStorableText = (text: string): boolean => !UNSTORABLE_TEXT.test(text);

/** Text of 1–`max` characters that every store can hold as given. */
export const textSchema = (max: number): z.ZodType<string> =>
  z.string().min(1).max(max).refine(isStorableText, "must not contain NUL or unpaired surrogates");
/** One scope. */
export const scopeSchema: z.ZodType<string> = z
  .string()
  .regex(SCOPE_RE, "expected 1-128 printable ASCII characters without spaces");
/** A time: integer ms since the epoch, or a Date. */
export const timeSchema: z.ZodType<number | Date> = z.union([
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  z.date(),
]);

/** The ERR_INVALID_INPUT for a bad argument. */
export function invalid(message: string): MoatError {
  return new MoatError("ERR_INVALID_INPUT", { message });
}

/** An API key id (`ak_` and 22 base62 characters). */
export function requireId(id: unknown): string {
  if (typeof id !== "string" || !ID_RE.test(id)) throw invalid("API key id is malformed");
  return id;
}

/** An owner id: the shared identifier rule (docs/identifiers.md). */
export function requireOwnerId(ownerId: unknown): string {
  return requireIdentifier(ownerId, "ownerId");
}

const NO_SCOPES: readonly string[] = [];

/** Hand-checked rather than zod-parsed: this runs on every request. */
export function requiredScopes(options: unknown): readonly string[] {
  if (options === undefined) return NO_SCOPES;
  if (typeof options !== "object" || options === null) throw invalid("verify options must be an object");
  for (const key in options)
    if (key !== "scopes") assertKnownKeys(options, ["scopes"], "verify options", "ERR_INVALID_INPUT");
  const scopes: unknown = Reflect.get(options, "scopes");
  if (scopes === undefined) return NO_SCOPES;
  if (!Array.isArray(scopes) || scopes.length > MAX_SCOPES)
    throw invalid("verify scopes must be an array of at most 100 scopes");
  const list: readonly unknown[] = scopes;
  const out: string[] = [];
  for (const scope of list) {
    if (typeof scope !== "string" || !SCOPE_RE.test(scope))
      throw invalid("verify scopes must be 1-128 printable ASCII characters");
    out.push(scope);
  }
  return out;
}

/** A detached, frozen copy of metadata as JSON would carry it (Dates become strings). */
export function normalizeMetadata(
  metadata: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> {
  if (metadata === undefined) return deepFreeze({});
  const text = canonicalJson(metadata);
  if (text.length > MAX_METADATA_CHARS) throw invalid("metadata must be at most 8192 characters as JSON");
  // Canonical JSON writes NUL and unpaired surrogates as \u escapes, which jsonb refuses.
  if (UNSTORABLE_JSON.test(text)) throw invalid("metadata must not contain NUL or unpaired surrogates");
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid("metadata must be a plain object");
  return deepFreeze({ ...parsed });
}

/** `time` in ms, which must be a safe integer after `at`. */
export function futureTime(time: number | Date, at: number): number {
  const ms = typeof time === "number" ? time : time.getTime();
  if (!Number.isSafeInteger(ms) || ms <= at) throw invalid("expiresAt must be a time in the future");
  return ms;
}
