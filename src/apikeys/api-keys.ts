import { z } from "zod";
import { canonicalJson } from "../_internal/canonical-json.js";
import { constantTimeEqualString } from "../_internal/ct-compare.js";
import { deepFreeze } from "../_internal/deep-freeze.js";
import { toBytes } from "../_internal/encoding.js";
import { parseInput, parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, randomBase62, systemClock, systemRandom } from "../_internal/runtime.js";
import { Secret, isSecret } from "../_internal/secret.js";
import { storeCall } from "../_internal/store-error.js";
import { MoatError, type Result } from "../errors.js";
import {
  API_KEY_BODY_LENGTH,
  API_KEY_MAX_LENGTH,
  formatApiKey,
  hasValidChecksum,
  isValidPrefix,
  previewOf,
} from "./format.js";
import { apiKeyHasher } from "./hash-key.js";
import { type ApiKeyEnv, type ApiKeyInfo, type ApiKeyRecord, type ApiKeyRedaction, toApiKeyInfo } from "./record.js";
import { API_KEY_STORE_METHODS, type ApiKeyStore } from "./store.js";
import { createTouchThrottle } from "./touch-throttle.js";
import { MAX_SCOPES, SCOPE_RE } from "./scopes.js";

/** `lastUsedAt` is written at most once per key per this interval. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const PEPPER_MIN_BYTES = 32;
const MAX_GRACE_MS = 365 * 24 * 60 * 60 * 1000;
const MAX_METADATA_CHARS = 8192;
const ID_BODY_LENGTH = 22; // ~131 bits: unguessable, so an id alone reveals nothing
const ID_RE = /^ak_[0-9A-Za-z]{22}$/;

/** A server-side secret mixed into every key hash. */
export type ApiKeyPepper = string | Uint8Array | Secret<string | Uint8Array>;

/** Options for {@link createApiKeys}. */
export interface ApiKeysOptions {
  /** The service's key prefix: 2–16 lower-case letters or digits, e.g. `"acme"`. */
  readonly prefix: string;
  /** Where keys are kept (`createMemoryApiKeyStore()`, `createPostgresApiKeyStore(…)` or yours). */
  readonly store: ApiKeyStore;
  /** Clock in integer milliseconds; default `Date.now`. */
  readonly now?: Clock;
  /** CSPRNG; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
  /**
   * A server-side secret of at least 32 bytes. With it, keys are stored as HMAC-SHA-256 instead
   * of SHA-256, so a copy of the table alone cannot even confirm a guessed key. Changing it
   * invalidates every stored key.
   */
  readonly pepper?: ApiKeyPepper;
}

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

/** A freshly issued key. */
export interface IssuedApiKey {
  /** The plaintext key. Show it to its owner once; moatkit keeps only its hash. */
  readonly key: Secret<string>;
  /** What was stored. */
  readonly record: ApiKeyRecord;
}

/** Options for {@link ApiKeys.verify}. */
export interface ApiKeyVerifyOptions {
  /** Scopes the key must all have; otherwise the result is `insufficient_scope`. */
  readonly scopes?: readonly string[];
}

/**
 * Why a key did not verify. Each maps to its own response: `insufficient_scope` to 403, the
 * others to 401. (Rate limiting is a separate layer with its own `rate_limited` result.)
 */
export type ApiKeyFailureReason =
  | "malformed"
  | "checksum"
  | "not_found"
  | "revoked"
  | "expired"
  | "insufficient_scope";

/** The result of {@link ApiKeys.verify}. */
export type ApiKeyVerifyResult = Result<
  {
    /** The key's metadata (no hash); `lastUsedAt` is the use before this one. */
    readonly record: ApiKeyInfo;
  },
  ApiKeyFailureReason
>;

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

/** The result of {@link ApiKeys.rotate}. */
export type ApiKeyRotateResult = Result<
  {
    /** The new plaintext key, shown once. */
    readonly key: Secret<string>;
    /** The new key's record. */
    readonly record: ApiKeyRecord;
    /** The old key, with its successor and shortened expiry. */
    readonly previous: ApiKeyInfo;
  },
  "not_found" | "revoked" | "expired" | "already_rotated"
>;

/** The result of {@link ApiKeys.revoke}. */
export type ApiKeyRevokeResult = Result<
  {
    /** The key as revoked (no hash). */
    readonly record: ApiKeyInfo;
  },
  "not_found" | "already_revoked"
>;

/** An API key manager, made by {@link createApiKeys}. */
export interface ApiKeys {
  /**
   * Issues a key. The plaintext comes back once, as a {@link Secret}; the store gets its hash,
   * a preview and the metadata.
   *
   * @throws MoatError ERR_INVALID_INPUT for bad input, ERR_STORE when the store fails.
   */
  issue(input: ApiKeyIssueInput): Promise<IssuedApiKey>;
  /**
   * Checks a presented key. Non-strings, over-long (> 256 characters) and malformed input are
   * `malformed` and a wrong checksum is `checksum`, all without hashing or touching the store;
   * a well-formed key costs one hash and one store lookup. On success `lastUsedAt` is written at
   * most once a minute per key; a failure of that write does not fail the verification.
   *
   * @throws MoatError ERR_INVALID_INPUT for bad options (never for a bad key), ERR_STORE when
   *   the lookup fails.
   */
  verify(key: unknown, options?: ApiKeyVerifyOptions): Promise<ApiKeyVerifyResult>;
  /**
   * Revokes a key at once. Revoking a revoked key changes nothing and says so.
   *
   * @throws MoatError ERR_INVALID_INPUT for a malformed id, ERR_STORE when the store fails.
   */
  revoke(id: string): Promise<ApiKeyRevokeResult>;
  /**
   * Issues a successor with the same owner, tenant, environment, name, scopes, metadata and
   * redaction, and lets the old key verify until the grace period ends (then it is `expired`).
   * A key is rotated once: of concurrent calls, exactly one succeeds, the others get
   * `already_rotated`. Rotate the successor to rotate again.
   *
   * @throws MoatError ERR_INVALID_INPUT for a malformed id or options, ERR_STORE when the store
   *   fails.
   */
  rotate(id: string, options?: ApiKeyRotateOptions): Promise<ApiKeyRotateResult>;
  /**
   * An owner's keys, oldest first: previews and metadata, never hashes. Revoked, expired and
   * rotated keys are included; their timestamps say so.
   *
   * @throws MoatError ERR_INVALID_INPUT for a bad owner id, ERR_STORE when the store fails.
   */
  list(ownerId: string): Promise<ApiKeyInfo[]>;
  /**
   * One key's metadata by id, or `null`.
   *
   * @throws MoatError ERR_INVALID_INPUT for a malformed id, ERR_STORE when the store fails.
   */
  get(id: string): Promise<ApiKeyInfo | null>;
}

// ---------------------------------------------------------------------------------------------
// validation

const isFunction = (value: unknown): boolean => typeof value === "function";

function isApiKeyStore(value: unknown): value is ApiKeyStore {
  if (typeof value !== "object" || value === null) return false;
  return API_KEY_STORE_METHODS.every((m) => typeof Reflect.get(value, m) === "function");
}

function isPepper(value: unknown): value is ApiKeyPepper {
  const raw = isSecret(value) ? value.reveal() : value;
  return (typeof raw === "string" || raw instanceof Uint8Array) && toBytes(raw).length >= PEPPER_MIN_BYTES;
}

function pepperBytes(pepper: ApiKeyPepper): Uint8Array {
  // A copy, so later changes to the caller's buffer cannot change how keys hash.
  return Uint8Array.from(toBytes(isSecret(pepper) ? pepper.reveal() : pepper));
}

const optionsSchema = z
  .object({
    prefix: z.string().refine(isValidPrefix, "expected 2-16 lower-case letters or digits"),
    store: z.custom<ApiKeyStore>(isApiKeyStore, `expected a store with methods ${API_KEY_STORE_METHODS.join(", ")}`),
    now: z.custom<Clock>(isFunction, "expected a function returning milliseconds").optional(),
    random: z.custom<RandomSource>(isFunction, "expected a function returning random bytes").optional(),
    pepper: z.custom<ApiKeyPepper>(isPepper, `expected a string, Uint8Array or Secret of at least ${String(PEPPER_MIN_BYTES)} bytes`).optional(),
  })
  .strict();

// Text every store can hold as given: Postgres refuses NUL and cannot store an unpaired
// surrogate (a driver would silently turn it into U+FFFD), so neither is accepted anywhere.
const UNSTORABLE_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_JSON = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;
const isStorableText = (text: string): boolean => !UNSTORABLE_TEXT.test(text);

const textSchema = (max: number) =>
  z.string().min(1).max(max).refine(isStorableText, "must not contain NUL or unpaired surrogates");
const scopeSchema = z.string().regex(SCOPE_RE, "expected 1-128 printable ASCII characters without spaces");
const timeSchema = z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.date()]);

const issueSchema = z
  .object({
    ownerId: textSchema(256),
    tenantId: textSchema(256).optional(),
    env: z.enum(["live", "test"]),
    name: textSchema(200).optional(),
    scopes: z.array(scopeSchema).max(MAX_SCOPES).optional(),
    expiresAt: timeSchema.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    redaction: z.enum(["inherit", "on", "off"]).optional(),
  })
  .strict();

const rotateSchema = z
  .object({
    graceMs: z.number().int().min(0).max(MAX_GRACE_MS).optional(),
    expiresAt: timeSchema.nullable().optional(),
  })
  .strict();

function invalid(message: string): MoatError {
  return new MoatError("ERR_INVALID_INPUT", { message });
}

function requireId(id: unknown): string {
  if (typeof id !== "string" || !ID_RE.test(id)) throw invalid("API key id is malformed");
  return id;
}

function requireOwnerId(ownerId: unknown): string {
  if (typeof ownerId !== "string" || ownerId.length === 0 || ownerId.length > 256 || !isStorableText(ownerId)) {
    throw invalid("ownerId must be a string of 1-256 characters");
  }
  return ownerId;
}

const NO_SCOPES: readonly string[] = [];

/** Hand-checked rather than zod-parsed: this runs on every request. */
function requiredScopes(options: unknown): readonly string[] {
  if (options === undefined) return NO_SCOPES;
  if (typeof options !== "object" || options === null) throw invalid("verify options must be an object");
  for (const key of Object.keys(options)) if (key !== "scopes") throw invalid("verify accepts only the scopes option");
  const scopes: unknown = Reflect.get(options, "scopes");
  if (scopes === undefined) return NO_SCOPES;
  if (!Array.isArray(scopes) || scopes.length > MAX_SCOPES) throw invalid("verify scopes must be an array of at most 100 scopes");
  const list: readonly unknown[] = scopes;
  const out: string[] = [];
  for (const scope of list) {
    if (typeof scope !== "string" || !SCOPE_RE.test(scope)) throw invalid("verify scopes must be 1-128 printable ASCII characters");
    out.push(scope);
  }
  return out;
}

/** A detached, frozen copy of metadata as JSON would carry it (Dates become strings). */
function normalizeMetadata(metadata: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, unknown>> {
  if (metadata === undefined) return deepFreeze({});
  const text = canonicalJson(metadata);
  if (text.length > MAX_METADATA_CHARS) throw invalid("metadata must be at most 8192 characters as JSON");
  // Canonical JSON writes NUL and unpaired surrogates as \u escapes, which jsonb refuses.
  if (UNSTORABLE_JSON.test(text)) throw invalid("metadata must not contain NUL or unpaired surrogates");
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid("metadata must be a plain object");
  return deepFreeze({ ...parsed });
}

function toMillis(time: number | Date): number {
  return typeof time === "number" ? time : time.getTime();
}

// ---------------------------------------------------------------------------------------------
// results

const fail = <R extends string>(reason: R): { readonly ok: false; readonly reason: R } => Object.freeze({ ok: false, reason });
const MALFORMED = fail("malformed");
const CHECKSUM = fail("checksum");
const NOT_FOUND = fail("not_found");
const REVOKED = fail("revoked");
const EXPIRED = fail("expired");
const INSUFFICIENT_SCOPE = fail("insufficient_scope");

function isExpired(record: ApiKeyInfo, now: number): boolean {
  return record.expiresAt !== null && now >= record.expiresAt;
}

function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => granted.includes(scope));
}

// ---------------------------------------------------------------------------------------------

/**
 * Creates an API key manager: issue keys shown once and stored as SHA-256 hashes, verify them at
 * native hash speed, list them by preview, revoke and rotate them.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createApiKeys } from "moatkit/apikeys";
 * import { createMemoryApiKeyStore } from "moatkit/adapters/memory";
 *
 * const apiKeys = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore() });
 * const { key, record } = await apiKeys.issue({ ownerId: "user_1", env: "live", scopes: ["read"] });
 * showOnce(key.reveal()); // acme_live_…
 *
 * const result = await apiKeys.verify(req.headers["x-api-key"], { scopes: ["read"] });
 * if (!result.ok) return res.status(result.reason === "insufficient_scope" ? 403 : 401).end();
 * ```
 */
export function createApiKeys(options: ApiKeysOptions): ApiKeys {
  const opts = parseOptions(optionsSchema, options, "createApiKeys options");
  const { prefix, store } = opts;
  const random = opts.random ?? systemRandom;
  const clock = opts.now ?? systemClock;
  const hashKey = apiKeyHasher(opts.pepper === undefined ? undefined : pepperBytes(opts.pepper));
  const throttle = createTouchThrottle(LAST_USED_RESOLUTION_MS);
  // Only this service's prefix passes; 38 = 32 body + 6 checksum characters at least.
  const shape = new RegExp(`^${prefix}_(?:live|test)_[0-9A-Za-z]{38,}$`);

  const call = <T>(operation: string, fn: () => Promise<T>): Promise<T> => storeCall("apiKeys", operation, fn);

  function now(): number {
    const t = clock();
    if (!Number.isSafeInteger(t) || t < 0) {
      throw new MoatError("ERR_CONFIG", { message: "the now option must return integer milliseconds since the epoch" });
    }
    return t;
  }

  function futureTime(time: number | Date, at: number): number {
    const ms = toMillis(time);
    if (!Number.isSafeInteger(ms) || ms <= at) throw invalid("expiresAt must be a time in the future");
    return ms;
  }

  function newKey(env: ApiKeyEnv): { key: string; hash: string; preview: string } {
    const body = randomBase62(random, API_KEY_BODY_LENGTH);
    const key = formatApiKey(prefix, env, body);
    return { key, hash: hashKey(key), preview: previewOf(prefix, env, body) };
  }

  function newId(): string {
    return `ak_${randomBase62(random, ID_BODY_LENGTH)}`;
  }

  // Called only when the throttle says a write is due, so the usual verification pays for no
  // extra async step.
  async function touch(record: ApiKeyInfo, at: number): Promise<void> {
    try {
      await store.touchApiKey(record.id, at, LAST_USED_RESOLUTION_MS);
    } catch {
      // lastUsedAt is bookkeeping: the key did verify, so the request goes on; the next
      // verification of this key tries the write again.
      throttle.forget(record.id);
    }
  }

  return {
    async issue(input) {
      const data = parseInput(issueSchema, input, "apiKeys.issue input");
      const createdAt = now();
      const expiresAt = data.expiresAt === undefined ? null : futureTime(data.expiresAt, createdAt);
      const { key, hash, preview } = newKey(data.env);
      const record: ApiKeyRecord = Object.freeze({
        id: newId(),
        hash,
        preview,
        env: data.env,
        ownerId: data.ownerId,
        tenantId: data.tenantId ?? null,
        name: data.name ?? null,
        scopes: Object.freeze([...new Set(data.scopes ?? [])]),
        metadata: normalizeMetadata(data.metadata),
        redaction: data.redaction ?? "inherit",
        createdAt,
        expiresAt,
        revokedAt: null,
        lastUsedAt: null,
        predecessorId: null,
        successorId: null,
      });
      await call("createApiKey", () => store.createApiKey(record));
      return { key: new Secret(key), record };
    },

    async verify(key, options) {
      const required = requiredScopes(options);
      // Cheapest checks first; nothing below the checksum runs for a typo or a made-up string.
      if (typeof key !== "string" || key.length > API_KEY_MAX_LENGTH || !shape.test(key)) return MALFORMED;
      if (!hasValidChecksum(key)) return CHECKSUM;
      const hash = hashKey(key);
      const found = await call("findApiKeyByHash", () => store.findApiKeyByHash(hash));
      // The store matched on the hash; comparing again in constant time keeps a lenient custom
      // store (case-insensitive or prefix matching) from accepting a near miss.
      if (found === null || !constantTimeEqualString(found.hash, hash)) return NOT_FOUND;
      const at = now();
      if (found.revokedAt !== null) return REVOKED;
      if (isExpired(found, at)) return EXPIRED;
      if (!hasScopes(found.scopes, required)) return INSUFFICIENT_SCOPE;
      const record = toApiKeyInfo(found);
      if (throttle.due(record.id, record.lastUsedAt, at)) await touch(record, at);
      return { ok: true, record };
    },

    async revoke(id) {
      requireId(id);
      const revoked = await call("revokeApiKey", () => store.revokeApiKey(id, now()));
      if (revoked !== null) return { ok: true, record: toApiKeyInfo(revoked) };
      const existing = await call("getApiKey", () => store.getApiKey(id));
      return existing === null ? NOT_FOUND : fail("already_revoked");
    },

    async rotate(id, rotateOptions = {}) {
      requireId(id);
      const { graceMs = 0, expiresAt } = parseInput(rotateSchema, rotateOptions, "apiKeys.rotate options");
      const at = now();
      const classify = (old: ApiKeyRecord | null): ApiKeyRotateResult | undefined => {
        if (old === null) return NOT_FOUND;
        if (old.revokedAt !== null) return REVOKED;
        if (old.successorId !== null) return fail("already_rotated");
        if (isExpired(old, at)) return EXPIRED;
        return undefined;
      };
      const old = await call("getApiKey", () => store.getApiKey(id));
      const refused = classify(old);
      if (refused !== undefined || old === null) return refused ?? NOT_FOUND;

      let successorExpiresAt: number | null;
      if (expiresAt === null) successorExpiresAt = null;
      else if (expiresAt !== undefined) successorExpiresAt = futureTime(expiresAt, at);
      else successorExpiresAt = old.expiresAt === null ? null : at + Math.max(1, old.expiresAt - old.createdAt);

      const { key, hash, preview } = newKey(old.env);
      const record: ApiKeyRecord = Object.freeze({
        ...toApiKeyInfo(old),
        id: newId(),
        hash,
        preview,
        createdAt: at,
        expiresAt: successorExpiresAt,
        revokedAt: null,
        lastUsedAt: null,
        predecessorId: old.id,
        successorId: null,
      });
      const previous = await call("rotateApiKey", () => store.rotateApiKey(id, record, at + graceMs, at));
      if (previous !== null) return { ok: true, key: new Secret(key), record, previous: toApiKeyInfo(previous) };
      // Lost a race (or the key changed since it was read): say what it is now.
      const current = await call("getApiKey", () => store.getApiKey(id));
      return classify(current) ?? fail("already_rotated");
    },

    async list(ownerId) {
      requireOwnerId(ownerId);
      const keys = await call("listApiKeysByOwner", () => store.listApiKeysByOwner(ownerId));
      return keys.map(toApiKeyInfo);
    },

    async get(id) {
      requireId(id);
      const found = await call("getApiKey", () => store.getApiKey(id));
      return found === null ? null : toApiKeyInfo(found);
    },
  };
}
