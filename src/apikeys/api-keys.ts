import { z } from "zod";
import { constantTimeEqualString } from "../_internal/ct-compare.js";
import { parseInput, parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, randomBase62, systemClock, systemRandom } from "../_internal/runtime.js";
import { Secret } from "../_internal/secret.js";
import { storeSchema, wrapStore } from "../_internal/store.js";
import { MoatError } from "../errors.js";
import {
  type ApiKeyIssueInput,
  type ApiKeyRotateOptions,
  type ApiKeyVerifyOptions,
  futureTime,
  normalizeMetadata,
  requireId,
  requireOwnerId,
  requiredScopes,
  scopeSchema,
  textSchema,
  timeSchema,
} from "./api-key-input.js";
import { MAX_SCOPES } from "./scopes.js";
import {
  type ApiKeyRevokeResult,
  type ApiKeyRotateResult,
  type ApiKeyVerifyResult,
  CHECKSUM,
  EXPIRED,
  INSUFFICIENT_SCOPE,
  type IssuedApiKey,
  MALFORMED,
  NOT_FOUND,
  REVOKED,
  fail,
} from "./api-key-results.js";
import {
  API_KEY_BODY_LENGTH,
  API_KEY_MAX_LENGTH,
  formatApiKey,
  hasValidChecksum,
  isValidPrefix,
  previewOf,
} from "./format.js";
import { apiKeyHasher } from "./hash-key.js";
import { type ApiKeyPepper, PEPPER_MIN_BYTES, isPepper, pepperBytes } from "./pepper.js";
import { type ApiKeyEnv, type ApiKeyInfo, type ApiKeyRecord, toApiKeyInfo } from "./record.js";
import { API_KEY_STORE_METHODS, type ApiKeyStore } from "./store.js";
import { createTouchThrottle } from "./touch-throttle.js";
import { identifierSchema } from "../_internal/identifier.js";
import { type Duration, durationSchema } from "../_internal/duration.js";
import { type InvalidationChannel, isInvalidationChannel } from "../_internal/invalidation-channel.js";
import { createVerifyCache } from "./verify-cache.js";

/** `lastUsedAt` is written at most once per key per this interval. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const ID_BODY_LENGTH = 22; // ~131 bits: unguessable, so an id alone reveals nothing
const MAX_GRACE_MS = 365 * 24 * 60 * 60 * 1000;

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
  /**
   * How long a key's stored record, once found, is reused by `verify` without a store read;
   * default 0 (every verification reads the store). Revocation, expiry and scopes are still
   * checked on every call against the cached record. `revoke` and `rotate` drop the entry here
   * at once; other instances drop it at once only with `invalidation`, else after this long.
   */
  readonly verifyCache?: Duration;
  /**
   * Shares `revoke` and `rotate` with other instances (`createRedisInvalidationChannel`), so a
   * revoked key stops verifying everywhere at once. While the channel is not live no record is
   * served from or stored in the cache: every verification reads the store.
   */
  readonly invalidation?: InvalidationChannel;
}

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
   * a well-formed key costs one hash and one store lookup (none on a `verifyCache` hit). On success `lastUsedAt` is written at
   * most once a minute per key; a failure of that write does not fail the verification.
   *
   * @throws MoatError ERR_INVALID_INPUT for bad options (never for a bad key), ERR_STORE when
   *   the lookup fails.
   */
  verify(key: unknown, options?: ApiKeyVerifyOptions): Promise<ApiKeyVerifyResult>;
  /**
   * Revokes a key at once, here and (with `invalidation`) on every instance. Revoking a revoked
   * key changes nothing in the store and says so, but announces it again.
   *
   * @throws MoatError ERR_INVALID_INPUT for a malformed id, ERR_STORE when the store fails or
   *   when the announcement fails (the key is revoked by then; revoke again to re-announce).
   */
  revoke(id: string): Promise<ApiKeyRevokeResult>;
  /**
   * Issues a successor with the same owner, tenant, environment, name, scopes, metadata and
   * redaction, and lets the old key verify until the grace period ends (then it is `expired`).
   * A key is rotated once: of concurrent calls, exactly one succeeds, the others get
   * `already_rotated`. Rotate the successor to rotate again.
   *
   * @throws MoatError ERR_INVALID_INPUT for a malformed id or options, ERR_STORE when the store
   *   fails or the announcement of the old key's new expiry fails (the rotation happened).
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

const isFunction = (value: unknown): boolean => typeof value === "function";

const optionsSchema = z
  .object({
    prefix: z.string().refine(isValidPrefix, "expected 2-16 lower-case letters or digits"),
    store: storeSchema<ApiKeyStore>(API_KEY_STORE_METHODS),
    now: z.custom<Clock>(isFunction, "expected a function returning milliseconds").optional(),
    random: z.custom<RandomSource>(isFunction, "expected a function returning random bytes").optional(),
    pepper: z
      .custom<ApiKeyPepper>(
        isPepper,
        `expected a string, Uint8Array or Secret of at least ${String(PEPPER_MIN_BYTES)} bytes`,
      )
      .optional(),
    verifyCache: z.union([z.literal(0), durationSchema]).optional(),
    invalidation: z
      .custom<InvalidationChannel>(isInvalidationChannel, "an invalidation channel (publish, subscribe, isLive)")
      .optional(),
  })
  .strict();

function isExpired(record: ApiKeyInfo, now: number): boolean {
  return record.expiresAt !== null && now >= record.expiresAt;
}

function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => granted.includes(scope));
}

const issueSchema = z
  .object({
    ownerId: identifierSchema,
    tenantId: identifierSchema.optional(),
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
  const { prefix } = opts;
  const store = wrapStore("apiKeys", opts.store, API_KEY_STORE_METHODS);
  const random = opts.random ?? systemRandom;
  const clock = opts.now ?? systemClock;
  const hashKey = apiKeyHasher(opts.pepper === undefined ? undefined : pepperBytes(opts.pepper));
  const throttle = createTouchThrottle(LAST_USED_RESOLUTION_MS);
  const verifyCache = createVerifyCache({
    ttlMs: opts.verifyCache ?? 0,
    invalidation: opts.invalidation,
    find: (hash) => store.findApiKeyByHash(hash),
  });
  // Only this service's prefix passes; 38 = 32 body + 6 checksum characters at least.
  const shape = new RegExp(`^${prefix}_(?:live|test)_[0-9A-Za-z]{38,}$`);

  function now(): number {
    const t = clock();
    if (!Number.isSafeInteger(t) || t < 0) {
      throw new MoatError("ERR_CONFIG", { message: "the now option must return integer milliseconds since the epoch" });
    }
    return t;
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
      await store.createApiKey(record);
      // The hash stays with the store: whoever logs the issued record should not log a lookup key.
      return { key: new Secret(key), record: toApiKeyInfo(record) };
    },

    async verify(key, options) {
      const required = requiredScopes(options);
      // Cheapest checks first; nothing below the checksum runs for a typo or a made-up string.
      if (typeof key !== "string" || key.length > API_KEY_MAX_LENGTH || !shape.test(key)) return MALFORMED;
      if (!hasValidChecksum(key)) return CHECKSUM;
      const hash = hashKey(key);
      const found = await verifyCache.find(hash, now());
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
      const revoked = await store.revokeApiKey(id, now());
      if (revoked !== null) {
        await verifyCache.announce(id);
        return { ok: true, record: toApiKeyInfo(revoked) };
      }
      const existing = await store.getApiKey(id);
      if (existing === null) return NOT_FOUND;
      // Announced again: the retry path when an earlier announcement failed.
      await verifyCache.announce(id);
      return fail("already_revoked");
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
      const old = await store.getApiKey(id);
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
      const previous = await store.rotateApiKey(id, record, at + graceMs, at);
      if (previous !== null) {
        // The old record's expiry moved to the end of the grace period: cached copies must go.
        await verifyCache.announce(id);
        return { ok: true, key: new Secret(key), record: toApiKeyInfo(record), previous: toApiKeyInfo(previous) };
      }
      // Lost a race (or the key changed since it was read): say what it is now.
      const current = await store.getApiKey(id);
      return classify(current) ?? fail("already_rotated");
    },

    async list(ownerId) {
      requireOwnerId(ownerId);
      const keys = await store.listApiKeysByOwner(ownerId);
      return keys.map(toApiKeyInfo);
    },

    async get(id) {
      requireId(id);
      const found = await store.getApiKey(id);
      return found === null ? null : toApiKeyInfo(found);
    },
  };
}
