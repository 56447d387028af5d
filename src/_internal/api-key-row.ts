/**
 * The API-key row shared by the SQL adapters (Postgres, MySQL): which values go in, in which
 * column order, and how a row read back is checked field by field rather than trusted. Each
 * adapter supplies how its driver returns a column (text, integer milliseconds); the record's
 * shape and its value checks live here once.
 */
import type { ApiKeyEnv, ApiKeyInfo, ApiKeyRecord } from "../apikeys/record.js";
import type { ApiKeyRedaction } from "../redact/policy.js";
import { canonicalJson } from "./canonical-json.js";

/** The 16 columns of `moatkit_api_keys`, in the order {@link apiKeyRowValues} gives them. */
export const API_KEY_COLUMNS: readonly string[] = [
  "key_hash",
  "id",
  "preview",
  "env",
  "owner_id",
  "tenant_id",
  "name",
  "scopes",
  "metadata",
  "redaction",
  "created_at",
  "expires_at",
  "revoked_at",
  "last_used_at",
  "predecessor_id",
  "successor_id",
];

/**
 * A record's values in {@link API_KEY_COLUMNS} order. Scopes and metadata travel as JSON text
 * (metadata canonical, so equal metadata is equal text); times as integer milliseconds.
 */
export function apiKeyRowValues(r: ApiKeyRecord): unknown[] {
  return [
    r.hash,
    r.id,
    r.preview,
    r.env,
    r.ownerId,
    r.tenantId,
    r.name,
    JSON.stringify(r.scopes),
    canonicalJson(r.metadata),
    r.redaction,
    r.createdAt,
    r.expiresAt,
    r.revokedAt,
    r.lastUsedAt,
    r.predecessorId,
    r.successorId,
  ];
}

/** How one driver's row gives up a column; each throws the adapter's ERR_STORE on a wrong type. */
export interface ApiKeyRowReader {
  text(column: string): string;
  optionalText(column: string): string | null;
  /** Integer milliseconds. */
  time(column: string): number;
  optionalTime(column: string): number | null;
  /** The adapter's "row does not fit the contract" error, naming what was wrong. */
  corrupt(what: string): Error;
}

function json(read: ApiKeyRowReader, column: string): unknown {
  try {
    return JSON.parse(read.text(column));
  } catch {
    throw read.corrupt(`apiKeys column ${column} is not JSON`);
  }
}

function env(read: ApiKeyRowReader): ApiKeyEnv {
  const value = read.text("env");
  if (value === "live" || value === "test") return value;
  throw read.corrupt("apiKeys env out of range");
}

function redaction(read: ApiKeyRowReader): ApiKeyRedaction {
  const value = read.text("redaction");
  if (value === "inherit" || value === "on" || value === "off") return value;
  throw read.corrupt("apiKeys redaction out of range");
}

function scopes(read: ApiKeyRowReader): readonly string[] {
  const value = json(read, "scopes");
  if (!Array.isArray(value) || !value.every((s) => typeof s === "string"))
    throw read.corrupt("apiKeys scopes malformed");
  return [...value];
}

function metadata(read: ApiKeyRowReader): Readonly<Record<string, unknown>> {
  const value = json(read, "metadata");
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw read.corrupt("apiKeys metadata malformed");
  return { ...value };
}

/** A row read back as key info (everything but the hash). */
export function readApiKeyInfo(read: ApiKeyRowReader): ApiKeyInfo {
  return {
    id: read.text("id"),
    preview: read.text("preview"),
    env: env(read),
    ownerId: read.text("owner_id"),
    tenantId: read.optionalText("tenant_id"),
    name: read.optionalText("name"),
    scopes: scopes(read),
    metadata: metadata(read),
    redaction: redaction(read),
    createdAt: read.time("created_at"),
    expiresAt: read.optionalTime("expires_at"),
    revokedAt: read.optionalTime("revoked_at"),
    lastUsedAt: read.optionalTime("last_used_at"),
    predecessorId: read.optionalText("predecessor_id"),
    successorId: read.optionalText("successor_id"),
  };
}

/** A row read back as a whole record. */
export function readApiKeyRecord(read: ApiKeyRowReader): ApiKeyRecord {
  return { ...readApiKeyInfo(read), hash: read.text("key_hash") };
}
