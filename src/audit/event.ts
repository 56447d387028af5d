/**
 * The audit event format (docs/design.md "Audit events") and its hash. An event as built is an
 * {@link AuditEvent}; the log adds the per-org `seq`, the previous event's hash and its own hash,
 * giving a {@link StoredAuditEvent}. The hash is SHA-256 over the canonical JSON of the whole
 * stored event except `hash` itself: every field, nested ones included, is covered, so no part
 * of an event (actor, target, diff) can change without the hash changing.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { normalizeAddress } from "../_internal/client-ip.js";
import { deepFreeze } from "../_internal/deep-freeze.js";
import { sha256Hex } from "../_internal/hash.js";
import { canonicalJsonFast, sortKeysDeep, sortObjectKeysDeep } from "./canonical.js";
import type { AuditDiffEntry } from "./diff.js";
import { type JsonObject, type JsonValue, isJsonObject, toJsonValue } from "./json-value.js";
import { boundedIdentifierSchema } from "../_internal/identifier.js";

/** Who acted. */
export interface AuditActor {
  /** The user the action is attributed to. */
  readonly userId: string;
  /** The staff member acting as `userId` (impersonation), when there is one. */
  readonly impersonatorId?: string;
}

/** What was acted on. */
export interface AuditTarget {
  /** The kind of thing, e.g. `"api_key"`, `"user"`. */
  readonly type: string;
  /** Its id. */
  readonly id: string;
}

/** An audit event as built, before the log places it in its organisation's chain. */
export interface AuditEvent {
  /** A UUIDv7 (time-ordered) made by the builder. */
  readonly id: string;
  /** When it happened: ISO 8601 UTC with milliseconds, e.g. `2026-01-01T12:00:00.000Z`. */
  readonly at: string;
  /** The organisation (tenant) whose log it belongs to; each has its own chain. */
  readonly orgId: string;
  /** Who acted. */
  readonly actor: AuditActor;
  /** What was done, e.g. `"api_key.revoke"`. */
  readonly action: string;
  /** What it was done to. */
  readonly target: AuditTarget;
  /** The request's id, or `null` outside a request. */
  readonly requestId: string | null;
  /** The client's IP address, or `null` when unknown. */
  readonly ip: string | null;
  /** The client's user agent (at most 512 characters), or `null`. */
  readonly userAgent: string | null;
  /** What changed, redacted; present when the builder was given `before` or `after`. */
  readonly diff?: readonly AuditDiffEntry[];
  /** Your own JSON data about the event (at most 64 KiB as JSON), redacted. */
  readonly metadata?: JsonObject;
}

/** An event as stored: its place in the organisation's hash chain. */
export interface StoredAuditEvent extends AuditEvent {
  /** Position in the organisation's chain: 1, 2, 3 … without gaps. */
  readonly seq: number;
  /** The `hash` of event `seq - 1` ({@link GENESIS_HASH} for the first). */
  readonly prevHash: string;
  /** SHA-256 (lower-case hex) of the canonical JSON of this event without `hash`. */
  readonly hash: string;
}

/** The last event of a chain: its `seq` and `hash` (`0` and {@link GENESIS_HASH} when empty). */
export interface AuditChainHead {
  /** The last sequence number, 0 for an empty chain. */
  readonly seq: number;
  /** That event's hash. */
  readonly hash: string;
}

/** `prevHash` of the first event of every chain: 64 zeros. */
export const GENESIS_HASH: string = "0".repeat(64);

/** The head of a chain with no events. */
export const EMPTY_CHAIN_HEAD: AuditChainHead = Object.freeze({ seq: 0, hash: GENESIS_HASH });

// ---------------------------------------------------------------------------------------------
// limits and field schemas, shared by the builder (input) and the log (events appended)

/** Largest `metadata`, as UTF-8 bytes of its canonical JSON. */
export const MAX_METADATA_BYTES: number = 64 * 1024;
/** Largest `before` or `after` given to the builder, as UTF-8 bytes of canonical JSON. */
export const MAX_SNAPSHOT_BYTES: number = 128 * 1024;
/** Largest `diff` in an appended event, as UTF-8 bytes of canonical JSON. */
const MAX_DIFF_BYTES: number = 1024 * 1024;
/** Longest user agent kept; longer ones are cut (a client must not be able to fail an audit). */
export const MAX_USER_AGENT_LENGTH = 512;
const MAX_ID_LENGTH = 256;
const MAX_NAME_LENGTH = 128;

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HASH_RE = /^[0-9a-f]{64}$/;
const EVENT_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

/** Whether `value` is 64 lower-case hex digits (a SHA-256 as the log writes it). */
export function isHashHex(value: unknown): value is string {
  return typeof value === "string" && HASH_RE.test(value);
}

/** Whether `text` contains a C0 control character or DEL (newlines, NUL, escape …). */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** `text` without its C0 control characters and DEL. */
export function stripControlCharacters(text: string): string {
  if (!hasControlCharacter(text)) return text;
  let out = "";
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c !== 0x7f) out += ch;
  }
  return out;
}

/** An id: moatkit's identifier rule (1–256 characters, well-formed Unicode, no control characters). */
export const idSchema: z.ZodType<string> = boundedIdentifierSchema(MAX_ID_LENGTH);
/** An action or target type: the identifier rule, at most 128 characters. */
export const nameSchema: z.ZodType<string> = boundedIdentifierSchema(MAX_NAME_LENGTH);

/** An IPv4 or IPv6 address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is written as IPv4. */
export const ipSchema: z.ZodType<string, string> = z
  .string()
  .max(64)
  .refine((s) => isIP(s) !== 0, "expected an IPv4 or IPv6 address")
  .transform(normalizeIp);

/** `::ffff:203.0.113.7` → `203.0.113.7`; IPv6 lower-cased; anything else unchanged. */
export function normalizeIp(ip: string): string {
  const address = normalizeAddress(ip);
  return address.includes(":") ? address.toLowerCase() : address;
}

/**
 * The UTF-8 size of a plain JSON value's canonical form. Canonical JSON differs from
 * `JSON.stringify` only in key order, so the native serialiser gives the same size.
 */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/**
 * A schema for a JSON payload: any value {@link toJsonValue} accepts, output as a plain JSON
 * value, at most `maxBytes` as canonical JSON. `objectOnly` requires a JSON object.
 */
export function jsonSchema(maxBytes: number, objectOnly: true): z.ZodType<JsonObject>;
export function jsonSchema(maxBytes: number, objectOnly: false): z.ZodType<JsonValue>;
export function jsonSchema(maxBytes: number, objectOnly: boolean): z.ZodType<JsonValue> {
  return z.unknown().transform((input, ctx) => {
    const converted = toJsonValue(input);
    if (!converted.ok) {
      ctx.addIssue({ code: "custom", message: converted.problem.message, path: [...converted.problem.path] });
      return z.NEVER;
    }
    if (objectOnly && !isJsonObject(converted.value)) {
      ctx.addIssue({ code: "custom", message: "expected a plain object" });
      return z.NEVER;
    }
    if (jsonBytes(converted.value) > maxBytes) {
      ctx.addIssue({
        code: "too_big",
        origin: "string",
        maximum: maxBytes,
        message: `must be at most ${String(maxBytes)} bytes as JSON`,
      });
      return z.NEVER;
    }
    return converted.value;
  });
}

const actorSchema = z.strictObject({ userId: idSchema, impersonatorId: idSchema.optional() });
const targetSchema = z.strictObject({ type: nameSchema, id: idSchema });

/** Whether `value` is a time as the log writes it: `YYYY-MM-DDTHH:mm:ss.sssZ`, a real instant. */
function isIsoTime(value: unknown): value is string {
  if (typeof value !== "string" || !ISO_RE.test(value)) return false;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString() === value;
}

/** An ISO 8601 UTC time with milliseconds, as `toISOString()` writes it. */
export const isoTimeSchema: z.ZodType<string> = z.custom<string>(
  isIsoTime,
  "expected an ISO 8601 UTC time with milliseconds",
);

const diffEntrySchema = z
  .strictObject({
    path: z.string().max(64 * 1024),
    op: z.enum(["add", "remove", "change"]),
    before: jsonSchema(MAX_DIFF_BYTES, false).optional(),
    after: jsonSchema(MAX_DIFF_BYTES, false).optional(),
  })
  .refine(
    (e) =>
      (e.op === "change" || e.before === undefined) === (e.op !== "remove") &&
      (e.op === "change" || e.after === undefined) === (e.op !== "add") &&
      (e.op !== "change" || (e.before !== undefined && e.after !== undefined)),
    "add has only after, remove only before, change both",
  )
  .transform((e): AuditDiffEntry => ({
    path: e.path,
    op: e.op,
    ...(e.before === undefined ? {} : { before: e.before }),
    ...(e.after === undefined ? {} : { after: e.after }),
  }));

/** What `append` accepts: an event as {@link AuditEvent} describes, and nothing else. */
export const auditEventSchema: z.ZodType<AuditEvent> = z
  .strictObject({
    id: z.string().regex(EVENT_ID_RE, "expected 1-128 characters of A-Z a-z 0-9 _ -"),
    at: isoTimeSchema,
    orgId: idSchema,
    actor: actorSchema,
    action: nameSchema,
    target: targetSchema,
    requestId: idSchema.nullable(),
    ip: ipSchema.nullable(),
    userAgent: z
      .string()
      .max(MAX_USER_AGENT_LENGTH)
      .refine((s) => !hasControlCharacter(s), "must not contain control characters")
      .nullable(),
    diff: z.array(diffEntrySchema).optional(),
    metadata: jsonSchema(MAX_METADATA_BYTES, true).optional(),
  })
  .transform((event, ctx): AuditEvent => {
    const { diff, metadata, actor, ...rest } = event;
    if (diff !== undefined && jsonBytes(diff) > MAX_DIFF_BYTES) {
      ctx.addIssue({
        code: "too_big",
        origin: "array",
        maximum: MAX_DIFF_BYTES,
        message: "diff is too large as JSON",
        path: ["diff"],
      });
    }
    return {
      ...rest,
      actor:
        actor.impersonatorId === undefined
          ? { userId: actor.userId }
          : { userId: actor.userId, impersonatorId: actor.impersonatorId },
      ...(diff === undefined ? {} : { diff }),
      ...(metadata === undefined ? {} : { metadata }),
    };
  });

/**
 * Whether `value` has the shape of a stored event: the right fields with the right primitive
 * types, checked shallowly (nested payloads are not inspected). Stores use it when decoding
 * rows; it says nothing about integrity, which only the hash can.
 *
 * @example
 * ```ts
 * import { isStoredAuditEventShape } from "moatkit/stores";
 * isStoredAuditEventShape(JSON.parse(row.body)); // false for a row that is not an event
 * ```
 */
export function isStoredAuditEventShape(value: unknown): value is StoredAuditEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const get = (key: string): unknown => Reflect.get(value, key);
  const isObject = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v);
  const isStringOrNull = (v: unknown): boolean => v === null || typeof v === "string";
  return (
    typeof get("seq") === "number" &&
    typeof get("hash") === "string" &&
    typeof get("prevHash") === "string" &&
    typeof get("id") === "string" &&
    typeof get("at") === "string" &&
    typeof get("orgId") === "string" &&
    typeof get("action") === "string" &&
    isObject(get("actor")) &&
    isObject(get("target")) &&
    isStringOrNull(get("requestId")) &&
    isStringOrNull(get("ip")) &&
    isStringOrNull(get("userAgent"))
  );
}

// ---------------------------------------------------------------------------------------------
// hashing

/** The hash of an event as the chain defines it: SHA-256 hex over canonical JSON without `hash`. */
export function hashAuditEvent(event: Omit<StoredAuditEvent, "hash">): string {
  return sha256Hex(canonicalJsonFast(event));
}

// Events the builder made: validated, deep-frozen, so `append` need not check them again.
const validated = new WeakSet<object>();

/** Deep-freezes a built event and remembers that it is valid. */
export function markValidated(event: AuditEvent): AuditEvent {
  validated.add(deepFreeze(event));
  return event;
}

/** Whether `event` came from {@link markValidated} (and so, being frozen, is unchanged since). */
export function isValidated(event: unknown): event is AuditEvent {
  return typeof event === "object" && event !== null && validated.has(event);
}

function sortedDiffEntry(entry: AuditDiffEntry): AuditDiffEntry {
  return {
    ...(entry.after === undefined ? {} : { after: sortKeysDeep(entry.after) }),
    ...(entry.before === undefined ? {} : { before: sortKeysDeep(entry.before) }),
    op: entry.op,
    path: entry.path,
  };
}

/** The event placed after `head`, with every object's keys in canonical (code-unit) order. */
function inCanonicalOrder(event: AuditEvent, head: AuditChainHead): Omit<StoredAuditEvent, "hash"> {
  const { actor, target } = event;
  return {
    action: event.action,
    actor:
      actor.impersonatorId === undefined
        ? { userId: actor.userId }
        : { impersonatorId: actor.impersonatorId, userId: actor.userId },
    at: event.at,
    ...(event.diff === undefined ? {} : { diff: event.diff.map(sortedDiffEntry) }),
    id: event.id,
    ip: event.ip,
    ...(event.metadata === undefined ? {} : { metadata: sortObjectKeysDeep(event.metadata) }),
    orgId: event.orgId,
    prevHash: head.hash,
    requestId: event.requestId,
    seq: head.seq + 1,
    target: { id: target.id, type: target.type },
    userAgent: event.userAgent,
  };
}

/**
 * Places a validated event (the output of {@link auditEventSchema}, which shares no objects with
 * the caller's input) in a chain after `head`: sets `seq` and `prevHash`, computes `hash`, and
 * freezes the result so the copy a store keeps cannot be changed through a returned reference.
 */
export function sealAuditEvent(event: AuditEvent, head: AuditChainHead): StoredAuditEvent {
  // Built in canonical key order, so hashing it now, and verifying it (or its JSON) later, can
  // serialise it natively.
  const unsealed = inCanonicalOrder(event, head);
  return deepFreeze({ ...unsealed, hash: hashAuditEvent(unsealed) });
}
