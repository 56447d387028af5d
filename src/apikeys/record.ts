/**
 * What moatkit keeps about an API key. The plaintext key is never part of it: only its hash,
 * and a preview short enough to recognise a key in a list but far too short to use.
 */
import type { ApiKeyRedaction } from "../redact/policy.js";

/** Which environment a key belongs to; part of the key text (`acme_live_…`, `acme_test_…`). */
export type ApiKeyEnv = "live" | "test";

// One definition of the redaction override, in moatkit/redact; apikeys re-exports it.
export type { ApiKeyRedaction };

/** An API key's metadata, safe to list, log and return to its owner: no hash, no secret. */
export interface ApiKeyInfo {
  /** The key's id (`ak_…`), used to revoke, rotate or look it up; not derived from the key. */
  readonly id: string;
  /** `acme_live_4Fh2…`: prefix, environment and the first 4 body characters. */
  readonly preview: string;
  /** The environment named in the key. */
  readonly env: ApiKeyEnv;
  /** Who the key belongs to (a user, service account or organisation id of yours). */
  readonly ownerId: string;
  /** The tenant the key acts in, if any. */
  readonly tenantId: string | null;
  /** A label for people, e.g. "CI deploys". */
  readonly name: string | null;
  /** What the key may do; `verify` checks required scopes against these. */
  readonly scopes: readonly string[];
  /** Your own JSON data about the key. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The key's PII redaction override. */
  readonly redaction: ApiKeyRedaction;
  /** When the key was issued (ms since the epoch). */
  readonly createdAt: number;
  /** When the key stops verifying (ms since the epoch), or `null` for never. */
  readonly expiresAt: number | null;
  /** When the key was revoked (ms since the epoch), or `null`. */
  readonly revokedAt: number | null;
  /** The last successful verification, to the minute (ms since the epoch), or `null`. */
  readonly lastUsedAt: number | null;
  /** The key this one replaced by rotation, or `null`. */
  readonly predecessorId: string | null;
  /** The key that replaced this one by rotation, or `null`. */
  readonly successorId: string | null;
}

/** An API key as stored: its metadata and the hash of the full key. */
export interface ApiKeyRecord extends ApiKeyInfo {
  /**
   * Lower-case hex SHA-256 of the full key string (HMAC-SHA-256 when the manager has a pepper).
   * Stores look keys up by it, through a unique index.
   */
  readonly hash: string;
}

/**
 * A frozen copy of the metadata fields only, so a hash (or any field a custom store adds) never
 * leaks. Part of the store contract: `listApiKeysByOwner` returns its records through it (the
 * conformance suite refuses a listed key that carries a `hash`).
 *
 * @example
 * ```ts
 * import { toApiKeyInfo } from "moatkit/stores";
 * return rows.map((row) => toApiKeyInfo(recordFromRow(row)));
 * ```
 */
export function toApiKeyInfo(record: ApiKeyInfo): ApiKeyInfo {
  return Object.freeze({
    id: record.id,
    preview: record.preview,
    env: record.env,
    ownerId: record.ownerId,
    tenantId: record.tenantId,
    name: record.name,
    scopes: record.scopes,
    metadata: record.metadata,
    redaction: record.redaction,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    lastUsedAt: record.lastUsedAt,
    predecessorId: record.predecessorId,
    successorId: record.successorId,
  });
}
